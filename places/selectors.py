"""Reads of the service points: the public map's nearest stations, the staff's
places, and the figures."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import managed_communities, user_scopes
from core.errors import NotFound, ValidationFailed
from regions.models import Region

from . import hours as H
from .geo import format_distance, haversine_m
from .models import AMENITY_ICONS, Amenity, Place, PlaceAmenity, PlaceUse, SpecialDay

NEARBY_LIMIT = 50


def _with_schedule(qs, moment: dt.datetime | None = None):
    today = timezone.localtime(moment or timezone.now()).date()
    return qs.select_related("region").prefetch_related(
        "hours",
        Prefetch("special_days", queryset=SpecialDay.objects.filter(
            date__gte=today - dt.timedelta(days=2), date__lte=today + dt.timedelta(days=H.HORIZON_DAYS + 1))),
        Prefetch("amenities", queryset=PlaceAmenity.objects.select_related("place")),
    )


def public_places(moment: dt.datetime | None = None):
    return _with_schedule(Place.objects.filter(is_public=True, is_active=True), moment)


def get_public(place_id, moment: dt.datetime | None = None) -> Place:
    place = public_places(moment).filter(pk=place_id).first()
    if place is None:
        raise NotFound()
    return place


# ---------------------------------------------------------------- a place now

@dataclass
class Offer:
    code: str
    label: str
    icon: str
    note: str
    available: bool
    own_hours: str  # "" when the offering follows the place's hours


@dataclass
class Card:
    place: Place
    status: H.Status
    offers: list[Offer]
    distance_m: float | None = None
    week: list[tuple[str, str]] = field(default_factory=list)

    @property
    def distance(self) -> str:
        return format_distance(self.distance_m)

    @property
    def offers_now(self) -> list[Offer]:
        return [o for o in self.offers if o.available]


def amenity_label(code: str) -> str:
    return str(Amenity(code).label) if code in Amenity.values else code


def card(place: Place, moment: dt.datetime, *, origin: tuple[float, float] | None = None,
         holidays: frozenset | None = None) -> Card:
    """What the public sees of a place at `moment`: open or not, and what it offers right now."""
    schedule = H.schedule_for(place, moment, holidays=holidays)
    status = H.status(schedule, moment)
    offers = []
    for pa in place.amenities.all():
        own = H.amenity_schedule(pa)
        available = status.open_now and (own is None or H.is_open(own, moment))
        own_text = H.fmt_ranges(own.weekly.get(0, ())) if own is not None else ""
        offers.append(Offer(code=pa.amenity, label=amenity_label(pa.amenity), icon=AMENITY_ICONS.get(pa.amenity, "•"),
                            note=pa.note, available=available, own_hours=own_text))
    distance = None
    if origin is not None and place.lng is not None and place.lat is not None:
        distance = haversine_m(origin[0], origin[1], place.lng, place.lat)
    return Card(place=place, status=status, offers=offers, distance_m=distance)


def weekly_table(place: Place) -> list[tuple[str, str]]:
    week = H.week_of([h for h in place.hours.all() if h.amenity_id is None])
    return [(H.weekday_name(d), H.fmt_ranges(week.get(d, ()))) for d in range(7)]


def upcoming_special_days(place: Place, moment: dt.datetime) -> list[SpecialDay]:
    today = timezone.localtime(moment).date()
    return list(SpecialDay.objects.filter(place=place, date__gte=today).order_by("date")[:20])


def _holidays_for(places, moment) -> frozenset:
    if not any(p.closes_on_holidays for p in places):
        return frozenset()
    today = timezone.localtime(moment).date()
    return H.holidays_between(today - dt.timedelta(days=1), today + dt.timedelta(days=H.HORIZON_DAYS))


# ---------------------------------------------------------------- the nearest stations

@dataclass
class Origin:
    lng: float
    lat: float
    source: str  # "you" (coordinates given), "community" (its centre) or "street" (the street's centre)
    label: str


def default_street() -> Region | None:
    """The street whose places the public page shows when nobody says where they are."""
    street_ids = Place.objects.filter(is_public=True, is_active=True).values_list("region__parent_id", "region_id",
                                                                                "region__level")
    for parent_id, region_id, level in street_ids:
        street_id = region_id if level == Region.Level.STREET else parent_id
        street = Region.objects.filter(pk=street_id, level=Region.Level.STREET).first()
        if street is not None:
            return street
    return Region.objects.filter(level=Region.Level.STREET).order_by("code").first()


def origin_for(lng=None, lat=None, community: str = "") -> Origin | None:
    """Where distances are measured from: the given point, else a chosen community's
    centre, else the street's. Bad coordinates are refused with a clear message."""
    from regions.selectors import check_coordinates

    if lng not in (None, "") or lat not in (None, ""):
        lng_f, lat_f = check_coordinates(lng, lat)
        return Origin(lng_f, lat_f, "you", _("your location"))
    if community:
        region = Region.objects.filter(code=str(community)[:20], level=Region.Level.COMMUNITY).first()
        if region is None:
            raise ValidationFailed(_("Unknown community."), code="unknown_community")
        if region.centroid_lng is not None:
            return Origin(region.centroid_lng, region.centroid_lat, "community", region.name)
    street = default_street()
    if street is not None and street.centroid_lng is not None:
        return Origin(street.centroid_lng, street.centroid_lat, "street", street.name)
    return None


def nearby(*, origin: Origin | None, open_now: bool = False, amenity: str = "", kind: str = "",
           moment: dt.datetime | None = None, limit: int | None = NEARBY_LIMIT) -> list[Card]:
    """Public stations nearest first; `open_now` keeps the open ones, `amenity` those that
    offer it (available now, when `open_now` is set too)."""
    moment = moment or timezone.now()
    if amenity and amenity not in Amenity.values:
        raise ValidationFailed(_("Unknown offering: choose one from the list."), code="unknown_amenity")
    if kind and kind not in Place.Kind.values:
        raise ValidationFailed(_("Unknown kind of place: choose one from the list."), code="bad_kind")
    qs = public_places(moment)
    if kind:
        qs = qs.filter(kind=kind)
    if amenity:
        qs = qs.filter(amenities__amenity=amenity).distinct()
    places = list(qs)
    holidays = _holidays_for(places, moment)
    point = (origin.lng, origin.lat) if origin is not None else None
    cards = [card(p, moment, origin=point, holidays=holidays) for p in places]
    if open_now:
        cards = [c for c in cards if c.status.open_now]
        if amenity:
            cards = [c for c in cards if any(o.code == amenity and o.available for o in c.offers)]
    # Open stations first (a rider needs one now), each group nearest first.
    cards.sort(key=lambda c: (not c.status.open_now, c.distance_m is None, c.distance_m or 0, c.place.name))
    return cards[:limit] if limit else cards


def public_communities():
    return Region.objects.filter(level=Region.Level.COMMUNITY, pk__in=Place.objects.filter(
        is_public=True, is_active=True).values("region_id")).order_by("code")


# ---------------------------------------------------------------- staff

def managed_regions(user):
    """Communities and streets whose places this user runs."""
    scopes = user_scopes(user)
    streets = Region.objects.filter(level=Region.Level.STREET)
    if not scopes.is_admin:
        streets = streets.filter(pk__in=scopes.regions(Role.STREET_STAFF, Region.Level.STREET))
    return Region.objects.filter(Q(pk__in=managed_communities(user).values("pk")) | Q(pk__in=streets.values("pk"))
                                 ).order_by("code")


def is_place_staff(user) -> bool:
    return bool(user and user.is_authenticated and managed_regions(user).exists())


def manageable_places(user):
    return Place.objects.filter(region__in=managed_regions(user)).select_related("region").prefetch_related(
        "amenities", "hours", "special_days")


def get_manageable(user, place_id) -> Place:
    place = manageable_places(user).filter(pk=place_id).first()
    if place is None:
        raise NotFound()
    return place


def filter_places(qs, *, region: str = "", kind: str = "", state: str = "", q: str = ""):
    if region:
        qs = qs.filter(region__code=region)
    if kind in Place.Kind.values:
        qs = qs.filter(kind=kind)
    if state == "active":
        qs = qs.filter(is_active=True)
    elif state == "inactive":
        qs = qs.filter(is_active=False)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    return qs.order_by("region__code", "kind", "name")


def recent_uses(place: Place, limit: int = 14) -> list[PlaceUse]:
    return list(PlaceUse.objects.filter(place=place).order_by("-date")[:limit])


def week_texts(place: Place) -> dict[int, str]:
    """The weekly hours as the edit form shows them, one text per weekday."""
    week = H.week_of([h for h in place.hours.all() if h.amenity_id is None])
    return {d: _ranges_input(week.get(d, ())) for d in range(7)}


def _ranges_input(ranges) -> str:
    if tuple(ranges) == ((0, H.DAY),):
        return "24h"
    return ", ".join(f"{H.fmt_minute(s)}-{H.fmt_minute(e) if e else '24:00'}" for s, e in ranges)


def amenity_texts(place: Place) -> dict[str, str]:
    """Offered codes → their own hours as typed ("" = the place's hours)."""
    out = {}
    for pa in place.amenities.all():
        own = H.amenity_schedule(pa)
        out[pa.amenity] = _ranges_input(own.weekly.get(0, ())) if own is not None else ""
    return out


# ---------------------------------------------------------------- figures

KEY_AMENITIES = (Amenity.CHARGING, Amenity.HEATING_FOOD, Amenity.WATER, Amenity.AED)
KIND_FIGURES = {
    Place.Kind.PARTY_CENTER: gettext_lazy("Party and public service centres"),
    Place.Kind.SERVICE_STATION: gettext_lazy("Party and public service stations"),
    Place.Kind.RIDER_STATION: gettext_lazy("Red posts for riders and outdoor workers"),
    Place.Kind.CIVILIZATION_STATION: gettext_lazy("Civilization practice stations"),
    Place.Kind.DELIBERATION_HALL: gettext_lazy("Deliberation halls"),
    Place.Kind.MEDIATION_ROOM: gettext_lazy("Mediation rooms"),
    Place.Kind.CHARITY_SUPERMARKET: gettext_lazy("Charity supermarkets"),
    Place.Kind.OTHER: gettext_lazy("Other service points"),
}


def _places_in(community_ids) -> "Q":
    """Community places of those communities, plus a street's own places when all its communities are in."""
    if community_ids is None:
        return Q()
    ids = set(community_ids)
    streets = []
    for street_id in Region.objects.filter(pk__in=ids).values_list("parent_id", flat=True).distinct():
        children = set(Region.objects.filter(parent_id=street_id, level=Region.Level.COMMUNITY)
                       .values_list("pk", flat=True))
        if children and children <= ids:
            streets.append(street_id)
    return Q(region_id__in=ids) | Q(region_id__in=streets)


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None,
            *, moment: dt.datetime | None = None) -> list[dict]:
    """The places part of the figures page: stations now (a state, not a flow) and people served in the period."""
    moment = moment or timezone.now()
    active = Place.objects.filter(_places_in(community_ids), is_active=True)
    rows = [{"key": "stations", "label": _("Service points"), "value": active.count(),
             "definition": _("Active service points (服务阵地) of every kind, public or not.")}]
    counts: dict[str, int] = {}
    for kind in active.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    for kind, label in KIND_FIGURES.items():
        rows.append({"key": f"kind_{kind}", "label": str(label), "value": counts.get(kind, 0),
                     "definition": _("Active service points of this kind.")})
    public = list(_with_schedule(active.filter(is_public=True), moment))
    holidays = _holidays_for(public, moment)
    cards = [card(p, moment, holidays=holidays) for p in public]
    rows.append({"key": "open_now", "label": _("Stations open now"), "value": sum(c.status.open_now for c in cards),
                 "definition": _("Public stations open at the moment the page was drawn.")})
    rows.append({"key": "open_24h", "label": _("Stations open around the clock"),
                 "value": sum(c.status.state == "open_24h" for c in cards),
                 "definition": _("Public stations open now with no closing time in the next two weeks.")})
    for code in KEY_AMENITIES:
        rows.append({"key": f"amenity_{code}", "label": _("Stations offering: %(what)s") % {"what": amenity_label(code)},
                     "value": sum(any(o.code == code for o in c.offers) for c in cards),
                     "definition": _("Public stations that list this offering.")})
    uses = PlaceUse.objects.filter(place__in=Place.objects.filter(_places_in(community_ids)))
    if start is not None:
        uses = uses.filter(date__gte=timezone.localtime(start).date())
    if end is not None:
        last = timezone.localtime(end)
        uses = uses.filter(date__lt=last.date()) if last.time() == dt.time(0) else uses.filter(date__lte=last.date())
    total = uses.aggregate(n=Sum("count"))["n"]
    rows.append({"key": "people_served", "label": _("People served at stations"), "value": total,
                 "definition": _("Sum of the daily counts staff entered for the stations in the period "
                                 "(no value when none were entered).")})
    return rows
