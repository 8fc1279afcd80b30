"""The 双报到 quarter report on a constructed membership with known answers.

Community 1, 2026 Q2 = [2026-04-01 00:00, 2026-07-01 00:00) Beijing time:

  A  registered Jan, active      order done 05-03 and 06-30 23:59:59; one 03-31 23:59, one 07-01 00:00   served (2)
  B  registered 05-15 (mid-Q)    checked in 05-01 (before registering) and 06-10                         served (1)
  C  registered Jan, ended 03-20 order done 05-05                                                         not listed
  D  registered Feb, no account                                                                           not served, "no account"
  E  registered with community 2 order done 05-06                                                         not listed (in community 2's)
  F  registered Feb, patrols     patrol 04-20; a hotline call 04-21 does not count                        served (1)
  G  registered Mar              only outside: checked in 03-15, order done 07-02                         not served
  H  registered 04-10, ended 05-20  order done 05-10; 06-01 after ending does not count                  served (1)

Registered 6, served 4 (A, B, F, H), not served 2 (D, G): 66.7 %.
"""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from party import selectors, services
from party.models import DualReport
from party.selectors import quarter_bounds
from testing.factories import UnitFactory
from testing.loop import at
from testing.world import build_world

from .factories import checked_in, member_of, order_done, patrol, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    world = build_world()
    staff = world.users["community_staff"]
    other_staff = world.users["community_staff_other"]
    c1, c2 = world.communities
    u0, u1 = world.units
    u2, u3 = UnitFactory(name="区教育局"), UnitFactory(name="区卫健委")

    def register(member, when, community=c1, by=staff):
        return services.dual_report_register(actor=by, kind="member", member=member.pk, community=community.pk, now=when)

    m = {}
    m["A"] = member_of(world, 0, employer=u0, name="甲")
    m["B"] = member_of(world, 0, employer=u0, name="乙")
    m["C"] = member_of(world, 0, employer=u0, name="丙")
    m["D"] = member_of(world, 0, employer=u1, name="丁", account=False)
    m["E"] = member_of(world, 1, employer=u1, name="戊")
    m["F"] = member_of(world, 0, employer=u1, name="己", role=Role.GRID_WORKER, region=world.grids[0])
    m["G"] = member_of(world, 0, employer=u2, name="庚")
    m["H"] = member_of(world, 0, employer=u2, name="辛")

    register(m["A"], at(2026, 1, 10))
    register(m["B"], at(2026, 5, 15))
    c_report = register(m["C"], at(2026, 1, 5))
    services.dual_report_end(actor=staff, report=c_report, now=at(2026, 3, 20))
    register(m["D"], at(2026, 2, 1))
    register(m["E"], at(2026, 2, 1), community=c2, by=other_staff)
    register(m["F"], at(2026, 2, 1))
    register(m["G"], at(2026, 3, 1))
    h_report = register(m["H"], at(2026, 4, 10))
    services.dual_report_end(actor=staff, report=h_report, now=at(2026, 5, 20))
    services.dual_report_register(actor=staff, kind="unit", unit=u0.pk, community=c1.pk, now=at(2026, 1, 2))
    services.dual_report_register(actor=staff, kind="unit", unit=u3.pk, community=c1.pk, now=at(2026, 1, 2))

    order_done(user_of(m["A"]), c1, at(2026, 5, 3))
    order_done(user_of(m["A"]), c1, dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=selectors.SHANGHAI), title="六月最后一单")
    order_done(user_of(m["A"]), c1, dt.datetime(2026, 3, 31, 23, 59, tzinfo=selectors.SHANGHAI), title="三月的单")
    order_done(user_of(m["A"]), c1, dt.datetime(2026, 7, 1, 0, 0, tzinfo=selectors.SHANGHAI), title="七月的单")
    checked_in(user_of(m["B"]), c1, at(2026, 5, 1), title="报到前的活动")
    checked_in(user_of(m["B"]), c1, at(2026, 6, 10), title="报到后的活动")
    order_done(user_of(m["C"]), c1, at(2026, 5, 5))
    order_done(user_of(m["E"]), c2, at(2026, 5, 6))
    patrol(world, user_of(m["F"]), at(2026, 4, 20))
    patrol(world, user_of(m["F"]), at(2026, 4, 21), channel="hotline_12345")
    checked_in(user_of(m["G"]), c1, at(2026, 3, 15))
    order_done(user_of(m["G"]), c1, at(2026, 7, 2))
    order_done(user_of(m["H"]), c1, at(2026, 5, 10))
    order_done(user_of(m["H"]), c1, at(2026, 6, 1), title="退出后的单")
    return world, m, (u0, u1, u2, u3)


def by_name(report):
    return {row.member.person.name: row for row in report.rows}


def test_quarter_report_lists_who_served_and_who_did_not(case):
    world, m, _units = case
    report = selectors.quarter_report(world.communities[0], 2026, 2)

    rows = by_name(report)
    assert set(rows) == {"甲", "乙", "丁", "己", "庚", "辛"}  # C ended last quarter, E is in community 2
    assert {n for n, r in rows.items() if r.served} == {"甲", "乙", "己", "辛"}
    assert {n: r.count for n, r in rows.items()} == {"甲": 2, "乙": 1, "丁": 0, "己": 1, "庚": 0, "辛": 1}
    assert [s.title for s in rows["甲"].services] == ["帮老人换灯泡", "六月最后一单"]
    assert [s.title for s in rows["乙"].services] == ["报到后的活动"]  # before registering does not count
    assert [s.kind for s in rows["己"].services] == ["patrol"]
    assert [s.title for s in rows["辛"].services] == ["帮老人换灯泡"]
    assert rows["辛"].ended_at == at(2026, 5, 20) and rows["甲"].ended_at is None
    assert rows["丁"].has_account is False and not rows["丁"].served
    assert (report.registered, report.served, report.not_served, report.rate) == (6, 4, 2, 66.7)
    assert [r.served for r in report.rows] == [False, False, True, True, True, True]  # who has not served comes first


def test_quarter_report_summarises_per_employer_unit(case):
    world, m, (u0, u1, u2, u3) = case
    report = selectors.quarter_report(world.communities[0], 2026, 2)

    summary = {s.unit.name: (s.registered, s.served, s.not_served, s.rate, s.unit_registered) for s in report.units}
    assert summary == {
        u0.name: (2, 2, 0, 100.0, True),
        u1.name: (2, 1, 1, 50.0, False),
        u2.name: (2, 1, 1, 50.0, False),
        u3.name: (0, 0, 0, None, True),  # registered with the community, no member of it registered
    }


def test_the_other_community_and_both_together(case):
    world, m, _units = case
    other = selectors.quarter_report(world.communities[1], 2026, 2)
    assert [(r.member.person.name, r.served) for r in other.rows] == [("戊", True)]
    assert other.rate == 100.0

    both = selectors.compliance([c.pk for c in world.communities], 2026, 2)
    assert both == {"registered": 7, "served": 5, "not_served": 2, "rate": 71.4}
    assert selectors.compliance(None, 2026, 2) == both


def test_the_previous_quarter_and_an_empty_one(case):
    world, m, _units = case
    q1 = selectors.quarter_report(world.communities[0], 2026, 1)
    rows = by_name(q1)
    assert set(rows) == {"甲", "丙", "丁", "己", "庚"}  # C was registered until 03-20; B and H came later
    assert {n for n, r in rows.items() if r.served} == {"甲", "庚"}  # A's 03-31 order, G's 03-15 activity

    q3_2025 = selectors.quarter_report(world.communities[0], 2025, 3)
    assert (q3_2025.registered, q3_2025.served, q3_2025.rate) == (0, 0, None)


def test_quarter_boundaries_are_in_beijing_time():
    start, end = quarter_bounds(2026, 4)
    assert start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert end.isoformat() == "2027-01-01T00:00:00+08:00"
    assert selectors.quarter_of(dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.timezone.utc)) == (2026, 2)
    assert selectors.quarter_of(dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.timezone.utc)) == (2026, 1)


def test_figures_take_the_quarter_of_the_period_end(case):
    world, m, _units = case
    c1 = world.communities[0]
    values = {f["key"]: f["value"] for f in selectors.figures([c1.pk], at(2026, 4, 1, 0), at(2026, 7, 1, 0))}
    assert values["dual_compliance"] == 66.7
    assert values["dual_members"] == 5  # active now in community 1: A, B, D, F, G; C and H ended
    assert values["dual_units"] == 2
    assert {f["key"] for f in selectors.figures(None, None, None)} == {
        "dual_members", "dual_units", "dual_compliance", "projects", "projects_done", "awards"}


def test_staff_see_the_report_page_and_members_see_their_own_record(client, case):
    world, m, _units = case
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("party:quarter"), {"community": world.communities[0].pk, "year": 2026, "quarter": 2})
    html = page.content.decode()
    assert page.status_code == 200
    assert "66.7%" in html and "甲" in html and "戊" not in html
    assert html.count('class="is-not-served"') == 2

    client.force_login(user_of(m["B"]))
    record = selectors.my_record(user_of(m["B"]), now=at(2026, 8, 15))
    assert [q.state for q in record.quarters] == ["not_registered", "served", "not_yet", "future"]
    assert [s.title for s in record.quarters[1].services] == ["报到后的活动"]
    assert client.get(reverse("party:quarter")).status_code == 404  # not staff
    mine = client.get(reverse("party:my_record"))
    assert mine.status_code == 200 and world.communities[0].name in mine.content.decode()


def test_a_member_registered_in_two_communities_in_one_quarter_counts_in_each(case):
    world, m, _units = case
    c1, c2 = world.communities
    staff = world.users["street_staff"]
    a_report = DualReport.objects.get(member=m["A"], status="active")
    services.dual_report_end(actor=staff, report=a_report, now=at(2026, 6, 1))
    services.dual_report_register(actor=staff, kind="member", member=m["A"].pk, community=c2.pk, now=at(2026, 6, 2))

    first = by_name(selectors.quarter_report(c1, 2026, 2))["甲"]
    second = by_name(selectors.quarter_report(c2, 2026, 2))["甲"]
    assert [s.title for s in first.services] == ["帮老人换灯泡"]  # 05-03, while registered in community 1
    assert [s.title for s in second.services] == ["六月最后一单"]  # 06-30, after moving to community 2
