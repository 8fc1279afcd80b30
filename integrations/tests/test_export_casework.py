"""Deliberation, mediation, visits and places lists as Excel: the rows of the page,
dispute parties and care subjects' phones and ID numbers masked unless revealed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from deliberation.tests.factories import build as build_delib
from deliberation.tests.factories import raise_matter
from integrations.models import ExportLog
from mediation.tests.factories import record
from places.tests.factories import make_place
from testing.world import build_world
from visits import services as visit_services
from visits.tests.factories import committed, household, person, subject

from .export_support import download, export_url, values

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


# ---------------------------------------------------------------- deliberation

def test_matter_list_and_workbench_exports_match_the_pages(client):
    w = build_delib()
    raise_matter(w, title="小区停车难")
    raise_matter(w, user="neighbour", title="@楼道堆物")
    client.force_login(w.users["raiser"])
    for tab in ("all", "mine", "closed", "weird"):
        page = client.get(reverse("deliberation:list"), {"tab": tab})
        rows = download(client, "deliberation.matters", tab=tab)
        assert values(rows, "number") == [r["m"].number for r in page.context["rows"]], tab
    assert "'@楼道堆物" in values(download(client, "deliberation.matters"), "title")
    assert client.get(export_url("deliberation.workbench")).status_code == 404

    client.force_login(w.users["staff"])
    page = client.get(reverse("deliberation:workbench"))
    expected = [m.number for key in ("to_sort", "to_accept", "waiting_meeting", "scheduled", "small_open",
                                     "in_action") for m in page.context["q"][key]]
    rows = download(client, "deliberation.workbench")
    assert values(rows, "number") == expected and len(expected) == 2


# ---------------------------------------------------------------- mediation

def test_dispute_parties_are_masked_unless_the_handler_asks_for_full_data(client, world):
    record(world)
    record(world, grid=2, user="grid_worker_other", title="噪音扰民")
    worker = world.users["grid_worker"]
    client.force_login(worker)
    page = client.get(reverse("mediation:workbench"))
    expected = [(str(s["title"]), d.number) for s in page.context["sections"] for d in s["items"]]
    rows = download(client, "mediation.disputes")
    assert [(r["section"], r["number"]) for r in rows] == expected and expected
    assert set(values(rows, "parties")) == {"王**、李**"}
    assert set(values(rows, "party_phones")) == {"139****1111、139****2222"}

    rows = download(client, "mediation.disputes", full="1")
    assert set(values(rows, "parties")) == {"王大爷、李阿姨"}
    assert set(values(rows, "party_phones")) == {"13900001111、13900002222"}
    access = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONAL, actor=worker)
    assert access.fields == ["parties", "party_phones"]

    client.force_login(world.users["resident"])
    assert client.get(export_url("mediation.disputes")).status_code == 404


# ---------------------------------------------------------------- visits

def test_care_subjects_export_masks_phone_and_id_number_and_reveals_them_on_request(client, world):
    s = subject(world, 0)
    subject(world, 0, person=person(world, 0, name="李爷爷", phone="13800002222", id_number="150302194601012345"))
    worker = world.users["grid_worker"]
    client.force_login(worker)
    page = client.get(reverse("visits:due"))
    lists = page.context["lists"]
    expected = [p.person.name for key in ("overdue", "due", "later") for p in lists[key]]
    rows = download(client, "visits.subjects")
    assert values(rows, "name") == expected and len(expected) == 2
    assert "13800001111" not in str(rows) and "19450101" not in str(rows)
    assert "150302********1234" in values(rows, "id_number")
    rows = download(client, "visits.subjects", full="1")
    assert "150302194501011234" in values(rows, "id_number") and "13800001111" in values(rows, "phone")
    assert ExportLog.objects.filter(list_name="visits.subjects", masked=False).get().full_fields == ["phone", "id_number"]

    committed(visit_services.visit_record, actor=worker, subject=s, findings="身体健康，=1+1")
    page = client.get(reverse("visits:subject", args=[s.pk]))
    assert f"subject={s.pk}" in page.content.decode()
    rows = download(client, "visits.visits", subject=s.pk)
    assert len(rows) == len(page.context["visits"]) == 1 and rows[0]["findings"] == "身体健康，=1+1"

    client.force_login(world.users["grid_worker_other"])
    assert client.get(export_url("visits.visits", subject=s.pk)).status_code == 404
    assert client.get(export_url("visits.visits", subject="x")).status_code == 404
    client.force_login(world.users["resident"])
    assert client.get(export_url("visits.subjects")).status_code == 404


def test_campaign_knocks_export_has_every_household_of_the_drive(client, world):
    for room in ("101", "102", "103"):
        household(world, 0, room=room)
    staff = world.users["community_staff"]
    today = timezone.localdate()
    campaign = committed(visit_services.campaign_create, actor=staff, title="敲门行动", starts_on=today,
                         ends_on=today + dt.timedelta(days=7), community=world.communities[0])
    client.force_login(staff)
    page = client.get(reverse("visits:campaign", args=[campaign.pk]))
    expected = sorted(k.household.room for g in page.context["groups"] for k in g["knocks"])
    rows = download(client, "visits.knocks", campaign=campaign.pk)
    assert sorted(values(rows, "room")) == expected == ["101", "102", "103"]
    client.force_login(world.users["community_staff_other"])
    assert client.get(export_url("visits.knocks", campaign=campaign.pk)).status_code == 404


# ---------------------------------------------------------------- places

def test_places_export_matches_the_filtered_manage_page(client, world):
    make_place(world, name="社区1服务站")
    make_place(world, community=1, name="社区2服务站")
    client.force_login(world.users["street_staff"])
    for params in ({}, {"q": "社区1"}, {"state": "inactive"}, {"kind": "bogus", "region": "zzz"}):
        page = client.get(reverse("places:manage"), params)
        rows = download(client, "places.places", **params)
        assert values(rows, "name") == [p.name for p in page.context["page"].object_list], params
    client.force_login(world.users["resident"])
    assert client.get(export_url("places.places")).status_code == 404
