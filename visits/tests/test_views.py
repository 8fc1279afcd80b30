"""The pages: 200s for who may see them, forms that keep input on error, never a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from appeals.models import Appeal
from regions.models import Household
from testing.world import build_world
from visits import services
from visits.models import CareSubject, PatrolFinding, Visit

from .factories import building, person, png, subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_grid_workers_due_list_and_a_visit_form(world):
    s = subject(world)
    gw = client_for(world.users["grid_worker"])
    r = gw.get(reverse("visits:due"))
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-subject="{s.pk}"' in html and "138****1111" in html and "13800001111" not in html
    assert gw.get(reverse("visits:subject", args=[s.pk])).status_code == 200
    r = gw.get(reverse("visits:visit_new", args=[s.pk]))
    assert r.status_code == 200 and 'value="order"' in r.content.decode()  # the grid's own worker may open an order
    r = gw.post(reverse("visits:visit_new", args=[s.pk]), {"mode": "home", "findings": "楼道灯坏了，老人看不见台阶。",
                                                          "also_open": "appeal", "category": world.category.code,
                                                          "photos": [png()], "version": s.version})
    assert r.status_code == 302
    visit = Visit.objects.get()
    assert visit.appeal.channel == "visit" and visit.photos.count() == 1


def test_a_bad_visit_keeps_the_input(world):
    s = subject(world)
    gw = client_for(world.users["grid_worker"])
    r = gw.post(reverse("visits:visit_new", args=[s.pk]), {"mode": "home", "findings": "只写了几个字的发现内容",
                                                          "also_open": "appeal", "category": ""})
    assert r.status_code == 400 and "data-error" in r.content.decode()
    assert "只写了几个字的发现内容" in r.content.decode()
    assert Visit.objects.count() == 0 and Appeal.objects.count() == 0


def test_reveal_and_permissions(world):
    s = subject(world)
    gw = client_for(world.users["grid_worker"])
    r = gw.post(reverse("visits:reveal", args=[s.pk]), {"field": "phone"})
    assert r.status_code == 200 and "13800001111" in r.content.decode()
    other = client_for(world.users["grid_worker_other"])
    assert other.get(reverse("visits:subject", args=[s.pk])).status_code == 404
    assert other.post(reverse("visits:reveal", args=[s.pk]), {"field": "phone"}).status_code == 404
    resident = client_for(world.users["resident"])
    for name in ("visits:due", "visits:overview", "visits:campaigns", "visits:tags", "visits:subject_new"):
        assert resident.get(reverse(name)).status_code == 404, name
    assert Client().get(reverse("visits:due")).status_code == 302


def test_add_a_person_under_care(world):
    p = person(world, name="李爷爷")
    gw = client_for(world.users["grid_worker"])
    r = gw.get(reverse("visits:subject_new") + "?q=李")
    assert f'data-candidate="{p.pk}"' in r.content.decode()
    assert gw.get(reverse("visits:subject_new") + f"?person={p.pk}").status_code == 200
    r = gw.post(reverse("visits:subject_new"), {"person": p.pk})
    assert r.status_code == 400 and CareSubject.objects.count() == 0
    services.ensure_default_tags()
    r = gw.post(reverse("visits:subject_new"), {"person": p.pk, "tags": ["living_alone", "disabled"]})
    assert r.status_code == 302
    s = CareSubject.objects.get()
    assert s.frequency == "weekly"
    r = gw.get(reverse("visits:subject_edit", args=[s.pk]))
    assert r.status_code == 200
    r = gw.post(reverse("visits:subject_edit", args=[s.pk]), {"person": p.pk, "tags": ["disabled"]})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.frequency == "monthly"


def test_end_care_page(world):
    s = subject(world)
    staff = client_for(world.users["community_staff"])
    r = staff.post(reverse("visits:subject_action", args=[s.pk, "end"]), {"note": ""})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status != "ended"
    staff.post(reverse("visits:subject_action", args=[s.pk, "end"]), {"note": "已去世"})
    s.refresh_from_db()
    assert s.status == "ended"
    staff.post(reverse("visits:subject_action", args=[s.pk, "resume"]))
    s.refresh_from_db()
    assert s.status == "due"
    assert staff.post(reverse("visits:subject_action", args=[s.pk, "explode"])).status_code == 404


def test_tags_page(world):
    street = client_for(world.users["street_staff"])
    services.ensure_default_tags()
    assert street.get(reverse("visits:tags")).status_code == 200
    r = street.post(reverse("visits:tags"), {"code": "hospice", "name": "临终关怀", "frequency": "weekly",
                                             "is_active": "on"})
    assert r.status_code == 302
    r = street.post(reverse("visits:tags"), {"code": "bad code", "name": "x", "frequency": "weekly"})
    assert r.status_code == 400
    gw = client_for(world.users["grid_worker"])
    assert gw.get(reverse("visits:tags")).status_code == 200
    assert gw.post(reverse("visits:tags"), {"code": "x", "name": "x", "frequency": "weekly"}).status_code == 404


def test_patrol_pages(world):
    gw = client_for(world.users["grid_worker"])
    assert gw.get(reverse("visits:patrol")).status_code == 200
    lng, lat = world.point_in(0)
    r = gw.post(reverse("visits:patrol_start"), {"lng": lng, "lat": lat})
    assert r.status_code == 302
    r = gw.get(reverse("visits:patrol"))
    assert "data-finding-form" in r.content.decode()
    patrol_id = r.context["patrol"].pk
    r = gw.post(reverse("visits:finding_add", args=[patrol_id]), {"note": "x", "photos": [png()]})
    assert r.status_code == 400 and "data-error" in r.content.decode()
    r = gw.post(reverse("visits:finding_add", args=[patrol_id]), {"note": "垃圾桶满溢无人清理", "lng": lng, "lat": lat,
                                                                 "photos": [png()]})
    assert r.status_code == 302
    finding = PatrolFinding.objects.get()
    r = gw.post(reverse("visits:finding_action", args=[finding.pk, "report"]), {"category": world.category.code})
    assert r.status_code == 302
    finding.refresh_from_db()
    assert finding.appeal.channel == "patrol"
    photo = finding.photos.get()
    assert gw.get(reverse("visits:photo", args=[photo.pk])).status_code == 200
    assert client_for(world.users["grid_worker_other"]).get(reverse("visits:photo", args=[photo.pk])).status_code == 404
    r = gw.post(reverse("visits:patrol_track", args=[patrol_id]), {"lng": "x", "lat": "y"})
    assert r.status_code == 400 and r.json()["code"] == "bad_coordinates"
    assert gw.post(reverse("visits:patrol_track", args=[patrol_id]), {"lng": lng, "lat": lat}).status_code == 200
    assert gw.post(reverse("visits:patrol_end", args=[patrol_id]), {"lng": lng, "lat": lat}).status_code == 302
    assert gw.get(reverse("visits:patrol_detail", args=[patrol_id])).status_code == 200
    staff = client_for(world.users["community_staff"])
    assert staff.get(reverse("visits:patrol_detail", args=[patrol_id])).status_code == 200
    assert staff.get(reverse("visits:patrol")).status_code == 302
    r = client_for(world.users["community_staff"]).get(reverse("appeals:detail", args=[finding.appeal_id]))
    assert r.status_code == 200 and reverse("visits:patrol_detail", args=[patrol_id]) in r.content.decode()


def test_campaign_pages(world):
    b = building(world, 0)
    Household.objects.create(building=b, room="101")
    staff = client_for(world.users["community_staff"])
    assert staff.get(reverse("visits:campaign_new")).status_code == 200
    r = staff.post(reverse("visits:campaign_new"), {"title": "", "starts_on": "2024-04-01", "ends_on": "2024-04-30"})
    assert r.status_code == 400
    r = staff.post(reverse("visits:campaign_new"), {"title": "春季敲门", "grid": world.grids[0].code, "target": "all",
                                                    "starts_on": "2024-04-01", "ends_on": "2024-04-30"})
    assert r.status_code == 302
    pk = int(r["Location"].rstrip("/").split("/")[-1])
    staff.post(reverse("visits:campaign_action", args=[pk, "start"]))
    gw = client_for(world.users["grid_worker"])
    r = gw.get(reverse("visits:campaign", args=[pk]))
    assert r.status_code == 200
    knock = r.context["groups"][0]["knocks"][0]
    r = gw.post(reverse("visits:knock", args=[pk, knock.pk]), {"result": "nobody_home", "version": knock.version})
    assert r.status_code == 302
    r = gw.get(reverse("visits:campaign", args=[pk]))
    assert "data-revisit" in r.content.decode() and r.context["campaign"].coverage == 100.0
    r = gw.post(reverse("visits:knock", args=[pk, knock.pk]), {"result": "met", "version": knock.version})
    assert r.status_code == 302  # stale: a message, nothing changed
    knock.refresh_from_db()
    assert knock.result == "nobody_home"
    assert gw.get(reverse("visits:campaigns")).status_code == 200
    assert staff.get(reverse("visits:overview")).status_code == 200
    assert gw.get(reverse("visits:overview")).status_code == 404
