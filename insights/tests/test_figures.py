"""Every figure against the hand-counted street in conftest.py."""

import datetime as dt

import pytest

from appeals import services
from appeals.models import Appeal
from appeals.workflow import Action
from core import calendar
from core.errors import NotAllowed
from insights import figures as F
from insights import selectors
from testing.factories import RegionFactory

from .street import END, NOW, START, TZ, D, H, T, module_street_fixtures, report, run

street, world = module_street_fixtures()

STREET = {
    "received": "13",           # a1–a11, a13, a14 (a12 came in February)
    "accepted": "9",            # a4–a10, a13, a14 (not the rejected, the merged or the waiting)
    "handled": "7",             # a4, a5, a6, a7 closed; a9 reworked; a10 verifying; a14 reopened
    "whistles": "4",            # a5, a7, a10 twice (returned, whistled again)
    "answers": "4",             # a5, a7 twice, a10
    "solved_by_whistle": "2",   # a5, a7
    "closed": "5",              # a4, a5, a6, a7 and a12 (received in February)
    "overdue": "2",             # a9, a13
    "on_time_close_rate": "75.0%",   # 3 / 4: a6 was resolved late
    "rework_rate": "42.9%",          # 3 / 7: a7 reopened, a9 reworked, a14 reopened
    "response_rate": "91.7%",        # 11 / 12: a2 late; a11 still waiting within its limit
    "resolution_rate": "44.4%",      # 4 / 9
    "satisfaction_rate": "80.0%",    # 4 / 5: a7 counts once with its latest (satisfied); a14 dissatisfied
}


def shown(values: F.Figures) -> dict[str, str]:
    return {key: v.display for key, v in values.items()}


def street_figures(street, user="street_staff", **kwargs):
    return F.figures_for(street.world.users[user], start=START, end=END, now=NOW, **kwargs)


def test_every_figure_for_the_street_matches_the_hand_count(street):
    values = street_figures(street)
    assert shown(values) == STREET
    assert list(values) == [f.key for f in F.FIGURES]


def test_rates_carry_their_numerator_and_denominator(street):
    values = street_figures(street)
    fractions = {k: (v.hits, v.count) for k, v in values.items() if v.is_rate}
    assert fractions == {
        "on_time_close_rate": (3, 4), "rework_rate": (3, 7), "response_rate": (11, 12),
        "resolution_rate": (4, 9), "satisfaction_rate": (4, 5),
    }


def test_community_staff_count_only_their_community(street):
    values = street_figures(street, user="community_staff")
    # a13 (community 2) is gone: one fewer received, accepted, overdue; a11 still waits.
    assert shown(values) == {
        **STREET, "received": "12", "accepted": "8", "overdue": "1",
        "response_rate": "90.9%",      # 10 / 11
        "resolution_rate": "50.0%",    # 4 / 8
    }
    other = street_figures(street, user="community_staff_other")
    assert other["received"].display == "1" and other["overdue"].display == "1"
    assert other["whistles"].display == "0" and other["closed"].display == "0"


def test_a_region_narrows_within_what_the_user_sees(street):
    world = street.world
    community2 = world.communities[1]
    by_street = street_figures(street, scope_region=community2)
    assert by_street["received"].display == "1" and by_street["overdue"].display == "1"
    assert shown(street_figures(street, scope_region=community2.pk)) == shown(by_street)
    assert shown(street_figures(street, scope_region=community2.path)) == shown(by_street)
    grid1 = street_figures(street, scope_region=world.grids[1])
    assert grid1["received"].display == "0"
    # Narrowing never widens: community 1 staff asking for community 2 see nothing.
    assert street_figures(street, user="community_staff", scope_region=community2)["received"].display == "0"


def test_a_unit_narrows_to_the_appeals_whistled_to_it_and_its_own_whistles_and_answers(street):
    unit0 = street.world.units[0]
    values = street_figures(street, unit=unit0)
    assert values["received"].display == "3"        # a5, a7, a10 (returned)
    assert values["whistles"].display == "3"        # its own: not a10's second whistle to unit 1
    assert values["answers"].display == "3"         # a5, a7 twice
    assert values["solved_by_whistle"].display == "2"
    # A department handler sees exactly what was whistled to them.
    handler = street_figures(street, user="unit_handler")
    assert handler["received"].display == "3" and handler["whistles"].display == "4"


def test_periods_are_half_open_and_flows_follow_their_own_dates(street):
    february = F.figures_for(street.world.users["street_staff"], start=dt.date(2026, 2, 1), end=START, now=NOW)
    assert february["received"].display == "1"   # a12
    assert february["closed"].display == "0"     # a12 closed on 3 March
    assert february["resolution_rate"].display == "100.0%"  # a12: accepted and closed since
    first_day = F.figures_for(street.world.users["street_staff"], start=T, end=T + dt.timedelta(seconds=1), now=NOW)
    assert first_day["received"].display == "12"  # everything received at exactly T, nothing after
    everything = F.figures_for(street.world.users["street_staff"], now=NOW)
    assert everything["received"].display == "14" and everything["closed"].display == "5"


def test_zero_denominators_show_a_dash_not_zero(street):
    values = F.figures_for(street.world.users["street_staff"], start=dt.date(2030, 1, 1), end=dt.date(2030, 2, 1),
                           now=NOW)
    for key in ("on_time_close_rate", "rework_rate", "response_rate", "resolution_rate", "satisfaction_rate"):
        assert values[key].value is None and values[key].display == "—"
    assert values["received"].display == "0"
    assert values["overdue"].display == "2"  # a snapshot of now, whatever the period


def test_residents_are_refused(street):
    with pytest.raises(NotAllowed):
        street_figures(street, user="resident")


def test_rounding_is_half_up_to_one_decimal():
    value = F.FigureValue(F.RESPONSE_RATE, count=8, hits=7)   # 87.5
    assert value.display == "87.5%"
    assert F.FigureValue(F.RESPONSE_RATE, count=3, hits=2).display == "66.7%"
    assert F.FigureValue(F.RESPONSE_RATE, count=1000, hits=1).display == "0.1%"
    assert F.FigureValue(F.RESPONSE_RATE, count=2000, hits=1).display == "0.1%"   # 0.05 rounds up
    assert F.FigureValue(F.RESPONSE_RATE, count=3, hits=3).display == "100.0%"
    assert F.FigureValue(F.RECEIVED, count=0).display == "0"


def test_figures_are_computed_in_one_query_per_source_table(street, django_assert_num_queries):
    appeals = selectors.scoped_appeals(street.world.users["street_staff"])
    period = F.make_period(START, END, NOW)
    with django_assert_num_queries(3):  # appeals, whistles, answers
        F.compute(appeals, period)


def test_breakdowns_by_category_channel_community_and_unit(street, django_assert_num_queries):
    world = street.world
    appeals = selectors.scoped_appeals(world.users["street_staff"])
    period = F.make_period(START, END, NOW)
    with django_assert_num_queries(4):
        category = F.by_category(appeals, period)
        channel = F.by_channel(appeals, period)
        community = F.by_community(appeals, period)
        unit = F.by_unit(appeals, period)

    def table(b):
        return {row.label: [c.display for c in row.cells] for row in b.rows}

    assert table(category) == {"市政设施 / 路灯": ["13", "5", "2", "44.4%", "80.0%"]}
    assert table(channel) == {"Resident (app)": ["13", "9", "5", "91.7%"]}
    assert table(community) == {
        "社区1": ["12", "7", "5", "1", "90.9%", "50.0%", "80.0%"],
        "社区2": ["1", "0", "0", "1", "100.0%", "0.0%", "—"],
    }
    assert [row.label for row in community.rows] == ["社区1", "社区2"]
    assert community.rows[0].bar == 100 and community.rows[1].bar == 8
    # unit 0: a5, a7 answered (a7 on time after its reopen), a10 returned; unit 1: a10 answered.
    assert table(unit) == {"综合执法中队": ["3", "2", "100.0%", "1"], "自来水公司": ["1", "1", "100.0%", "0"]}


def test_unit_on_time_uses_the_latest_answer_against_the_moved_deadline(street):
    world = street.world
    late = run(world, report(world, at=T), [
        (Action.ACCEPT, "street_staff", T + H, {}),
        (Action.WHISTLE, "street_staff", T + 2 * H, {"lead_unit": world.units[1].pk, "deadline_workdays": 1}),
        (Action.CLAIM, "unit_handler_other", T + 3 * H, {}),
        (Action.ANSWER, "unit_handler_other", T + 5 * D, {"note": "迟到的答卷"}),
    ])
    assert late.handled_on_time is False
    unit = F.by_unit(selectors.scoped_appeals(world.users["street_staff"]), F.make_period(START, END, NOW))
    rows = {row.label: [c.display for c in row.cells] for row in unit.rows}
    assert rows["自来水公司"] == ["2", "2", "50.0%", "0"]
    services.appeal_transition(appeal=late, action=Action.FAIL, actor=world.users["grid_worker"],
                               note="未修好", now=T + 6 * D)
    unit = F.by_unit(selectors.scoped_appeals(world.users["street_staff"]), F.make_period(START, END, NOW))
    rows = {row.label: [c.display for c in row.cells] for row in unit.rows}
    assert rows["自来水公司"] == ["2", "1", "100.0%", "0"]  # back for rework: not answered now


def test_weeks_compare_received_and_closed_in_one_query(street, django_assert_num_queries):
    appeals = selectors.scoped_appeals(street.world.users["street_staff"])
    with django_assert_num_queries(1):
        weeks = F.by_week(appeals, now=NOW)
    assert len(weeks) == 12 and weeks[-1].start == dt.date(2026, 3, 16)
    by_start = {w.start: (w.received.count, w.closed.count) for w in weeks}
    assert by_start[dt.date(2026, 2, 23)] == (1, 0)   # a12
    assert by_start[dt.date(2026, 3, 2)] == (12, 4)   # a4, a5, a7 and a12 closed that week
    assert by_start[dt.date(2026, 3, 9)] == (0, 1)    # a6
    assert by_start[dt.date(2026, 3, 16)] == (1, 0)   # a11 on Sunday 22 March
    assert sum(r for r, _ in by_start.values()) == 14
    assert max(max(w.received_bar, w.closed_bar) for w in weeks) == 100
    earlier = F.by_week(appeals, until=dt.date(2026, 3, 8), now=NOW)
    assert earlier[-1].start == dt.date(2026, 3, 2) and earlier[0].start == dt.date(2025, 12, 15)


def test_calendar_gaps_warn_about_years_no_table_or_package_knows(street):
    world = street.world
    appeals = selectors.scoped_appeals(world.users["street_staff"])
    assert selectors.calendar_gaps(appeals, now=NOW) == []
    # The next 60 days reach into a year nobody has loaded yet.
    assert selectors.calendar_gaps(appeals, now=dt.datetime(2030, 12, 1, tzinfo=TZ)) == [2030, 2031]
    # An open appeal whose deadline lies in an unknown year.
    run(world, report(world, at=T), [
        (Action.ACCEPT, "street_staff", T + H, {}),
        (Action.WHISTLE, "street_staff", T + 2 * H, {"lead_unit": world.units[0].pk,
                                                      "deadline": dt.datetime(2032, 3, 1, 12, 0, tzinfo=TZ)}),
    ])
    assert selectors.calendar_gaps(appeals, now=NOW) == [2032]
    calendar.set_year(2032, {}, source="admin")
    assert selectors.calendar_gaps(appeals, now=NOW) == []


def test_scope_regions_follow_the_role(street):
    users = street.world.users
    names = [r.name for r in selectors.scope_regions(users["street_staff"])]
    assert names == ["凤凰岭街道", "社区1", "社区1第1网格", "社区1第2网格", "社区2", "社区2第1网格", "社区2第2网格"]
    assert [r.name for r in selectors.scope_regions(users["community_staff"])] == ["社区1", "社区1第1网格", "社区1第2网格"]
    assert [r.name for r in selectors.scope_regions(users["grid_worker"])] == ["社区1第1网格"]
    assert selectors.scope_regions(users["unit_handler"]) == []
    assert list(selectors.scope_units(users["unit_handler"])) == [street.world.units[0]]
    assert set(selectors.scope_units(users["street_staff"])) == set(street.world.units)
    assert not selectors.scope_units(users["community_staff"]).exists()


def test_unknown_region_or_unit_gives_nothing_rather_than_everything(street):
    values = street_figures(street, scope_region=999999)
    assert values["received"].display == "0"
    other_street = RegionFactory(level="street", name="别的街道")
    assert street_figures(street, scope_region=other_street)["received"].display == "0"
    assert Appeal.objects.count() == 14
