"""Volunteering, points and 双报到 lists as Excel, each as its page shows it."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from core.models import AuditLog
from integrations.models import ExportLog
from party import services as party_services
from party.tests.factories import member_of, user_of
from people.models import Unit
from points import services as points_services
from points.tests.factories import RewardFactory, fund, resident_of
from testing.factories import user_with_role
from testing.world import build_world
from volunteering import services as vol_services
from volunteering.tests.factories import publish_now, volunteer

from .export_support import download, export_url, values

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


# ---------------------------------------------------------------- volunteering

def test_activities_export_matches_the_page_and_its_filters(client, world):
    publish_now(world, title="楼道大扫除", start_in=dt.timedelta(days=1))
    publish_now(world, title="=cmd|' /C calc'!A0", start_in=dt.timedelta(days=2))
    publish_now(world, title="防诈宣传", start_in=dt.timedelta(days=3), community=world.communities[1],
                by="community_staff_other")
    client.force_login(world.users["resident"])
    for params in ({}, {"scope": "all"}, {"q": "大扫除"}, {"scope": "nonsense"}):
        page = client.get(reverse("volunteering:activities"), params)
        rows = download(client, "volunteering.activities", **params)
        assert values(rows, "title") == [("'" + a.title if a.title.startswith("=") else a.title)
                                         for a in page.context["page"].object_list], params
    assert len(download(client, "volunteering.activities", scope="all")) == 3


def test_roster_export_is_for_whoever_runs_it_with_phones_full_on_request(client, world):
    activity = publish_now(world, start_in=dt.timedelta(days=1))
    people = [volunteer(f"志愿者{i}", phone=f"1380000000{i}", username=f"v{i}") for i in range(3)]
    for person in people:
        vol_services.signup(actor=person, activity=activity)
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("volunteering:roster", args=[activity.pk]))
    assert f'activity={activity.pk}' in page.content.decode()
    rows = download(client, "volunteering.roster", activity=activity.pk)
    confirmed = [s.pk for s in page.context["roster"]["confirmed"]]
    assert len(rows) == len(confirmed) + len(page.context["roster"]["waitlisted"]) == 3
    assert all("****" in p for p in values(rows, "phone"))
    rows = download(client, "volunteering.roster", activity=activity.pk, full="1")
    assert sorted(values(rows, "phone")) == ["13800000000", "13800000001", "13800000002"]
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, fields=["phone"]).count() == 1

    client.force_login(world.users["community_staff_other"])
    assert client.get(export_url("volunteering.roster", activity=activity.pk)).status_code == 404
    assert client.get(export_url("volunteering.roster", activity="abc")).status_code == 404
    assert client.get(export_url("volunteering.roster")).status_code == 404


def test_my_hours_export_lists_my_signups(client, world):
    activity = publish_now(world, start_in=dt.timedelta(days=1))
    me = volunteer("王芳", username="wangfang")
    vol_services.signup(actor=me, activity=activity)
    client.force_login(me)
    rows = download(client, "volunteering.my_hours")
    assert values(rows, "activity") == [activity.title]


# ---------------------------------------------------------------- points

def test_ledger_and_redemptions_for_the_person_and_for_the_counter(client, world):
    community = world.communities[0]
    resident = resident_of(community, phone="13811112222")
    fund(resident, 200, community=community)
    reward = RewardFactory(community=community, points=50)
    points_services.redeem(actor=world.users["community_staff"], user=resident, reward=reward, quantity=2)

    client.force_login(resident)
    page = client.get(reverse("points:mine"))
    rows = download(client, "points.ledger")
    assert values(rows, "amount") == [e.amount for e in page.context["page"].object_list] == [-100, 200]
    rows = download(client, "points.redemptions", full="1")
    assert values(rows, "phone") == ["138****2222"]  # a resident's own export is masked

    staff = world.users["community_staff"]
    client.force_login(staff)
    rows = download(client, "points.ledger", person=resident.pk)
    assert values(rows, "balance_after") == [100, 200]
    rows = download(client, "points.redemptions", full="1")
    assert values(rows, "phone") == ["13811112222"] and values(rows, "points") == [100]
    assert ExportLog.objects.filter(list_name="points.redemptions", masked=False, full_rows=1).exists()

    client.force_login(world.users["community_staff_other"])
    assert client.get(export_url("points.ledger", person=resident.pk)).status_code == 404
    assert download(client, "points.redemptions") == []
    client.force_login(world.users["resident2"])
    assert client.get(export_url("points.ledger", person=resident.pk)).status_code == 404
    assert client.get(export_url("points.ledger", person="x")).status_code == 404


# ---------------------------------------------------------------- 双报到

@pytest.fixture
def dual(world):
    employer = Unit.objects.create(name="市自来水公司", kind=Unit.Kind.UTILITY)
    members = [member_of(world, 0, employer=employer, name=f"党员{i}") for i in range(2)]
    staff = world.users["community_staff"]
    for m in members:
        party_services.dual_report_register(actor=staff, kind="member", community=world.communities[0].pk, member=m.pk)
    return members


def test_dual_report_export_matches_the_page(client, world, dual):
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("party:dual"))
    rows = download(client, "party.dual_reports", community=world.communities[0].pk)
    expected = [r.member.person.name for r in page.context["member_reports"]]
    assert sorted(values(rows, "member")) == sorted(expected) and len(expected) == 2


def test_quarter_report_export_matches_the_page_and_refuses_a_bad_year(client, world, dual):
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("party:quarter"))
    rows = download(client, "party.quarter")
    assert sorted(values(rows, "member")) == sorted(r.member.person.name for r in page.context["report"].rows)
    assert values(rows, "served") and set(values(rows, "served")) <= {"Yes", "No", "是", "否"}
    response = client.get(export_url("party.quarter", year="1800", quarter="9"))
    assert response.status_code == 400 and b"data-export-error" in response.content
    assert not ExportLog.objects.filter(filters__year="1800").exists()
    client.force_login(user_of(dual[0]))
    assert client.get(export_url("party.quarter")).status_code == 404


# ---------------------------------------------------------------- the figures page and the export log

def test_figures_export_has_every_figure_of_the_page(client, world):
    from testing.loop import report

    report(world, grid=0)
    report(world, grid=2)
    client.force_login(world.users["street_staff"])
    page = client.get(reverse("insights:figures"), {"period": "this_month"})
    assert page.status_code == 200
    rows = download(client, "insights.figures", period="this_month")
    overview = [r for r in rows if r["definition"]]
    counts = {str(v.figure.label): v.value for v in page.context["counts"]}
    got = {r["figure"]: r["value"] for r in overview}
    assert all(got[label] == value for label, value in counts.items()) and counts
    breakdown_rows = [r for r in rows if r["table"] == str(page.context["breakdowns"][0].title)]
    assert breakdown_rows
    client.force_login(world.users["resident"])
    assert client.get(export_url("insights.figures")).status_code == 404
    assert client.get(export_url("insights.figures", period="bogus", start="x")).status_code == 404


def test_export_log_page_shows_staff_their_exports_and_admins_all(client, world):
    staff, other = world.users["community_staff"], world.users["street_staff"]
    client.force_login(staff)
    download(client, "appeals.workbench", status="open")
    client.force_login(other)
    download(client, "appeals.workbench")
    response = client.get(reverse("integrations:export_log"))
    assert response.status_code == 200
    shown = [log.user for log in response.context["page"].object_list]
    assert shown == [other]
    admin = user_with_role(Role.ADMIN, username="admin1")
    client.force_login(admin)
    response = client.get(reverse("integrations:export_log"), {"list": "appeals.workbench"})
    assert {log.user for log in response.context["page"].object_list} == {staff, other}
    assert b'data-list="appeals.workbench"' in response.content
    assert client.get(reverse("integrations:export_log"), {"page": "zzz", "list": "nope"}).status_code == 200
    client.force_login(world.users["resident"])
    assert client.get(reverse("integrations:export_log")).status_code == 404
