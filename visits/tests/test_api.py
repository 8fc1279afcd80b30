"""The visits API: the same rules as the pages, errors as {"code", "message"}."""

import pytest
from django.test import Client

from appeals.models import Appeal
from regions.models import Household
from testing.world import build_world
from visits.models import Knock, Visit
from visits import services

from .factories import building, png, subject

pytestmark = pytest.mark.django_db
API = "/api/v1/visits"


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_subjects_and_a_visit_that_opens_an_appeal(world):
    s = subject(world, tags=["very_old"])
    gw = client_for(world.users["grid_worker"])
    r = gw.get(API + "/subjects")
    assert r.status_code == 200
    body = r.json()
    assert [x["id"] for x in body] == [s.pk] and body[0]["phone_masked"] == "138****1111"
    assert "13800001111" not in r.content.decode()
    r = gw.post(f"{API}/subjects/{s.pk}/visits", {"findings": "楼道灯不亮，老人摔了一跤。", "flags": ["safety"],
                                                 "appeal": {"category": world.category.code}},
                content_type="application/json")
    assert r.status_code == 201, r.content
    assert Appeal.objects.get(pk=r.json()["appeal_id"]).channel == "visit"
    assert gw.get(f"{API}/subjects/{s.pk}").json()["status"] == "ok"


def test_visit_errors(world):
    s = subject(world)
    gw = client_for(world.users["grid_worker"])
    r = gw.post(f"{API}/subjects/{s.pk}/visits", {"mode": "pigeon"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = gw.post(f"{API}/subjects/{s.pk}/visits", {"expected_version": 42}, content_type="application/json")
    assert r.status_code == 409
    other = client_for(world.users["grid_worker_other"])
    assert other.post(f"{API}/subjects/{s.pk}/visits", {}, content_type="application/json").status_code == 404
    assert other.get(f"{API}/subjects/{s.pk}").status_code == 404
    assert client_for(world.users["resident"]).get(API + "/subjects").status_code == 403
    assert Client().get(API + "/subjects").status_code == 401
    assert Visit.objects.count() == 0


def test_a_patrol_over_the_api(world):
    gw = client_for(world.users["grid_worker"])
    assert gw.get(API + "/patrols/current").status_code == 404
    lng, lat = world.point_in(0)
    r = gw.post(API + "/patrols", {"lng": lng, "lat": lat}, content_type="application/json")
    assert r.status_code == 201 and r.json()["start_in_grid"] is True
    patrol_id = r.json()["id"]
    assert gw.post(API + "/patrols", {}, content_type="application/json").status_code == 409
    r = gw.post(f"{API}/patrols/{patrol_id}/findings", {"note": "人行道地砖破损", "lng": lng, "lat": lat,
                                                         "photos": [png()]})
    assert r.status_code == 201, r.content
    finding_id = r.json()["id"]
    r = gw.post(f"{API}/patrols/{patrol_id}/findings", {"note": "地砖", "photos": [png()]})
    assert r.status_code == 400
    r = gw.post(f"{API}/findings/{finding_id}/report", {}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "category_required"
    r = gw.post(f"{API}/findings/{finding_id}/report", {"category": world.category.code},
                content_type="application/json")
    assert r.status_code == 201
    assert Appeal.objects.get(pk=r.json()["appeal_id"]).channel == "patrol"
    assert gw.post(f"{API}/findings/{finding_id}/report", {"category": world.category.code},
                   content_type="application/json").status_code == 409
    assert gw.get(API + "/patrols/current").json()["findings"][0]["status"] == "reported"
    r = gw.post(f"{API}/patrols/{patrol_id}/end", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert gw.post(f"{API}/patrols/{patrol_id}/end", {}, content_type="application/json").status_code == 409
    staff = client_for(world.users["community_staff_other"])
    assert staff.post(f"{API}/patrols/{patrol_id}/end", {}, content_type="application/json").status_code == 404


def test_campaigns_and_knocks(world):
    b = building(world, 0)
    Household.objects.create(building=b, room="101")
    c = services.campaign_create(actor=world.users["community_staff"], title="敲门", starts_on="2024-04-01",
                                 ends_on="2024-04-30", grid=world.grids[0])
    services.campaign_transition(actor=world.users["community_staff"], campaign=c, action="start")
    gw = client_for(world.users["grid_worker"])
    listed = gw.get(API + "/campaigns").json()
    assert [x["id"] for x in listed] == [c.pk] and listed[0]["coverage"] == 0.0
    detail = gw.get(f"{API}/campaigns/{c.pk}").json()
    knock = detail["knocks"][0]
    url = f"{API}/campaigns/{c.pk}/knocks/{knock['id']}"
    r = gw.post(url, {"result": "met", "expected_version": knock["version"]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["result"] == "met"
    r = gw.post(url, {"result": "met", "expected_version": knock["version"]}, content_type="application/json")
    assert r.status_code == 409
    assert gw.post(url, {"result": "asleep", "expected_version": 2}, content_type="application/json").status_code == 400
    assert gw.get(f"{API}/campaigns/{c.pk}").json()["coverage"] == 100.0
    assert client_for(world.users["grid_worker_other"]).get(f"{API}/campaigns/{c.pk}").status_code == 404
    assert Knock.objects.get(pk=knock["id"]).attempts == 1
