"""The API: public list and detail, staff writes with the error shape."""

import pytest

from places.models import Place

from .factories import make_place

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_public_list_sorted_filtered_and_paginated(client, world):
    near = make_place(world, hours=["24h"] * 7, amenities={"charging": ""}, offset=(0.001, 0))
    far = make_place(world, community=1, hours=["24h"] * 7, amenities={"water": ""}, offset=(0.004, 0))
    closed = make_place(world, hours=[""] * 7, offset=(0.0005, 0))
    c = world.communities[0]
    r = client.get(f"{API}/places", {"lng": c.centroid_lng, "lat": c.centroid_lat})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3 and [i["id"] for i in body["items"]] == [near.pk, far.pk, closed.pk]
    assert body["items"][0]["open_now"] and body["items"][0]["distance_m"] > 0
    assert body["items"][0]["offers"][0] == {"code": "charging", "label": body["items"][0]["offers"][0]["label"],
                                             "available_now": True, "own_hours": "", "note": ""}
    r = client.get(f"{API}/places", {"open_now": "true", "amenity": "water", "limit": 1})
    assert [i["id"] for i in r.json()["items"]] == [far.pk]


@pytest.mark.parametrize("params", [{"lng": "x", "lat": "1"}, {"lng": "2.3", "lat": "48.8"}, {"amenity": "spa"},
                                    {"kind": "castle"}, {"limit": 0}, {"community": "nope"}])
def test_public_list_bad_input_is_400(client, world, params):
    r = client.get(f"{API}/places", params)
    assert r.status_code == 400 and r.json()["code"] and r.json()["message"]


def test_public_detail(client, world):
    place = make_place(world)
    r = client.get(f"{API}/places/{place.pk}")
    assert r.status_code == 200 and len(r.json()["week"]) == 7 and "version" in r.json()
    Place.objects.filter(pk=place.pk).update(is_public=False)
    assert client.get(f"{API}/places/{place.pk}").json()["code"] == "not_found"


def payload(world, **over):
    data = {"name": "红色驿站（新华街）", "kind": "rider_station", "region": world.communities[0].code, "lng": 106.805,
            "lat": 39.665, "hours": ["24h"] * 7, "amenities": [{"code": "water"}, {"code": "heating_food",
                                                                                "hours": "11:00-13:00"}]}
    data.update(over)
    return data


def test_staff_create_update_special_days_and_uses(client, world):
    assert client.post(f"{API}/places", payload(world), content_type="application/json").status_code == 401
    client.force_login(world.users["resident"])
    assert client.post(f"{API}/places", payload(world), content_type="application/json").status_code == 403
    client.force_login(world.users["community_staff"])
    r = client.post(f"{API}/places", payload(world), content_type="application/json")
    assert r.status_code == 201, r.json()
    pid = r.json()["id"]
    assert {o["code"] for o in r.json()["offers"]} == {"water", "heating_food"}
    r = client.patch(f"{API}/places/{pid}", {"expected_version": 0, "phone": "0473-3012345"},
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["name"] == "红色驿站（新华街）"
    r = client.patch(f"{API}/places/{pid}", {"expected_version": 0, "phone": "0473-3012346"},
                     content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = client.patch(f"{API}/places/{pid}", {"hours": ["25:00-26:00"] * 7}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "bad_time"
    assert client.patch(f"{API}/places/999999", {}, content_type="application/json").status_code == 404
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    r = client.post(f"{API}/places/{pid}/special-days", {"date": today, "is_closed": False, "hours": "09:00-12:00"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["hours"].startswith("09:00")
    r = client.post(f"{API}/places/{pid}/uses", {"date": today, "count": 31}, content_type="application/json")
    assert r.status_code == 201 and r.json()["count"] == 31
    r = client.post(f"{API}/places/{pid}/uses", {"date": today, "count": -1}, content_type="application/json")
    assert r.status_code == 400
    client.force_login(world.users["community_staff_other"])
    r = client.patch(f"{API}/places/{pid}", {"name": "抢过来"}, content_type="application/json")
    assert r.status_code == 403


def test_create_bad_input_is_400_and_saves_nothing(client, world):
    client.force_login(world.users["community_staff"])
    for over in [{"lng": 2.35, "lat": 48.85}, {"hours": ["08:00-12:00"]}, {"kind": "castle"},
                 {"amenities": [{"code": "spa"}]}, {"region": world.grids[0].code}]:
        r = client.post(f"{API}/places", payload(world, **over), content_type="application/json")
        assert r.status_code == 400 and r.json()["message"], over
    assert not Place.objects.exists()
