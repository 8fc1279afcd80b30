"""Checks on one spreadsheet cell. Each returns the clean value or raises
CellError with a message for the error table; the message names no row or
column (the table does)."""

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.text import clean_phone

# A cell starting like this is run as a formula by Excel or WPS when the file is
# opened again (CSV/formula injection), so it is refused, not stored.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "｜", "|")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:", re.IGNORECASE)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
YES = {"是", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "no", "n", "false", "0", ""}


class CellError(Exception):
    def __init__(self, message: str):
        self.message = str(message)
        super().__init__(self.message)


def as_text(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _CONTROL.sub("", str(value if value is not None else "")).strip()


def text(value, *, max_length: int, required: bool = False, min_length: int = 0) -> str:
    value = as_text(value)
    if not value:
        if required:
            raise CellError(_("This cell is required but empty."))
        return ""
    if value.startswith(_FORMULA_START):
        raise CellError(_("The cell starts with “%(c)s” and would run as a formula in Excel; remove that character.")
                        % {"c": value[0].strip() or "TAB"})
    if _MARKUP.search(value):
        raise CellError(_("HTML tags or scripts are not allowed."))
    if len(value) > max_length:
        raise CellError(_("Too long: %(n)d characters, at most %(max)d.") % {"n": len(value), "max": max_length})
    if len(value) < min_length:
        raise CellError(_("Too short: at least %(min)d characters.") % {"min": min_length})
    return value


def phone(value, *, required: bool = False) -> str:
    raw = as_text(value)
    if raw.startswith(("=", "@")):
        raise CellError(_("The cell starts with “%(c)s” and would run as a formula in Excel; remove that character.")
                        % {"c": raw[0]})
    if not raw:
        if required:
            raise CellError(_("This cell is required but empty."))
        return ""
    try:
        return clean_phone(raw)
    except ValidationFailed:
        raise CellError(_("“%(v)s” is not a phone number: give an 11-digit mobile or a landline with area code.")
                        % {"v": raw[:20]})


def id_number(value, *, required: bool = True) -> str:
    """Resident ID (GB 11643): 17 digits, a check character, a real birth date."""
    raw = as_text(value).upper().replace(" ", "")
    if not raw:
        if required:
            raise CellError(_("This cell is required but empty."))
        return ""
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise CellError(_("An ID number has 18 characters: 17 digits and a digit or X."))
    try:
        dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise CellError(_("The birth date inside the ID number is not a real date."))
    expected = _ID_CHECK[sum(int(d) * w for d, w in zip(raw[:17], _ID_WEIGHTS)) % 11]
    if raw[17] != expected:
        raise CellError(_("The ID number's check digit is wrong; check the number for a typing error."))
    return raw


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M")


def date(value, *, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = as_text(value)
    if not raw:
        if required:
            raise CellError(_("This cell is required but empty."))
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise CellError(_("“%(v)s” is not a date; write it like 2024-03-05.") % {"v": raw[:30]})


def datetime(value, *, required: bool = False, end_of_day: bool = False) -> dt.datetime | None:
    """A date and time in China time; a date alone means its start (or its end, for a deadline)."""
    if isinstance(value, dt.datetime):
        naive = value
    elif isinstance(value, dt.date):
        naive = dt.datetime.combine(value, dt.time(23, 59, 59) if end_of_day else dt.time())
    else:
        raw = re.sub(r"\s+", " ", as_text(value).replace("T", " "))
        if not raw:
            if required:
                raise CellError(_("This cell is required but empty."))
            return None
        naive = None
        for dfmt in _DATE_FORMATS:
            for tfmt in _TIME_FORMATS:
                try:
                    naive = dt.datetime.strptime(raw, f"{dfmt} {tfmt}")
                    break
                except ValueError:
                    continue
            if naive:
                break
        if naive is None:
            only_date = date(raw)  # raises with the date message
            naive = dt.datetime.combine(only_date, dt.time(23, 59, 59) if end_of_day else dt.time())
    if not 2000 <= naive.year <= 2100:
        raise CellError(_("The year %(y)d is not plausible.") % {"y": naive.year})
    if timezone.is_aware(naive):
        return naive
    return timezone.make_aware(naive, timezone.get_default_timezone())


def yes_no(value) -> bool:
    raw = as_text(value).lower()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise CellError(_("Write 是 or 否 (yes or no)."))


def positive_int(value, *, default: int | None = None, maximum: int = 999) -> int:
    raw = as_text(value)
    if not raw:
        if default is None:
            raise CellError(_("This cell is required but empty."))
        return default
    raw = raw.removesuffix("单元")
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise CellError(_("“%(v)s” is not a whole number from 1 to %(max)d.") % {"v": raw[:20], "max": maximum})
    return int(raw)
