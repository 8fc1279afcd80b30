"""Reading files and checking cells: encodings, broken files, formulas, dates, ID numbers."""

import datetime as dt

import pytest

from core.errors import ValidationFailed
from integrations.imports import checks, reading

from .data.samples import HEADERS, bad_check_digit, csv_bytes, id_number, resident_rows, xlsx

ROWS = [["张三", "男", id_number(1), "13900000001", "", "幸福小区", "3号楼", "1", "101"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_reads_the_same(encoding):
    headers, rows = reading.read_table(csv_bytes(HEADERS["residents"], ROWS, encoding), "r.csv")
    assert headers == HEADERS["residents"]
    assert rows == [(2, ROWS[0])]


def test_gbk_bytes_are_really_not_utf8():
    data = csv_bytes(HEADERS["residents"], ROWS, "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_xlsx_rows_are_numbered_as_in_excel_and_blank_rows_skipped():
    data = xlsx(HEADERS["residents"], [ROWS[0], [None] * 9, ROWS[0]])
    _headers, rows = reading.read_table(data, "r.xlsx")
    assert [n for n, _r in rows] == [2, 4]


def test_numeric_cells_come_back_as_their_digits():
    data = xlsx(["手机号"], [[13900000001]])
    _h, rows = reading.read_table(data, "r.xlsx")
    assert rows[0][1] == ["13900000001"]


@pytest.mark.parametrize("data,name,code", [
    (b"", "r.xlsx", "empty"),
    (b"", "r.csv", "empty"),
    (b"\n\n", "r.csv", "empty"),
    ("姓名,身份证号\n".encode(), "r.csv", "no_rows"),
    (b"this is a text file renamed", "r.xlsx", "not_xlsx"),
    (b"PK\x03\x04 broken zip", "r.xlsx", "not_xlsx"),
    (b"a,b\n1,2\n", "r.txt", "bad_type"),
    (b"\xff\xfe\x00\xd8\x00\xdc\xff", "r.csv", "bad_encoding"),
])
def test_unusable_files_are_refused_with_a_reason(data, name, code):
    with pytest.raises(ValidationFailed) as e:
        reading.read_table(data, name)
    assert e.value.code == code
    assert e.value.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not excel")
    with pytest.raises(ValidationFailed) as e:
        reading.read_table(out.getvalue(), "r.xlsx")
    assert e.value.code == "not_xlsx"


def test_a_formula_in_a_workbook_is_read_as_written_and_refused():
    data = xlsx(["姓名"], [['=cmd|" /C calc"!A0']])
    _h, rows = reading.read_table(data, "r.xlsx")
    assert str(rows[0][1][0]).startswith("=")
    with pytest.raises(checks.CellError):
        checks.text(rows[0][1][0], max_length=64)


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_starts_are_refused_in_text(value):
    with pytest.raises(checks.CellError):
        checks.text(value, max_length=100)


def test_id_numbers_need_the_right_check_digit_and_a_real_birth_date():
    assert checks.id_number(id_number(7)) == id_number(7)
    assert checks.id_number(id_number(7).lower()) == id_number(7)
    for bad in (bad_check_digit(7), "15030219620315001", "1503021962031500XX", "150302196202300010"):
        with pytest.raises(checks.CellError):
            checks.id_number(bad)
    # a known real-format number with X: 11010519491231002X
    assert checks.id_number("11010519491231002X") == "11010519491231002X"


@pytest.mark.parametrize("value", ["13900000001", "139-0000-0001", "+86 139 0000 0001", "0473-3999888"])
def test_good_phones(value):
    assert checks.phone(value)


@pytest.mark.parametrize("value", ["12345", "1390000000", "abc", "23900000001"])
def test_bad_phones(value):
    with pytest.raises(checks.CellError):
        checks.phone(value)


@pytest.mark.parametrize("value", ["2024-03-05", "2024/3/5", "2024.03.05", "2024年3月5日", "20240305",
                                   dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 8, 0)])
def test_date_formats(value):
    assert checks.date(value) == dt.date(2024, 3, 5)


@pytest.mark.parametrize("value", ["05/03/2024", "2024-13-01", "昨天", "2024-02-30"])
def test_dates_not_understood(value):
    with pytest.raises(checks.CellError):
        checks.date(value)


def test_datetimes_are_china_time_and_a_deadline_date_means_its_end():
    at = checks.datetime("2024-03-05 09:30")
    assert (at.utcoffset(), at.hour, at.minute) == (dt.timedelta(hours=8), 9, 30)
    assert checks.datetime("2024/3/5 9:30:15").second == 15
    end = checks.datetime("2024-03-12", end_of_day=True)
    assert (end.hour, end.minute) == (23, 59)
    with pytest.raises(checks.CellError):
        checks.datetime("1899-01-01 10:00")


def test_too_long_text_names_the_limit():
    with pytest.raises(checks.CellError) as e:
        checks.text("长" * 65, max_length=64)
    assert "64" in e.value.message


def test_resident_sample_rows_all_have_valid_ids():
    for row in resident_rows(30):
        assert checks.id_number(row[2])


def test_a_kind_of_file_that_forgets_how_to_check_or_write_cannot_be_used():
    from integrations.importers import Importer, UnitImporter

    class Unfinished(Importer):
        kind = "unfinished"

        def check(self, row):
            pass

    with pytest.raises(TypeError):
        Unfinished(actor=None, scope=None)
    assert not UnitImporter.__abstractmethods__
