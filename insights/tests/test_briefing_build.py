"""The briefing document (工作简报) for the hand-counted street: it opens with
python-docx and shows exactly what insights.figures computes for the scope and
period, beside the previous period."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation
from docx import Document
from PIL import Image

from appeals.models import Appeal, Whistle
from core.errors import NotFound, ValidationFailed
from insights import briefings as B
from insights import figures as F
from insights import selectors
from testing.factories import RegionFactory
from testing.world import build_world

from .street import END, NOW, START, T, build_street
from .test_figures import STREET

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(scope="module")
def _shared_street(django_db_setup, django_db_blocker):
    """The hand-counted street, built once for this module inside a transaction
    rolled back at its end; each test runs in a savepoint within it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_street(build_world())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def street(_shared_street, db):
    return _shared_street


@pytest.fixture
def world(street):
    return street.world


def opened(built) -> Document:
    return Document(io.BytesIO(built.content))


def rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def images(document) -> list[Image.Image]:
    blobs = [rel.target_part.blob for rel in document.part.rels.values() if "image" in rel.reltype]
    return [Image.open(io.BytesIO(blob)) for blob in blobs]


def key_figures(document) -> dict[str, tuple[str, str, str]]:
    """Key → (this period, previous period, change), by the documented row order."""
    body = rows(document.tables[0])[1:]
    assert len(body) == len(B.KEY_FIGURES)
    return {f.key: tuple(row[1:4]) for f, row in zip(B.KEY_FIGURES, body)}


def test_the_monthly_street_briefing_shows_the_hand_counted_figures(street):
    built = B.briefing_build(street.world.street, "month", START, NOW)
    document = opened(built)
    shown = key_figures(document)
    assert {k: v[0] for k, v in shown.items()} == {k: v for k, v in STREET.items() if k != "overdue"}
    with translation.override(settings.LANGUAGE_CODE):
        assert translation.gettext("%(label)s: %(value)s (a snapshot of now).") % {
            "label": F.OVERDUE.label, "value": 2} in text_of(document)
    assert "凤凰岭街道" in document.core_properties.title and "2026" in document.core_properties.title
    assert document.core_properties.subject == f"region:{street.world.street.pk} month 2026-03-01"


def test_every_figure_equals_figures_compute_for_the_scope_and_both_periods(street):
    community = street.world.communities[0]
    built = B.briefing_build(community, "week", dt.date(2026, 3, 4), NOW)
    appeals = Appeal.objects.filter(selectors.region_filter(community))
    this = F.compute(appeals, F.make_period(dt.date(2026, 3, 2), dt.date(2026, 3, 9), NOW))
    before = F.compute(appeals, F.make_period(dt.date(2026, 2, 23), dt.date(2026, 3, 2), NOW))
    shown = key_figures(opened(built))
    for f in B.KEY_FIGURES:
        assert shown[f.key][:2] == (this[f.key].display, before[f.key].display), f.key
    assert built.data.snapshot()["received"] == this["received"].count


def test_the_change_on_the_previous_period(street):
    shown = key_figures(opened(B.briefing_build(street.world.street, "week", T.date(), NOW)))
    # Week of 2 March: a1–a10, a13, a14 (12); the week before: a12 only.
    assert shown["received"] == ("12", "1", "+11")
    # a4, a5, a7 and a12 (received in February) were closed this week; nothing the week before.
    assert shown["closed"] == ("4", "0", "+4")
    # The week before has one rated appeal (a12, satisfied): 100.0% → 80.0% is 20 points down.
    assert shown["satisfaction_rate"][:2] == ("80.0%", "100.0%")
    assert shown["satisfaction_rate"][2].startswith("−20.0")
    # a7, a9, a14 sent back of 7 handled; a12 the week before was handled once and for all.
    assert shown["rework_rate"][:2] == ("42.9%", "0.0%") and shown["rework_rate"][2].startswith("+42.9")


@pytest.mark.parametrize(("current", "previous", "is_rate", "expected"), [
    (5, 3, False, "+2"), (3, 5, False, "−2"), (4, 4, False, "0"), (None, 4, False, F.NO_VALUE),
    (2.5, 1.0, False, "+1.5"),
])
def test_change_display(current, previous, is_rate, expected):
    assert B.change_display(current, previous, is_rate=is_rate) == expected


def test_rates_change_in_percentage_points():
    from decimal import Decimal

    shown = B.change_display(Decimal("75.0"), Decimal("80.0"), is_rate=True)
    assert shown.startswith("−5.0") and shown != "−5.0"


def test_service_sections_come_from_service_sections_with_the_previous_period(street):
    built = B.briefing_build(street.world.street, "month", START, NOW)
    period = F.make_period(START, END, NOW)
    expected = F.service_sections(None, period)
    names = [row["name"] for section in expected for row in section["figures"]]
    assert [line.key for line in built.data.services] == names
    table = rows(opened(built).tables[1])[1:]
    assert [row[2] for row in table] == [str(row["display"]) for s in expected for row in s["figures"]]
    assert len(table) == len(names)


def test_a_unit_briefing_counts_the_appeals_whistled_to_it(street):
    unit = street.world.units[0]
    built = B.briefing_build(unit, "month", START, NOW)
    appeals = Appeal.objects.filter(pk__in=Whistle.objects.filter(lead_unit=unit).values("appeal_id"))
    values = F.compute(appeals, F.make_period(START, END, NOW), unit=unit)
    shown = key_figures(opened(built))
    assert shown["received"][0] == values["received"].display == "3"
    assert shown["whistles"][0] == values["whistles"].display
    assert built.data.services == []  # service figures are about communities, not units


def test_charts_are_pictures_and_rankings_are_tables(street):
    built = B.briefing_build(street.world.street, "month", START, NOW)
    document = opened(built)
    pictures = images(document)
    assert len(pictures) == 2 and all(p.format == "PNG" for p in pictures)
    text = text_of(document)
    assert "市政设施 / 路灯" in text                      # top category
    assert "社区1" in text and "社区2" in text            # communities (street scope)
    assert "社区1第1网格" in text                          # grids
    assert "综合执法中队" in text and "自来水公司" in text  # units


def test_notable_cases_are_titles_only(street):
    built = B.briefing_build(street.world.street, "month", START, NOW)
    cases = built.data.cases
    a = street.appeals
    number = {k: v.number for k, v in a.items()}
    assert [c.number for c in cases["solved_by_whistle"]] == [number["a7"], number["a5"]]
    assert {c.number for c in cases["longest_overdue"]} == {number["a9"], number["a13"]}
    assert number["a14"] in {c.number for c in cases["low_ratings"]}
    assert number["a7"] in {c.number for c in cases["low_ratings"]}
    text = text_of(opened(built))
    assert number["a5"] in text and "路灯不亮" in text
    # No content, names or phones: only titles, categories and states.
    assert "小区门口的路灯坏了" not in text
    for user in street.world.users.values():
        assert user.display_name not in text


def test_the_summary_says_what_happened(street):
    built = B.briefing_build(street.world.street, "month", START, NOW)
    assert "13" in built.data.summary and "80.0%" in built.data.summary
    assert built.data.summary in text_of(opened(built))


def test_an_empty_period_still_makes_a_document(street):
    built = B.briefing_build(street.world.street, "week", dt.date(2025, 6, 4), NOW)
    shown = key_figures(opened(built))
    assert shown["received"] == ("0", "0", "0")
    # A rate with nothing to divide by has no value and no change.
    assert shown["response_rate"] == (F.NO_VALUE, F.NO_VALUE, F.NO_VALUE)
    assert len(images(opened(built))) == 1  # no category chart when there are no categories


def test_a_period_under_way_is_marked_as_such(street):
    built = B.briefing_build(street.world.street, "week", NOW.date(), NOW)
    assert built.data.in_progress
    assert "2026-03-22" in built.data.summary


# ---------------------------------------------------------------- periods and titles

@pytest.mark.parametrize(("kind", "day", "start", "end"), [
    ("week", dt.date(2026, 3, 4), dt.date(2026, 3, 2), dt.date(2026, 3, 9)),
    ("week", dt.date(2026, 3, 8), dt.date(2026, 3, 2), dt.date(2026, 3, 9)),
    ("week", dt.date(2027, 1, 1), dt.date(2026, 12, 28), dt.date(2027, 1, 4)),
    ("month", dt.date(2026, 2, 14), dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
    ("month", dt.date(2024, 2, 29), dt.date(2024, 2, 1), dt.date(2024, 3, 1)),
    ("month", dt.date(2026, 12, 31), dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
    ("month", "2026-03-15", dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
])
def test_period_of(kind, day, start, end):
    period = B.period_of(kind, day)
    assert (period.start, period.end) == (start, end)


def test_previous_periods_cross_year_boundaries():
    assert B.period_of("month", dt.date(2026, 1, 9)).previous().start == dt.date(2025, 12, 1)
    assert B.period_of("week", dt.date(2026, 1, 1)).previous().start == dt.date(2025, 12, 22)


def test_week_titles_use_the_iso_week_and_its_year():
    assert B.period_of("week", dt.date(2026, 11, 18)).label == "2026 week 47"
    assert B.period_of("week", dt.date(2027, 1, 2)).label == "2026 week 53"   # 2026 has 53 ISO weeks
    assert B.period_of("week", dt.date(2024, 12, 31)).label == "2025 week 1"
    assert B.period_of("month", dt.date(2026, 3, 9)).label == "2026 month 3"


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("scope", ["", "region:", "grid:1", "nonsense", None])
def test_a_malformed_scope_is_refused_clearly(world, scope):
    with pytest.raises(ValidationFailed) as e:
        B.briefing_build(scope, "week", dt.date(2026, 3, 2), NOW)
    assert e.value.code == "bad_scope" and e.value.message


def test_an_unknown_scope_is_not_found(world):
    with pytest.raises(NotFound) as e:
        B.briefing_build("region:999999", "week", dt.date(2026, 3, 2), NOW)
    assert e.value.code == "unknown_scope" and e.value.message
    with pytest.raises(NotFound):
        B.briefing_build("unit:999999", "week", dt.date(2026, 3, 2), NOW)


def test_a_district_is_not_a_briefing_scope(world):
    district = RegionFactory(code="150302", name="海勃湾区", level="district")
    with pytest.raises(ValidationFailed) as e:
        B.briefing_build(district, "week", dt.date(2026, 3, 2), NOW)
    assert e.value.code == "bad_scope"


def test_a_future_period_is_refused(world):
    with pytest.raises(ValidationFailed) as e:
        B.briefing_build(world.street, "week", NOW.date() + dt.timedelta(days=7), NOW)
    assert e.value.code == "future_period" and e.value.message
    with pytest.raises(ValidationFailed):
        B.briefing_build(world.street, "month", dt.date(2026, 4, 1), NOW)


@pytest.mark.parametrize(("kind", "day", "code"), [
    ("year", dt.date(2026, 3, 2), "bad_kind"),
    ("week", "2026-02-30", "bad_period"),
    ("week", "yesterday", "bad_period"),
    ("month", dt.date(1999, 12, 1), "bad_period"),
])
def test_bad_kind_or_date_is_refused(world, kind, day, code):
    with pytest.raises(ValidationFailed) as e:
        B.briefing_build(world.street, kind, day, NOW)
    assert e.value.code == code and e.value.message


# ---------------------------------------------------------------- charts and fonts

WHITE = (255, 255, 255)


def test_fonts_without_chinese_glyphs_are_not_used():
    if not (B.Path(WQY).exists() and B.Path(DEJAVU).exists()):
        pytest.skip("needs fonts-wqy-microhei and fonts-dejavu")
    assert B.font_has_cjk(WQY)
    assert not B.font_has_cjk(DEJAVU)
    assert not B.font_has_cjk("/nonexistent/font.ttf")


def test_with_a_chinese_font_the_charts_carry_labels(street):
    if not B.Path(WQY).exists():
        pytest.skip("needs fonts-wqy-microhei")
    appeals = Appeal.objects.filter(street=street.world.street)
    period = F.make_period(START, END, NOW)
    chart = B.chart_categories(F.by_category(appeals, period), WQY)
    assert chart.labelled
    colours = {c for _n, c in Image.open(io.BytesIO(chart.png)).getcolors(maxcolors=1 << 16)}
    assert colours - {WHITE, B.RED}  # anti-aliased text: more than the bar and the page


def test_without_a_chinese_font_the_charts_have_no_text_and_the_document_the_labels(street, monkeypatch):
    monkeypatch.setattr(B, "find_cjk_font", lambda: None)
    built = B.briefing_build(street.world.street, "month", START, NOW)
    document = opened(built)
    for picture in images(document):
        colours = {c for _n, c in picture.convert("RGB").getcolors(maxcolors=1 << 16)}
        assert colours <= {WHITE, B.RED, B.GREEN, B.GRID_LINE, B.INK}  # bars and lines only: no glyphs
    weeks = [row for table in document.tables for row in rows(table) if row and row[0] == "2026-03-02"]
    assert weeks and weeks[0][1:] == ["12", "4"]   # the weekly numbers are in a table instead


def test_the_font_can_be_chosen_in_settings(settings, tmp_path):
    B._find_cjk_font.cache_clear()
    settings.BRIEFING_FONT = str(tmp_path / "missing.ttf")
    try:
        found = B.find_cjk_font()
        assert found is None or found in B.FONT_CANDIDATES
        if B.Path(WQY).exists():
            settings.BRIEFING_FONT = WQY
            assert B.find_cjk_font() == WQY
    finally:
        B._find_cjk_font.cache_clear()
