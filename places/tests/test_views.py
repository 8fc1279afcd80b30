"""The pages: public ones without login, staff ones scoped, errors shown (never a 500), input kept."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from places.models import Place

from .factories import make_place

pytestmark = pytest.mark.django_db


def test_the_public_page_works_without_login_and_without_a_location(client, world):
    place = make_place(world, amenities={"charging": "", "water": ""})
    r = client.get(reverse("places:nearby"))
    assert r.status_code == 200
    assert f'data-place="{place.pk}"'.encode() in r.content and b'data-amenity="charging"' in r.content
    assert b'data-located="0"' in r.content and b"places-map-data" in r.content
    assert b"0473-2012345" in r.content


def test_location_filters_and_community_fallback(client, world):
    near = make_place(world, amenities={"charging": ""}, offset=(0.001, 0))
    far = make_place(world, community=1, amenities={"water": ""}, offset=(0.004, 0))
    c = world.communities[1]
    r = client.get(reverse("places:nearby"), {"community": c.code})
    assert r.status_code == 200
    r = client.get(reverse("places:nearby"), {"lng": c.centroid_lng, "lat": c.centroid_lat, "amenity": "water"})
    assert b'data-located="1"' in r.content
    assert f'data-place="{far.pk}"'.encode() in r.content and f'data-place="{near.pk}"'.encode() not in r.content


@pytest.mark.parametrize("params", [
    {"lng": "abc", "lat": "1"}, {"lng": "2.35", "lat": "48.85"}, {"amenity": "jacuzzi"}, {"kind": "castle"},
    {"community": "nope"},
])
def test_bad_public_input_gets_a_message_not_a_500(client, world, params):
    make_place(world)
    r = client.get(reverse("places:nearby"), params)
    assert r.status_code == 400 and b'id="form-error"' in r.content and b'data-place="' in r.content


def test_the_public_detail_page_and_hidden_places(client, world):
    place = make_place(world)
    r = client.get(reverse("places:detail", args=[place.pk]))
    assert r.status_code == 200 and b'id="hours"' in r.content
    Place.objects.filter(pk=place.pk).update(is_active=False)
    assert client.get(reverse("places:detail", args=[place.pk])).status_code == 404
    client.force_login(world.users["community_staff"])
    assert client.get(reverse("places:detail", args=[place.pk])).status_code == 200  # staff preview


def test_staff_pages_are_for_staff(client, world):
    assert client.get(reverse("places:manage")).status_code == 302  # to log in
    client.force_login(world.users["resident"])
    assert client.get(reverse("places:manage")).status_code == 403
    assert client.get(reverse("places:create")).status_code == 403
    other = make_place(world, community=1, actor=world.users["street_staff"])
    client.force_login(world.users["community_staff"])
    assert client.get(reverse("places:manage")).status_code == 200
    assert client.get(reverse("places:edit", args=[other.pk])).status_code == 404


def form_data(world, **over):
    data = {"name": "长青社区红色驿站", "kind": "rider_station", "region": world.communities[0].code,
            "lng": "106.805", "lat": "39.665", "phone": "0473-2012345", "is_public": "on",
            "amenities": ["water", "heating_food"], "amenity_hours_heating_food": "11:00-13:00"}
    data.update({f"hours_{d}": "24h" for d in range(7)})
    data.update(over)
    return data


def test_create_and_edit_through_the_forms(client, world):
    client.force_login(world.users["community_staff"])
    r = client.post(reverse("places:create"), form_data(world))
    place = Place.objects.get(name="长青社区红色驿站")
    assert r.status_code == 302 and r.url == reverse("places:edit", args=[place.pk])
    assert client.get(r.url).status_code == 200
    r = client.post(reverse("places:edit", args=[place.pk]), form_data(world, hours_0="09:00-10:00", version="0"))
    assert r.status_code == 302
    place.refresh_from_db()
    assert place.version == 1 and place.hours.filter(weekday=0, amenity__isnull=True).count() == 1


def test_bad_form_input_is_shown_kept_and_saves_nothing(client, world):
    client.force_login(world.users["community_staff"])
    r = client.post(reverse("places:create"), form_data(world, hours_2="08:00-12:00, 11:00-14:00"))
    assert r.status_code == 400 and b'id="form-error"' in r.content
    assert b'value="08:00-12:00, 11:00-14:00"' in r.content and not Place.objects.exists()
    r = client.post(reverse("places:create"), form_data(world, lng="2.35", lat="48.85"))
    assert r.status_code == 400 and not Place.objects.exists()
    place = make_place(world, actor=world.users["community_staff"])
    r = client.post(reverse("places:edit", args=[place.pk]), form_data(world, version="7"))
    assert r.status_code == 409 and b'id="form-error"' in r.content


def test_exceptions_counts_and_deactivation_from_the_edit_page(client, world):
    staff = world.users["community_staff"]
    place = make_place(world, actor=staff)
    client.force_login(staff)
    r = client.post(reverse("places:special_day", args=[place.pk]), {"date": "not a date", "is_closed": "1"})
    assert r.status_code == 302 and not place.special_days.exists()
    r = client.post(reverse("places:special_day", args=[place.pk]), {"date": "2099-01-01", "is_closed": "1"})
    assert not place.special_days.exists()  # too far ahead: refused with a message
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    client.post(reverse("places:special_day", args=[place.pk]), {"date": today, "is_closed": "1", "note": "检修"})
    day = place.special_days.get()
    assert client.get(reverse("places:edit", args=[place.pk])).status_code == 200
    client.post(reverse("places:special_day_remove", args=[place.pk, day.pk]))
    assert not place.special_days.exists()
    client.post(reverse("places:use", args=[place.pk]), {"date": today, "count": "12"})
    assert place.uses.get().count == 12
    client.post(reverse("places:use", args=[place.pk]), {"date": today, "count": "lots"})
    assert place.uses.get().count == 12
    client.post(reverse("places:set_active", args=[place.pk, "deactivate"]), {"note": "搬迁"})
    place.refresh_from_db()
    assert not place.is_active and AuditLog.objects.filter(action="places.deactivate").exists()
    assert client.post(reverse("places:set_active", args=[place.pk, "explode"])).status_code == 404
    assert client.get(reverse("places:set_active", args=[place.pk, "activate"])).status_code == 405
