"""Turn an uploaded file into a header and numbered rows of text.

Chinese Excel saves CSV in GBK, newer tools in UTF-8 with or without a BOM;
GB18030 is a superset of GBK, so it is tried after strict UTF-8. Formulas are
read as written (not their cached values) so `=cmd|…` is seen and refused.
"""

import csv
import datetime as dt
import io
import zipfile

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
TABLE_TYPES = (".xlsx", ".csv")


def extension(file_name: str) -> str:
    name = (file_name or "").lower()
    return name[name.rfind("."):] if "." in name else ""


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(_("The CSV file's text encoding is not UTF-8 or GBK; save it again as UTF-8 CSV."),
                           code="bad_encoding")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value  # real Excel dates stay dates; the checks accept both
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13800001111.0 from a numeric cell is the phone 13800001111
    return str(value)


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationFailed(_("The file is not a real Excel .xlsx workbook (perhaps a renamed file). "
                                 "Save it from Excel as .xlsx or as CSV."), code="not_xlsx")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed(_("The file is not a real Excel .xlsx workbook (perhaps a renamed file). "
                                 "Save it from Excel as .xlsx or as CSV."), code="not_xlsx")
    try:
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception:  # openpyxl raises many types for a damaged sheet
        raise ValidationFailed(_("The workbook cannot be read; it may be damaged."), code="not_xlsx")
    finally:
        book.close()
    return rows


def _csv_rows(data: bytes):
    text = decode_csv(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise ValidationFailed(_("The CSV file cannot be read: check its quotes."), code="bad_csv")


def _blank(row) -> bool:
    return not any(isinstance(c, (dt.date, dt.time)) or str(c).strip() for c in row)


def read_table(data: bytes, file_name: str) -> tuple[list[str], list[tuple[int, list]]]:
    """Header cells and (spreadsheet row number, cells) for each non-blank row."""
    ext = extension(file_name)
    if ext not in TABLE_TYPES:
        raise ValidationFailed(_("Upload an Excel .xlsx or a .csv file."), code="bad_type")
    if not data:
        raise ValidationFailed(_("The file is empty."), code="empty")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than %(n)d MB; split it.") % {"n": MAX_BYTES // 1024 // 1024},
                               code="too_big")
    raw = _xlsx_rows(data) if ext == ".xlsx" else _csv_rows(data)
    numbered = [(i + 1, row) for i, row in enumerate(raw) if not _blank(row)]
    if not numbered:
        raise ValidationFailed(_("The file is empty."), code="empty")
    header_number, header = numbered[0]
    headers = [str(h).strip() for h in header]
    rows = numbered[1:]
    if not rows:
        raise ValidationFailed(_("The file has a header row but no data rows."), code="no_rows")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(_("The file has more than %(n)d rows; split it.") % {"n": MAX_ROWS}, code="too_many_rows")
    return headers, rows
