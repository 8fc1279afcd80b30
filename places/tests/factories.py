"""Places for tests, built through the real service (so hours and offerings are checked)."""

import datetime as dt
from zoneinfo import ZoneInfo

from places import services
from places.models import Place

TZ = ZoneInfo("Asia/Shanghai")
OFFICE = ["08:30-12:00, 14:00-18:00"] * 5 + ["", ""]


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    """A local (Beijing) moment."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def make_place(world, *, community=0, name=None, kind=Place.Kind.SERVICE_STATION, hours=None, amenities=None,
               offset=(0.0, 0.0), actor=None, street=False, **extra) -> Place:
    region = world.street if street else world.communities[community]
    actor = actor or world.users["street_staff"]
    lng = region.centroid_lng + offset[0]
    lat = region.centroid_lat + offset[1]
    return services.place_create(
        actor=actor, name=name or f"{region.name}服务站{Place.objects.count() + 1}", kind=kind, region=region,
        lng=lng, lat=lat, phone="0473-2012345", hours=hours if hours is not None else OFFICE,
        amenities=amenities if amenities is not None else {"water": "", "rest": ""}, **extra)
