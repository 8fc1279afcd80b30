"""Figures on constructed data, and the demo loader."""

import datetime as dt
import random

import pytest

from places import demo, selectors, services
from places.models import Place, PlaceUse

from .factories import at, make_place

pytestmark = pytest.mark.django_db


def fig(rows):
    return {r["key"]: r["value"] for r in rows}


def test_figures_count_stations_open_now_amenities_and_people_served(world):
    staff = world.users["street_staff"]
    rider = make_place(world, kind=Place.Kind.RIDER_STATION, hours=["24h"] * 7, amenities={"charging": "", "aed": ""})
    make_place(world, community=1, hours=["08:30-12:00"] * 5 + ["", ""], amenities={"water": ""})
    make_place(world, street=True, kind=Place.Kind.PARTY_CENTER, hours=[""] * 7, amenities={})
    gone = make_place(world, community=1)
    services.place_set_active(gone.pk, actor=staff, active=False)
    now = at(2024, 5, 6, 9, 0)  # a Monday morning
    services.use_record(rider.pk, actor=staff, date="2024-05-01", count=30, now=now)
    services.use_record(rider.pk, actor=staff, date="2024-05-05", count=12, now=now)
    all_ = fig(selectors.figures(None, at(2024, 5, 2, 0, 0), at(2024, 5, 6, 0, 0), moment=now))
    assert all_["stations"] == 3 and all_["kind_rider_station"] == 1 and all_["kind_party_center"] == 1
    assert all_["open_now"] == 2 and all_["open_24h"] == 1
    assert all_["amenity_charging"] == 1 and all_["amenity_aed"] == 1 and all_["amenity_water"] == 1
    assert all_["people_served"] == 12
    ids = [c.pk for c in world.communities]
    assert fig(selectors.figures(ids, None, None, moment=now))["stations"] == 3  # the whole street: its centre too
    one = fig(selectors.figures([world.communities[0].pk], None, None, moment=now))
    assert one["stations"] == 1 and one["people_served"] == 42
    none = fig(selectors.figures([world.communities[1].pk], None, None, moment=now))
    assert none["people_served"] is None and none["open_now"] == 1


def test_the_demo_loader_creates_a_realistic_street(world):
    from demo.world import DemoWorld

    dw = DemoWorld(street=world.street, street_staff=world.users["street_staff"],
                   community_staff={world.communities[0].pk: world.users["community_staff"],
                                    world.communities[1].pk: world.users["community_staff_other"]})
    now = at(2024, 5, 6, 10, 0)
    tally = demo.load(dw, random.Random(5), now)
    kinds = set(Place.objects.values_list("kind", flat=True))
    assert {"party_center", "service_station", "rider_station", "deliberation_hall", "mediation_room",
            "civilization_station", "charity_supermarket"} <= kinds
    assert tally["places"] == Place.objects.count() and tally["rider_stations"] == 2
    assert tally["use_days"] == PlaceUse.objects.count() == 60 and tally["special_days"] == 3
    assert Place.objects.filter(hours__start_minute=0, hours__end_minute=1440).distinct().count() == 2
    origin = selectors.origin_for()
    cards = selectors.nearby(origin=origin, moment=now + dt.timedelta(hours=14))  # Monday 00:00
    assert cards[0].status.open_now and cards[0].place.kind == "rider_station"
