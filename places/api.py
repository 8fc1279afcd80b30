"""Service points over HTTP. The list and a place are public (the same data as
the public map page); writes are for the staff who run the place."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from core.api import Pagination, errors

from . import hours as H
from . import selectors, services
from .schemas import (
    PlaceDetailOut,
    PlaceFilters,
    PlaceIn,
    PlaceOut,
    PlacePatch,
    SpecialDayIn,
    SpecialDayOut,
    UseIn,
    UseOut,
)

router = Router(tags=["places"])


def _out(c: selectors.Card, *, detail: bool = False) -> dict:
    place = c.place
    data = {
        "id": place.pk, "name": place.name, "kind": place.kind, "kind_label": str(place.get_kind_display()),
        "community": place.region.name, "region_code": place.region.code, "address": place.address,
        "lng": place.lng, "lat": place.lat, "phone": place.phone, "contact_name": place.contact_name,
        "open_now": c.status.open_now, "status": c.status.label, "state": c.status.state,
        "changes_at": c.status.changes_at.isoformat() if c.status.changes_at else None,
        "distance_m": round(c.distance_m) if c.distance_m is not None else None,
        "offers": [{"code": o.code, "label": o.label, "available_now": o.available, "own_hours": o.own_hours,
                    "note": o.note} for o in c.offers],
    }
    if detail:
        data.update({
            "description": place.description, "hours_note": place.hours_note,
            "closes_on_holidays": place.closes_on_holidays, "is_active": place.is_active,
            "is_public": place.is_public, "version": place.version,
            "week": [{"weekday": i, "name": name, "hours": text}
                     for i, (name, text) in enumerate(selectors.weekly_table(place))],
        })
    return data


@router.get("/places", auth=None, response={200: list[PlaceOut], **errors(400, authed=False)},
            summary="Service stations, nearest first (public)")
@paginate(Pagination)
def list_places(request: HttpRequest, filters: Query[PlaceFilters]):
    """Public stations with what they offer now. With `lng` and `lat` they are sorted by
    distance from there; else from the centre of `community`, else of the street."""
    lng, lat = filters.lng, filters.lat
    origin = selectors.origin_for(lng, lat, filters.community.strip())
    cards = selectors.nearby(origin=origin, open_now=filters.open_now, amenity=filters.amenity or "",
                             kind=filters.kind or "", limit=None)
    return [_out(c) for c in cards]


@router.get("/places/{int:place_id}", auth=None, response={200: PlaceDetailOut, **errors(404, authed=False)},
            summary="One service station (public)")
def get_place(request: HttpRequest, place_id: int):
    now = timezone.now()
    return _out(selectors.card(selectors.get_public(place_id, now), now), detail=True)


def _managed_out(request, place_id) -> dict:
    now = timezone.now()
    place = selectors.get_manageable(request.auth, place_id)
    return _out(selectors.card(place, now), detail=True)


def _data(payload, *, partial: bool) -> dict:
    data = payload.model_dump(exclude_unset=partial)
    data.pop("expected_version", None)
    if partial:  # null means "leave it", except for the location, which may be cleared
        data = {k: v for k, v in data.items() if v is not None or k in ("lng", "lat")}
    if data.get("amenities") is not None:
        data["amenities"] = [dict(a) for a in data["amenities"]]
    return data


@router.post("/places", response={201: PlaceDetailOut, **errors(400)}, summary="Add a service point (staff)")
def create_place(request: HttpRequest, payload: PlaceIn):
    place = services.place_create(actor=request.auth, **_data(payload, partial=False))
    return Status(201, _managed_out(request, place.pk))


@router.patch("/places/{int:place_id}", response={200: PlaceDetailOut, **errors(400, 404, 409)},
              summary="Change a service point (staff)")
def update_place(request: HttpRequest, place_id: int, payload: PlacePatch):
    """Send only what changes. 409 when `expected_version` is not the place's current one."""
    services.place_update(place_id, actor=request.auth, expected_version=payload.expected_version,
                          **_data(payload, partial=True))
    return _managed_out(request, place_id)


@router.post("/places/{int:place_id}/special-days", response={201: SpecialDayOut, **errors(400, 404)},
             summary="Close a place on a date, or set special hours (staff)")
def add_special_day(request: HttpRequest, place_id: int, payload: SpecialDayIn):
    day = services.special_day_set(place_id, actor=request.auth, **payload.model_dump())
    return Status(201, {"id": day.pk, "date": day.date.isoformat(), "is_closed": day.is_closed,
                        "hours": H.fmt_ranges([] if day.is_closed else day.ranges), "note": day.note})


@router.post("/places/{int:place_id}/uses", response={201: UseOut, **errors(400, 404)},
             summary="Record how many people a station served on a day (staff)")
def record_use(request: HttpRequest, place_id: int, payload: UseIn):
    use = services.use_record(place_id, actor=request.auth, **payload.model_dump())
    return Status(201, {"date": use.date.isoformat(), "count": use.count, "note": use.note})
