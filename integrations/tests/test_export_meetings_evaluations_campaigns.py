"""Deliberation meetings, evaluations (评选) and door-knocking drives as Excel: each export
is the page's rows for the page's filters, follows the page's visibility rules, is logged,
and is refused (403, nothing logged) to those who may not export it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from core.models import AuditLog
from deliberation import services as delib_services
from deliberation.tests.factories import build as build_deliberation
from integrations.exports import get_spec
from integrations.models import ExportLog
from party import services as party_services
from party.tests.factories import resident_of
from regions.models import Household
from testing.loop import at
from testing.world import build_world
from visits import services as visit_services
from visits.tests.factories import building, committed

from .export_support import assert_refused, download, export_url, page_export_link, values

pytestmark = pytest.mark.django_db




def test_the_lists_hold_no_phone_or_id_number_to_mask():
    """None of these lists has a personal column, so nothing is ever exported in full."""
    for name in ("deliberation.meetings", "party.evaluations", "visits.campaigns", "visits.overview"):
        assert get_spec(name).personal_fields == []


# ---------------------------------------------------------------- deliberation meetings (联席议事)

@pytest.fixture
def meetings():
    w = build_deliberation()
    staff, soon = w.users["staff"], timezone.now() + dt.timedelta(days=2)
    red = delib_services.meeting_plan(actor=staff, community=w.community.code, starts_at=soon, title="十二月红色议事日",
                                      venue="社区议事厅")
    hearing = delib_services.meeting_plan(actor=staff, community=w.community.code, starts_at=soon + dt.timedelta(days=1),
                                          title="停车收费听证会", kind="hearing", host="张书记",
                                          venue="社区议事厅")
    delib_services.meeting_invite(meeting=hearing, actor=staff, party="property", name="幸福物业")
    delib_services.meeting_invite(meeting=hearing, actor=staff, party="police", name="长青派出所")
    rained = delib_services.meeting_plan(actor=staff, community=w.community.code, starts_at=soon + dt.timedelta(days=3),
                                         title="=HYPERLINK(\"x\")", venue="社区议事厅")
    delib_services.meeting_transition(meeting=rained, action="cancel", actor=staff, note="暴雨改期")
    far = delib_services.meeting_plan(actor=w.users["staff_other"], community=w.world.communities[1].code,
                                      starts_at=soon, title="远方社区议事", venue="远方议事厅")
    w.meetings = {"red": red, "hearing": hearing, "rained": rained, "far": far}
    return w


def test_meetings_export_is_the_filtered_page_and_is_logged(client, meetings):
    w = meetings
    client.force_login(w.users["staff"])
    page = client.get(reverse("deliberation:meetings"), {"kind": "hearing"})
    assert [m.pk for m in page.context["page"].object_list] == [w.meetings["hearing"].pk]
    assert "kind=hearing" in page_export_link(page)

    rows = download(client, "deliberation.meetings", kind="hearing")
    assert values(rows, "title") == ["停车收费听证会"]
    assert (rows[0]["invited"], rows[0]["attended"], rows[0]["host"]) == (2, 0, "张书记")
    log = ExportLog.objects.get(list_name="deliberation.meetings")
    assert (log.user, log.filters, log.row_count, log.masked) == (w.users["staff"], {"kind": "hearing"}, 1, True)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(log.pk)).exists()

    rows = download(client, "deliberation.meetings", status="cancelled")
    assert values(rows, "title") == ["'=HYPERLINK(\"x\")"] and values(rows, "cancel_reason") == ["暴雨改期"]
    # no filter, or one the page ignores: every meeting of the staff's community, none of the other's
    page = client.get(reverse("deliberation:meetings"), {"status": "nonsense"})
    rows = download(client, "deliberation.meetings", status="nonsense", full="1")
    assert len(rows) == len(page.context["page"].object_list) == 3
    assert "远方社区议事" not in values(rows, "title")
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).exists()


def test_meetings_export_is_refused_to_residents_who_only_read_them(client, meetings):
    resident = meetings.users["raiser"]
    client.force_login(resident)
    page = client.get(reverse("deliberation:meetings"))
    assert page.status_code == 200 and len(page.context["page"].object_list) == 3
    assert page_export_link(page) == ""
    assert_refused(client, "deliberation.meetings")
    client.logout()
    response = client.get(export_url("deliberation.meetings"))
    assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------- evaluations (评选)

NOW = at(2026, 6, 1)


@pytest.fixture
def evaluations():
    world = build_world()
    staff = world.users["community_staff"]
    common = dict(actor=staff, community=world.communities[0].pk, nominate_until="2026-06-10",
                  vote_until="2026-06-20", now=NOW)
    courtyard = party_services.evaluation_create(title="2026年最美庭院", kind="beautiful_courtyard", **common)
    pioneer = party_services.evaluation_create(title="2026年先锋党员", kind="pioneer_member", **common)
    far = party_services.evaluation_create(actor=world.users["community_staff_other"], community=world.communities[1].pk,
                                           title="远方好媳妇", kind="good_daughter_in_law", nominate_until="2026-06-10",
                                           vote_until="2026-06-20", now=NOW)
    a, b, voter = (resident_of(world, 0, name=n) for n in ("居民甲", "居民乙", "投票人"))
    approved = party_services.nomination_create(actor=staff, evaluation=courtyard, person=a.person.pk,
                                                reason="院子里种满了花", now=at(2026, 6, 2))
    party_services.nomination_create(actor=voter, evaluation=courtyard, person=b.person.pk, reason="常年打扫楼道",
                                     now=at(2026, 6, 3))
    party_services.evaluation_open_voting(actor=staff, evaluation=courtyard, now=at(2026, 6, 11))
    party_services.vote_cast(actor=voter, nomination=approved, now=at(2026, 6, 12))
    world.evaluations = {"courtyard": courtyard, "pioneer": pioneer, "far": far}
    return world


def test_evaluations_export_is_the_filtered_page_and_is_logged(client, evaluations):
    world, items = evaluations, evaluations.evaluations
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("party:evaluations"), {"kind": "beautiful_courtyard"})
    assert [e.pk for e in page.context["open"]] == [items["courtyard"].pk] and page.context["closed"] == []
    assert "kind=beautiful_courtyard" in page_export_link(page)

    rows = download(client, "party.evaluations", kind="beautiful_courtyard")
    assert values(rows, "title") == ["2026年最美庭院"]
    assert (rows[0]["approved"], rows[0]["pending"], rows[0]["votes"]) == (1, 1, 1)
    log = ExportLog.objects.get(list_name="party.evaluations")
    assert (log.filters, log.row_count, log.masked) == ({"kind": "beautiful_courtyard"}, 1, True)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(log.pk)).exists()

    assert values(download(client, "party.evaluations", status="nominating"), "title") == ["2026年先锋党员"]
    assert values(download(client, "party.evaluations", q="先锋"), "title") == ["2026年先锋党员"]
    page = client.get(reverse("party:evaluations"), {"community": "abc", "status": "x" * 500})
    everything = download(client, "party.evaluations", community="abc", status="x" * 500)  # ignored, as the page ignores it
    assert sorted(values(everything, "title")) == sorted(e.title for e in page.context["open"]) == ["2026年先锋党员",
                                                                                                  "2026年最美庭院"]


def test_evaluation_counts_follow_the_page_rule_for_staff_of_another_community(client, evaluations):
    """Staff of community 1 living in community 0 see its evaluations as a resident: the export
    leaves out pending nominations and the running vote count, as the evaluation page does."""
    neighbour = resident_of(evaluations, 0, name="隔壁社工", role=Role.COMMUNITY_STAFF,
                            region=evaluations.communities[1])
    client.force_login(neighbour)
    rows = {r["title"]: r for r in download(client, "party.evaluations")}
    assert set(rows) == {"2026年最美庭院", "2026年先锋党员", "远方好媳妇"}
    assert (rows["2026年最美庭院"]["pending"], rows["2026年最美庭院"]["votes"]) == (None, None)
    assert rows["2026年最美庭院"]["approved"] == 1
    assert rows["远方好媳妇"]["votes"] == 0  # their own community's: in full


def test_evaluations_export_is_refused_to_residents(client, evaluations):
    client.force_login(resident_of(evaluations, 0, name="普通居民"))
    page = client.get(reverse("party:evaluations"))
    assert len(page.context["open"]) == 2 and page_export_link(page) == ""
    assert_refused(client, "party.evaluations")


def test_nominations_export_masks_phones_unless_the_community_staff_ask_in_full(client, evaluations):
    courtyard = evaluations.evaluations["courtyard"]
    staff = evaluations.users["community_staff"]
    client.force_login(staff)
    page = client.get(reverse("party:evaluation", args=[courtyard.pk]))
    assert f"evaluation={courtyard.pk}" in page_export_link(page)
    phones = {n.person.name: n.person.phone for n in page.context["nominations"]}
    assert len(phones) == 2 and all(phones.values())

    rows = download(client, "party.nominations", evaluation=courtyard.pk)
    with translation.override("zh-hans"):
        sections = [translation.gettext("Nominees"), translation.gettext("Pending review")]
    assert [(r["section"], r["name"], r["votes"]) for r in rows] == [(sections[0], "居民甲", 1), (sections[1], "居民乙", 0)]
    assert all(r["phone"] != phones[r["name"]] and "****" in r["phone"] for r in rows)
    rows = download(client, "party.nominations", evaluation=courtyard.pk, full="1")
    assert {r["name"]: r["phone"] for r in rows} == phones
    log = ExportLog.objects.get(list_name="party.nominations", masked=False)
    assert (log.full_rows, log.full_fields, log.filters) == (2, ["phone"], {"evaluation": str(courtyard.pk)})
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(log.pk)).exists()

    # staff of another community who lives here: the page's resident view, masked even when asking in full
    neighbour = resident_of(evaluations, 0, name="隔壁社工", role=Role.COMMUNITY_STAFF,
                            region=evaluations.communities[1])
    client.force_login(neighbour)
    rows = download(client, "party.nominations", evaluation=courtyard.pk, full="1")
    assert values(rows, "name") == ["居民甲"] and values(rows, "votes") == [None]
    assert "****" in rows[0]["phone"]
    assert ExportLog.objects.filter(list_name="party.nominations", user=neighbour, masked=True, full_rows=0).exists()

    client.force_login(evaluations.users["community_staff_other"])  # cannot see the evaluation at all
    assert client.get(export_url("party.nominations", evaluation=courtyard.pk)).status_code == 404
    assert client.get(export_url("party.nominations", evaluation="x")).status_code == 404
    client.force_login(resident_of(evaluations, 0, name="普通居民"))
    assert_refused(client, "party.nominations", evaluation=courtyard.pk)


# ---------------------------------------------------------------- door-knocking drives (敲门行动)

@pytest.fixture
def drives():
    world = build_world()
    for index, number in ((0, "1号楼"), (1, "2号楼"), (2, "3号楼")):
        b = building(world, index, number=number)
        for room in ("101", "102"):
            Household.objects.create(building=b, room=room)
    staff = world.users["community_staff"]

    def plan(actor, title, **kwargs):
        return committed(visit_services.campaign_create, actor=actor, title=title, starts_on="2026-04-01",
                         ends_on="2026-04-30", now=at(2026, 3, 30), **kwargs)

    spring = plan(staff, "春季敲门行动")
    committed(visit_services.campaign_transition, actor=staff, campaign=spring, action="start", now=at(2026, 4, 1))
    knocks = list(spring.knocks.order_by("id"))
    for k, result in ((knocks[0], "met"), (knocks[1], "nobody_home")):
        committed(visit_services.knock_record, actor=world.users["grid_worker"], knock=k, result=result,
                  expected_version=k.version, now=at(2026, 4, 2))
    grid_drive = plan(staff, "一网格防诈宣传", grid=world.grids[0].code)
    far = plan(world.users["community_staff_other"], "远方敲门行动")
    world.drives = {"spring": spring, "grid": grid_drive, "far": far}
    return world


def test_drives_export_is_the_filtered_page_and_is_logged(client, drives):
    world = drives
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("visits:campaigns"), {"status": "running"})
    assert [c.pk for c in page.context["campaigns"]] == [world.drives["spring"].pk]
    assert "status=running" in page_export_link(page)

    rows = download(client, "visits.campaigns", status="running")
    assert values(rows, "title") == ["春季敲门行动"]
    assert (rows[0]["households"], rows[0]["knocked"], rows[0]["coverage"], rows[0]["to_revisit"]) == (4, 2, 50, 1)
    log = ExportLog.objects.get(list_name="visits.campaigns")
    assert (log.filters, log.row_count, log.masked) == ({"status": "running"}, 1, True)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(log.pk)).exists()

    rows = download(client, "visits.campaigns", q="防诈")
    assert values(rows, "title") == ["一网格防诈宣传"] and values(rows, "grid") == [world.grids[0].name]
    page = client.get(reverse("visits:campaigns"), {"status": "nonsense", "page": "zz"})
    rows = download(client, "visits.campaigns", status="nonsense")
    assert values(rows, "title") == [c.title for c in page.context["campaigns"]]
    assert "远方敲门行动" not in values(rows, "title")


def test_drives_export_for_grid_workers_is_their_own_drives(client, drives):
    client.force_login(drives.users["grid_worker_other"])
    rows = download(client, "visits.campaigns", community=drives.communities[0].pk)  # not theirs: ignored
    assert values(rows, "title") == ["远方敲门行动"]


def test_drives_export_is_refused_to_residents(client, drives):
    client.force_login(drives.users["resident"])
    assert client.get(reverse("visits:campaigns")).status_code == 404
    assert_refused(client, "visits.campaigns")


def test_overview_export_is_the_page_table_for_staff_only(client, drives):
    from visits.tests.factories import subject

    subject(drives, 0)
    client.force_login(drives.users["community_staff"])
    page = client.get(reverse("visits:overview"))
    assert page_export_link(page)
    rows = download(client, "visits.overview")
    assert [(r["grid"], r["subjects"]) for r in rows] == [(r["grid"].name, r["subjects"]) for r in page.context["rows"]]
    assert sum(values(rows, "subjects")) == 1 and len(rows) == 2  # the two grids of community 0
    assert ExportLog.objects.filter(list_name="visits.overview", row_count=2).exists()
    client.force_login(drives.users["grid_worker"])  # sees drives, not the staff overview
    assert_refused(client, "visits.overview")
