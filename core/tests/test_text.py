"""Free text typed by users: trimmed, control characters dropped, markup and
scripts refused with a message naming the field, lengths checked; phones checked."""

import pytest

from core.errors import ValidationFailed
from core.text import clean_phone, clean_text


def refused(value, code, **kw):
    with pytest.raises(ValidationFailed) as info:
        clean_text(value, field="描述", **kw)
    assert info.value.code == code
    assert "描述" in info.value.message
    return info.value


def test_trims_and_drops_control_characters_but_keeps_line_breaks():
    assert clean_text("  路灯\x00不亮\x07\r\n第二行\t完 \x7f ", field="描述") == "路灯不亮\r\n第二行\t完"


@pytest.mark.parametrize("value", [None, "", "   ", "\x00\x01"])
def test_empty_is_empty_unless_required(value):
    assert clean_text(value, field="描述") == ""
    refused(value, "required", required=True)


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>",
    "路灯 <img src=x onerror=alert(1)>",
    "<a href='x'>点这里</a>",
    "</div>",
    "< script >alert(1)",
    "<!-- 注释 -->",
    "<svg/onload=alert(1)>",
    "JavaScript:alert(1)",
    "javascript :alert(1)",
    "看这里 onclick=\"steal()\"",
    "看这里 ONMOUSEOVER = 'steal()'",
])
def test_markup_and_scripts_are_refused(value):
    refused(value, "markup")


@pytest.mark.parametrize("value", [
    "温度<5度，水压>3公斤",
    "《物业管理条例》第三条",
    "1 < 2 且 3 > 2",
    "邮箱 test@example.com，网址 https://example.com/a?b=1",
    "电话 0471-1234567，门牌 3#楼-2单元",
    "ongoing 问题 json 格式",
])
def test_ordinary_text_with_symbols_is_kept(value):
    assert clean_text(value, field="描述") == value


def test_lengths_are_counted_in_characters():
    assert clean_text("路灯坏了", field="描述", min_length=4) == "路灯坏了"
    refused("路灯坏", "too_short", min_length=4)
    assert clean_text("灯" * 10, field="描述", max_length=10) == "灯" * 10
    err = refused("灯" * 11, "too_long", max_length=10)
    assert "10" in err.message


@pytest.mark.parametrize("value,clean", [
    ("13812345678", "13812345678"),
    (" 138 1234 5678 ", "13812345678"),
    ("0471-1234567", "0471-1234567"),
    ("01012345678", "01012345678"),
    ("", ""),
    (None, ""),
])
def test_good_phones(value, clean):
    assert clean_phone(value) == clean


@pytest.mark.parametrize("value", ["12345", "12812345678", "1381234567", "138123456789", "1381234567a",
                                   "<script>", "0471-123", "13812345678; DROP TABLE"])
def test_bad_phones(value):
    with pytest.raises(ValidationFailed) as info:
        clean_phone(value)
    assert info.value.code == "bad_phone" and info.value.message


def test_a_required_phone():
    with pytest.raises(ValidationFailed) as info:
        clean_phone("  ", required=True)
    assert info.value.code == "required"


@pytest.mark.parametrize("typed,stored", [
    ("+86 138 1234 5678", "13812345678"), ("0086-13812345678", "13812345678"), ("138-1234-5678", "13812345678"),
    ("(0473)1234567", "04731234567"),
])
def test_common_ways_of_typing_a_number_are_understood(typed, stored):
    assert clean_phone(typed) == stored
