"""The volunteering workbench, its join requests, a team's members and the 爱心超市 catalogue
as Excel: each export is the page's rows for the page's filters, members' phones are masked
unless whoever manages the team asks in full (logged as an access to personal data), every
export is logged, and those who may not export get a 403 with nothing logged."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import AuditLog
from integrations.exports import get_spec
from integrations.models import ExportLog
from points.tests.factories import RewardFactory
from testing.world import build_world
from volunteering import services as vol_services
from volunteering.tests.factories import publish_now, volunteer

from .export_support import assert_refused, download, export_url, page_export_link, values

pytestmark = pytest.mark.django_db




def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


@pytest.fixture
def world():
    return build_world()


# ---------------------------------------------------------------- the workbench's activities

def test_workbench_export_is_the_pages_two_lists_and_is_logged(client, world):
    staff = world.users["community_staff"]
    soon = publish_now(world, title="楼道大扫除", start_in=dt.timedelta(days=1))
    later = publish_now(world, title="=cmd|' /C calc'!A0", start_in=dt.timedelta(days=3))
    called_off = publish_now(world, title="防汛演练", start_in=dt.timedelta(days=2))
    vol_services.activity_cancel(actor=staff, activity=called_off.pk, reason="暴雨")
    publish_now(world, title="远方社区活动", start_in=dt.timedelta(days=1), community=world.communities[1],
                by="community_staff_other")

    client.force_login(staff)
    page = client.get(reverse("volunteering:staff"))
    assert [a.pk for a in page.context["to_run"]] == [soon.pk, later.pk]
    assert [a.pk for a in page.context["recent"]] == [called_off.pk]
    assert page_export_link(page, "volunteering.workbench").endswith("volunteering.workbench.xlsx")

    rows = download(client, "volunteering.workbench")
    assert [(r["section"], r["title"]) for r in rows] == [
        (zh("Activities to run"), "楼道大扫除"), (zh("Activities to run"), "'=cmd|' /C calc'!A0"),
        (zh("Finished and cancelled (last 60 days)"), "防汛演练")]
    log = ExportLog.objects.get(list_name="volunteering.workbench")
    assert (log.user, log.row_count, log.masked, log.filters) == (staff, 3, True, {})
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(log.pk)).exists()
    assert get_spec("volunteering.workbench").personal_fields == []


def test_workbench_export_is_refused_to_residents(client, world):
    client.force_login(world.users["resident"])
    assert client.get(reverse("volunteering:staff")).status_code == 404
    assert_refused(client, "volunteering.workbench")
    assert_refused(client, "volunteering.join_requests")
    client.logout()
    response = client.get(export_url("volunteering.workbench"))
    assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------- teams: join requests and members

@pytest.fixture
def teams(world):
    staff = world.users["community_staff"]
    leader = volunteer("王队长", phone="13900000009", username="leader")
    team = vol_services.team_create(actor=staff, community=world.communities[0].pk, name="清洁家园队", kind="clean",
                                    leader=leader)
    member, asker = volunteer("李志愿", phone="13800000001", username="va"), volunteer("赵志愿", phone="13800000002",
                                                                                  username="vb")
    joined = vol_services.team_join(actor=member, team=team.pk, note="想参加")
    vol_services.membership_act(actor=leader, membership=joined.pk, action="approve")
    vol_services.team_join(actor=asker, team=team.pk, note="周末有空")
    far = vol_services.team_create(actor=world.users["community_staff_other"], community=world.communities[1].pk,
                                   name="远方巡逻队", kind="stability")
    vol_services.team_join(actor=volunteer("钱远方", phone="13800000003", username="vc"), team=far.pk)
    world.team, world.far_team, world.leader = team, far, leader
    world.phones = {"王队长": "13900000009", "李志愿": "13800000001", "赵志愿": "13800000002"}
    return world


def test_join_requests_export_masks_phones_unless_asked_in_full(client, teams):
    staff = teams.users["community_staff"]
    client.force_login(staff)
    page = client.get(reverse("volunteering:staff"))
    assert [m.user.person.name for m in page.context["pending"]] == ["赵志愿"]
    assert page_export_link(page, "volunteering.join_requests")

    rows = download(client, "volunteering.join_requests")
    assert [(r["name"], r["team"], r["note"]) for r in rows] == [("赵志愿", "清洁家园队", "周末有空")]
    assert rows[0]["phone"] != "13800000002" and "****" in rows[0]["phone"]
    assert ExportLog.objects.get(list_name="volunteering.join_requests").masked is True
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).exists()

    rows = download(client, "volunteering.join_requests", full="1")
    assert values(rows, "phone") == ["13800000002"]
    log = ExportLog.objects.get(list_name="volunteering.join_requests", masked=False)
    assert (log.full_rows, log.full_fields) == (1, ["phone"])
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(log.pk)).exists()

    # the leader decides the requests of the team they lead, and sees them in full too
    client.force_login(teams.leader)
    assert values(download(client, "volunteering.join_requests", full="1"), "phone") == ["13800000002"]


def test_team_members_export_is_the_team_page_for_whoever_manages_it(client, teams):
    team, staff = teams.team, teams.users["community_staff"]
    client.force_login(staff)
    page = client.get(reverse("volunteering:team", args=[team.pk]))
    assert f"team={team.pk}" in page_export_link(page, "volunteering.team_members")
    shown = [m.user.person.name for m in page.context["pending"]] + [m.user.person.name for m in page.context["members"]]

    rows = download(client, "volunteering.team_members", team=team.pk)
    assert values(rows, "name") == shown == ["赵志愿", "王队长", "李志愿"]
    assert values(rows, "section") == [zh("Requests to join"), zh("Members"), zh("Members")]
    assert values(rows, "leader") == [zh("No"), zh("Yes"), zh("No")]
    assert all(r["phone"] != teams.phones[r["name"]] and "****" in r["phone"] for r in rows)
    log = ExportLog.objects.get(list_name="volunteering.team_members")
    assert (log.filters, log.row_count, log.masked) == ({"team": str(team.pk)}, 3, True)

    rows = download(client, "volunteering.team_members", team=team.pk, full="1")
    assert {r["name"]: r["phone"] for r in rows} == teams.phones
    log = ExportLog.objects.get(list_name="volunteering.team_members", masked=False)
    assert (log.full_rows, log.full_fields) == (3, ["phone"])
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(log.pk)).exists()

    client.force_login(teams.leader)
    assert {r["name"]: r["phone"] for r in download(client, "volunteering.team_members", team=team.pk,
                                                    full="1")} == teams.phones


def test_team_members_export_is_refused_to_members_and_other_staff(client, teams):
    team = teams.team
    for who in (teams.users["community_staff_other"], teams.users["resident"]):
        client.force_login(who)
        page = client.get(reverse("volunteering:team", args=[team.pk]))
        assert page.status_code == 200 and page_export_link(page, "volunteering.team_members") == ""
        assert_refused(client, "volunteering.team_members", team=team.pk)
    client.force_login(teams.users["community_staff"])
    assert client.get(export_url("volunteering.team_members", team="x")).status_code == 404
    assert client.get(export_url("volunteering.team_members", team=999999)).status_code == 404
    assert client.get(export_url("volunteering.team_members")).status_code == 404
    assert not ExportLog.objects.exists()


# ---------------------------------------------------------------- the 爱心超市 catalogue

def test_catalogue_export_is_the_community_the_page_shows(client, world):
    first, second = world.communities
    RewardFactory(community=first, name="大米", points=80, stock=3)
    RewardFactory(community=first, name="=1+1", points=20, stock=0, is_active=False)
    RewardFactory(community=second, name="食用油", points=60, stock=5)

    client.force_login(world.users["community_staff"])
    page = client.get(reverse("points:catalogue"))
    assert f"community={first.pk}" in page_export_link(page, "points.catalogue")
    rows = download(client, "points.catalogue", community=first.pk)
    assert values(rows, "name") == [r.name if r.name[0] != "=" else "'" + r.name for r in page.context["rewards"]]
    assert [(r["name"], r["points"], r["stock"], r["offered"]) for r in rows] == [
        ("'=1+1", 20, 0, zh("No")), ("大米", 80, 3, zh("Yes"))]
    # another community's items are not theirs: the page and the export both show their own
    assert values(download(client, "points.catalogue", community=second.pk), "name") == ["'=1+1", "大米"]
    log = ExportLog.objects.filter(list_name="points.catalogue").first()
    assert (log.filters, log.row_count, log.masked) == ({"community": str(second.pk)}, 2, True)

    client.force_login(world.users["street_staff"])  # manages both communities: picks one, as the page does
    page = client.get(reverse("points:catalogue"), {"community": second.pk})
    assert f"community={second.pk}" in page_export_link(page, "points.catalogue")
    assert values(download(client, "points.catalogue", community=second.pk), "name") == ["食用油"]


def test_catalogue_export_is_refused_to_residents(client, world):
    client.force_login(world.users["resident"])
    assert client.get(reverse("points:catalogue")).status_code == 404
    assert_refused(client, "points.catalogue")
