"""The workbook writer: real Excel types, formula injection escaped, personal data
masked unless revealed, and a list of any length streamed rather than loaded."""

import datetime as dt
import decimal
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from integrations import exports
from integrations.exports import BOOL, DATE, DATETIME, ID_NUMBER, NUMBER, PHONE, Column, cell_value, safe_text, write_xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


COLUMNS = (
    Column("text", "Text", lambda r: r.text),
    Column("n", "Number", lambda r: r.n, kind=NUMBER),
    Column("at", "At", lambda r: r.at, kind=DATETIME),
    Column("day", "Day", lambda r: r.day, kind=DATE),
    Column("flag", "Flag", lambda r: r.flag, kind=BOOL),
    Column("phone", "Phone", lambda r: r.phone, kind=PHONE),
    Column("id_number", "ID", lambda r: r.id_number, kind=ID_NUMBER),
)


def _row(**kw):
    base = {"text": "路灯不亮", "n": 3, "at": dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC), "day": dt.date(2026, 3, 2),
            "flag": True, "phone": "13812345678", "id_number": "150302199001011234"}
    base.update(kw)
    return Row(**base)


def _write(rows, **kw):
    buffer = io.BytesIO()
    written = write_xlsx(buffer, rows, COLUMNS, title="Test", **kw)
    buffer.seek(0)
    return written, load_workbook(buffer).active


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_that_would_be_a_formula_is_written_as_text(dangerous):
    _, ws = _write([_row(text=dangerous)])
    cell = ws.cell(row=2, column=1)
    assert cell.value == "'" + dangerous and cell.data_type == "s"


def test_plain_text_and_negative_numbers_are_left_alone():
    assert safe_text("路灯") == "路灯"
    _, ws = _write([_row(n=-5)])
    assert ws.cell(row=2, column=2).value == -5


def test_headers_are_escaped_too():
    buffer = io.BytesIO()
    write_xlsx(buffer, [], (Column("x", "=evil", lambda r: r),), title="T")
    assert load_workbook(io.BytesIO(buffer.getvalue())).active.cell(row=1, column=1).value == "'=evil"


def test_types_are_excel_native_and_times_are_shanghai_wall_clock():
    _, ws = _write([_row()])
    cells = [c for c in next(ws.iter_rows(min_row=2, max_row=2))]
    assert cells[1].value == 3 and cells[1].data_type == "n"
    # 02:30 UTC is 10:30 in Shanghai; Excel gets the wall-clock time as a real date.
    assert cells[2].value == dt.datetime(2026, 3, 1, 10, 30) and cells[2].is_date
    assert cells[2].number_format == "yyyy-mm-dd hh:mm"
    assert cells[3].value == dt.datetime(2026, 3, 2) and cells[3].is_date and cells[3].number_format == "yyyy-mm-dd"
    assert cells[4].value in ("Yes", "是")


def test_cell_value_handles_none_decimals_and_a_datetime_as_date():
    assert cell_value(None) is None and cell_value("") is None
    assert cell_value(decimal.Decimal("2.5"), NUMBER) == decimal.Decimal("2.5")
    assert cell_value(dt.datetime(2026, 1, 1, 20, 0, tzinfo=dt.UTC), DATE) == dt.date(2026, 1, 2)


def test_personal_columns_are_masked_unless_the_row_is_revealed():
    rows = [_row(), _row(phone="13900001111")]
    written, ws = _write(rows)
    assert (written.row_count, written.full_rows) == (2, 0)
    assert ws.cell(row=2, column=6).value == "138****5678"
    assert "1234" in ws.cell(row=2, column=7).value and "19900101" not in ws.cell(row=2, column=7).value
    written, ws = _write(rows, reveal=lambda r: r.phone.startswith("139"))
    assert written.full_rows == 1
    assert ws.cell(row=2, column=6).value == "138****5678"
    assert ws.cell(row=3, column=6).value == "13900001111"
    assert ws.cell(row=3, column=7).value == "150302199001011234"


def test_rows_are_streamed_to_a_write_only_workbook(monkeypatch):
    """A huge list: rows are pulled one at a time and go straight into a write-only sheet;
    none of them is kept in memory by the worksheet."""
    made = []
    real = exports.Workbook

    def spy(*args, **kwargs):
        wb = real(*args, **kwargs)
        made.append((kwargs, wb))
        return wb
    monkeypatch.setattr(exports, "Workbook", spy)
    pulled = []

    def generate():
        for i in range(5000):
            pulled.append(i)
            if i:
                # The previous row is already handed to the sheet before this one is made.
                sheet = made[0][1].worksheets[0]
                assert not getattr(sheet, "_cells", {})
            yield _row(n=i)
    written, ws = _write(generate())
    assert made[0][0] == {"write_only": True}
    assert written.row_count == 5000 and len(pulled) == 5000
    assert ws.max_row == 5001


@pytest.mark.django_db
def test_a_queryset_is_read_in_chunks_not_loaded_whole():
    from core.models import AuditLog

    for i in range(5):
        AuditLog.objects.create(action="create", object_repr=f"r{i}")
    qs = AuditLog.objects.order_by("id")
    buffer = io.BytesIO()
    written = write_xlsx(buffer, qs, (Column("repr", "Repr", lambda r: r.object_repr),), title="Audit")
    assert written.row_count == 5
    assert qs._result_cache is None  # iterated with .iterator(), never cached as a list


def test_sheet_titles_lose_characters_excel_refuses():
    assert exports._sheet_title("a/b:c*d?[e]") == "abcde"
    assert len(exports._sheet_title("x" * 50)) == 31
