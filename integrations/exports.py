"""Excel export of any list, as the page filtered it.

One function writes the workbook (`write_xlsx`); each list names its columns and
how to get its rows once, in the registry (`integrations/export_lists.py`).
Personal data is masked unless the user asked for full data and the page's own
reveal rule lets them see it for that row; every export is logged, and a
full-data export is also logged as an access to personal data."""

import datetime as dt
import decimal
import itertools
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.audit import audit
from core.crypto import mask_id_number, mask_name, mask_phone
from core.errors import NotFound
from core.models import AuditLog

from .models import ExportLog

# Kinds of column. PHONE, ID_NUMBER and NAME are personal data: masked unless revealed.
TEXT, NUMBER, DATE, DATETIME, BOOL = "text", "number", "date", "datetime", "bool"
PHONE, ID_NUMBER, NAME = "phone", "id_number", "name"
PERSONAL_KINDS = {PHONE: mask_phone, ID_NUMBER: mask_id_number, NAME: mask_name}
JOIN = "、"  # a personal column may hold several values (a dispute's parties): each is masked, then joined
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000
MAX_SHEET_TITLE = 31  # Excel's limit


@dataclass(frozen=True)
class Column:
    """One column: its header (a lazy msgid, shown in the user's language), how to get
    the value from a row, the width in characters and the kind of value."""

    key: str
    header: object
    value: Callable[[object], object]
    width: int = 16
    kind: str = TEXT

    @property
    def personal(self) -> bool:
        return self.kind in PERSONAL_KINDS


@dataclass(frozen=True)
class ExportSpec:
    """A list that can be exported.

    rows(request) returns the page's rows with the page's filters and scoping (raising
    NotFound where the page would 404); reveal(user, row) is the page's rule for showing
    a row's personal data in full; may_reveal(user) says whether the user may ask for a
    full-data export at all."""

    name: str
    title: object
    columns: tuple[Column, ...]
    rows: Callable[[object], Iterable]
    filter_keys: tuple[str, ...] = ()
    reveal: Callable[[object, object], bool] | None = None
    may_reveal: Callable[[object], bool] | None = None
    page: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def personal_fields(self) -> list[str]:
        return [c.key for c in self.columns if c.personal]


REGISTRY: dict[str, ExportSpec] = {}


def register(spec: ExportSpec) -> ExportSpec:
    if spec.name in REGISTRY:
        raise ValueError(f"export list {spec.name!r} registered twice")
    REGISTRY[spec.name] = spec
    return spec


def get_spec(name: str) -> ExportSpec:
    from . import export_lists  # noqa: F401  (fills the registry)

    spec = REGISTRY.get(name)
    if spec is None:
        raise NotFound()
    return spec


def may_export_full(spec: ExportSpec, user) -> bool:
    return bool(spec.personal_fields and spec.may_reveal is not None and spec.may_reveal(user))


# ---------------------------------------------------------------- cells

def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def safe_text(value: str) -> str:
    """Text that Excel will never run as a formula."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_value(value, kind: str = TEXT):
    """Excel-native values: numbers stay numbers, dates real dates in Asia/Shanghai
    (Excel has no time zones, so the local wall-clock time is written), text escaped."""
    if value is None or value == "":
        return None
    if kind == BOOL or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(_tz()).replace(tzinfo=None)
        return value if kind != DATE else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    return safe_text(str(value))


NUMBER_FORMATS = {DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm"}


def _rows_iter(rows):
    """Stream a queryset in chunks instead of loading it whole."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK)
    return iter(rows)


@dataclass
class Written:
    row_count: int = 0
    full_rows: int = 0


def write_xlsx(target, rows: Iterable, columns: tuple[Column, ...], *, title: str,
               reveal: Callable[[object], bool] | None = None) -> Written:
    """Write the rows to `target` (a path or binary file) as one sheet, in write-only
    mode so a list of any length goes to disk row by row. `reveal(row)` True shows that
    row's personal columns in full; otherwise they are masked."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(title))
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=safe_text(str(column.header)))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    written = Written()
    personal = any(c.personal for c in columns)
    for row in _rows_iter(rows):
        full = bool(personal and reveal is not None and reveal(row))
        cells = []
        for column in columns:
            value = column.value(row)
            if column.personal:
                parts = [str(v or "") for v in value] if isinstance(value, (list, tuple)) else [str(value or "")]
                if not full:
                    parts = [PERSONAL_KINDS[column.kind](v) for v in parts]
                value = JOIN.join(parts)
            value = cell_value(value, column.kind)
            if column.kind in NUMBER_FORMATS and value is not None and not isinstance(value, str):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = NUMBER_FORMATS[column.kind]
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
        written.row_count += 1
        written.full_rows += full
    wb.save(target)
    return written


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return (cleaned or "Sheet")[:MAX_SHEET_TITLE]


# ---------------------------------------------------------------- one export

def logged_filters(spec: ExportSpec, params) -> dict:
    """The filters the page was showing, as recorded in the log (only known keys, trimmed)."""
    keys = spec.filter_keys or tuple(k for k in params if k not in ("full", "page"))
    result = {}
    for key in keys:
        values = [v[:100] for v in params.getlist(key) if v != ""]
        if values:
            result[key] = values[0] if len(values) == 1 else values
    return result


def _primed(rows):
    """A generator's permission checks and filter errors happen when its first row is
    pulled: pull it now, before the workbook is opened, so they become a clean 404/400."""
    if isinstance(rows, QuerySet) or not hasattr(rows, "__next__"):
        return rows
    first = next(rows, _END)
    return rows if first is _END else itertools.chain((first,), rows)


_END = object()


@dataclass
class ExportFile:
    file: object
    filename: str
    log: ExportLog


def export_list(request, name: str, *, full: bool = False) -> ExportFile:
    """Build the export of list `name` for the request's user and filters, and log it.
    A full-data request from someone who may not reveal personal data is served masked."""
    spec = get_spec(name)
    user = request.user
    full = full and may_export_full(spec, user)
    rows = _primed(spec.rows(request))
    reveal = (lambda row: spec.reveal(user, row)) if full and spec.reveal is not None else None
    file = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    title = str(spec.title)
    try:
        written = write_xlsx(file, rows, spec.columns, title=title, reveal=reveal)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    filters = logged_filters(spec, request.GET)
    full_fields = spec.personal_fields if written.full_rows else []
    with transaction.atomic():
        log = ExportLog.objects.create(
            user=user, user_name=str(getattr(user, "display_name", user))[:150], list_name=spec.name,
            filters=filters, row_count=written.row_count, masked=not written.full_rows,
            full_fields=full_fields, full_rows=written.full_rows)
        audit(actor=user, action=AuditLog.Action.EXPORT, obj=log, after={
            "list": spec.name, "filters": filters, "rows": written.row_count, "masked": log.masked},
            note=f"export of {spec.name}")
        if written.full_rows:
            audit(actor=user, action=AuditLog.Action.VIEW_PERSONAL, obj=log, fields=full_fields,
                  note=f"full personal data of {written.full_rows} rows exported from {spec.name}")
    stamp = timezone.localtime(log.created_at, _tz()).strftime("%Y%m%d-%H%M")
    return ExportFile(file=file, filename=f"{title}-{stamp}.xlsx", log=log)
