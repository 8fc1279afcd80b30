"""Every write of the service points. Each public function owns its
transaction, locks the place row, checks all input before it saves anything,
and leaves an audit row. Staff edits carry the `version` they saw, so two
people saving one place at once give one winner and one Conflict.

Every function takes `now` (default: the current time) so the demo can replay
the past through the same rules.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import manages_community, user_scopes
from core.audit import audit
from core.db import lock_or_404
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.text import clean_phone, clean_text
from regions.models import Region

from . import hours as H
from .models import Amenity, OpeningHours, Place, PlaceAmenity, PlaceUse, SpecialDay

MAX_AMENITIES = len(Amenity.values)
MAX_USES_PER_DAY = 100_000
SPECIAL_DAY_RANGE = 366 * 2
EDITABLE = ("name", "kind", "region", "address", "lng", "lat", "phone", "contact_name", "description", "is_public",
            "closes_on_holidays", "hours_note", "hours", "amenities")


# ---------------------------------------------------------------- who may

def can_manage(user, region: Region | None) -> bool:
    """Community staff run their community's places; street staff their street's and
    its communities'; admins all."""
    if region is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    scopes = user_scopes(user)
    if scopes.is_admin:
        return True
    if region.level == Region.Level.COMMUNITY:
        return manages_community(user, region)
    if region.level == Region.Level.STREET:
        return region.pk in scopes.regions(Role.STREET_STAFF, Region.Level.STREET)
    return False


def _locked_place(actor, place_id) -> Place:
    place = lock_or_404(Place.objects.select_related("region"), _id(place_id))
    if not can_manage(actor, place.region):
        if place.is_public and place.is_active:
            raise NotAllowed(_("Only the staff of this place's community or street may change it."))
        raise NotFound()
    return place


def _id(value) -> int:
    if isinstance(value, Place):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound()


def _check_version(place: Place, expected) -> None:
    if expected in (None, ""):
        return
    try:
        expected = int(str(expected).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("The version must be a whole number."), code="bad_version")
    if expected != place.version:
        raise Conflict(_("Someone else changed this place while you were editing. Reload it and try again."))


def _now(now) -> dt.datetime:
    return now or timezone.now()


# ---------------------------------------------------------------- input checks

def _region(value) -> Region:
    if isinstance(value, Region):
        region = value
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            raise ValidationFailed(_("Choose the community (or street) the place serves."), code="region_required")
        region = Region.objects.filter(code=text).first()
        if region is None and text.isdigit() and len(text) < 10:
            region = Region.objects.filter(pk=int(text)).first()
        if region is None:
            raise ValidationFailed(_("Unknown community or street."), code="unknown_region")
    if region.level not in (Region.Level.COMMUNITY, Region.Level.STREET):
        raise ValidationFailed(_("A place belongs to a community or to the street, not to a grid."),
                               code="bad_region")
    return region


def _kind(value) -> str:
    text = str(value or "").strip()
    if text not in Place.Kind.values:
        raise ValidationFailed(_("Choose what kind of place this is from the list."), code="bad_kind")
    return text


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "on", "yes", "y")


def _coords(lng, lat) -> tuple[float | None, float | None]:
    if lng in (None, "") and lat in (None, ""):
        return None, None
    if lng in (None, "") or lat in (None, ""):
        raise ValidationFailed(_("Give both longitude and latitude, or pick the place on the map."),
                               code="bad_coordinates")
    from regions.selectors import check_coordinates

    lng_f, lat_f = check_coordinates(lng, lat)
    return round(lng_f, 6), round(lat_f, 6)


def _hours(value) -> dict[int, list[H.Range]]:
    """Seven texts (a list Monday→Sunday, or a dict by weekday 0–6) into checked ranges."""
    if isinstance(value, (list, tuple)):
        if len(value) != 7:
            raise ValidationFailed(_("Give the hours for all seven weekdays, Monday to Sunday."), code="bad_hours")
        value = dict(enumerate(value))
    if not isinstance(value, dict):
        raise ValidationFailed(_("The opening hours are not in a form we can read."), code="bad_hours")
    texts = {}
    for key, text in value.items():
        try:
            day = int(key)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Weekdays are numbered 0 (Monday) to 6 (Sunday)."), code="bad_hours")
        if not 0 <= day <= 6:
            raise ValidationFailed(_("Weekdays are numbered 0 (Monday) to 6 (Sunday)."), code="bad_hours")
        if isinstance(text, (list, tuple)):
            text = ", ".join(str(t) for t in text)
        texts[day] = str(text or "")
    return H.parse_week(texts)


def _amenities(value) -> list[tuple[str, list[H.Range] | None, str]]:
    """Offerings as codes, or {code: own hours text}, or [{"code", "hours", "note"}]."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",") if v.strip()]
    items: list[tuple[str, str, str]] = []
    if isinstance(value, dict):
        items = [(str(k), str(v or ""), "") for k, v in value.items()]
    else:
        for entry in value:
            if isinstance(entry, dict):
                items.append((str(entry.get("code") or ""), str(entry.get("hours") or ""), str(entry.get("note") or "")))
            else:
                items.append((str(entry or ""), "", ""))
    chosen: dict[str, tuple[str, list[H.Range] | None, str]] = {}
    for code, hours_text, note in items:
        code = code.strip()
        if code not in Amenity.values:
            raise ValidationFailed(_("Unknown offering “%(code)s”: choose offerings from the list.") % {"code": code[:32]},
                                   code="unknown_amenity")
        label = str(Amenity(code).label)
        own = None
        if hours_text.strip():
            daily = H.parse_ranges(hours_text, day_label=label)
            own = daily
        chosen[code] = (code, own, clean_text(note, field=_("the note on an offering"), max_length=100))
    if len(chosen) > MAX_AMENITIES:
        raise ValidationFailed(_("Too many offerings."), code="too_many_amenities")
    return list(chosen.values())


def _fields(data: dict, *, partial: bool) -> dict:
    """Check every given field; with `partial`, only those present."""
    out = {}
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(_("Unknown field: %(field)s.") % {"field": sorted(unknown)[0]}, code="unknown_field")

    def given(name):
        return not partial or name in data

    if given("name"):
        out["name"] = clean_text(data.get("name"), field=_("the name"), required=True, min_length=2, max_length=100)
    if given("kind"):
        out["kind"] = _kind(data.get("kind"))
    if given("region"):
        out["region"] = _region(data.get("region"))
    if given("address"):
        out["address"] = clean_text(data.get("address"), field=_("the address"), max_length=200)
    if given("lng") or given("lat"):
        out["lng"], out["lat"] = _coords(data.get("lng"), data.get("lat"))
    if given("phone"):
        out["phone"] = clean_phone(data.get("phone"))
    if given("contact_name"):
        out["contact_name"] = clean_text(data.get("contact_name"), field=_("the contact post"), max_length=64)
    if given("description"):
        out["description"] = clean_text(data.get("description"), field=_("the description"), max_length=2000)
    if given("hours_note"):
        out["hours_note"] = clean_text(data.get("hours_note"), field=_("the note on hours"), max_length=200)
    if given("is_public"):
        out["is_public"] = _bool(data.get("is_public", True))
    if given("closes_on_holidays"):
        out["closes_on_holidays"] = _bool(data.get("closes_on_holidays"))
    if given("hours") and data.get("hours") is not None:
        out["hours"] = _hours(data.get("hours"))
    if given("amenities") and data.get("amenities") is not None:
        out["amenities"] = _amenities(data.get("amenities"))
    return out


def snapshot(place: Place) -> dict:
    """What the audit row keeps of a place (no personal data: the phone is the station's public line)."""
    return {
        "name": place.name, "kind": place.kind, "region": place.region.code if place.region_id else "",
        "address": place.address, "lng": place.lng, "lat": place.lat, "phone": place.phone,
        "contact_name": place.contact_name, "description": place.description[:200], "is_public": place.is_public,
        "is_active": place.is_active, "closes_on_holidays": place.closes_on_holidays, "hours_note": place.hours_note,
        "hours": {str(d): H.fmt_ranges(r) for d, r in sorted(H.week_of(
            [h for h in place.hours.all() if h.amenity_id is None]).items())},
        "amenities": sorted(place.amenities.values_list("amenity", flat=True)),
    }


def _write_hours(place: Place, week: dict[int, list[H.Range]]) -> None:
    OpeningHours.objects.filter(place=place, amenity__isnull=True).delete()
    OpeningHours.objects.bulk_create([OpeningHours(place=place, weekday=d, start_minute=s, end_minute=e)
                                      for d, ranges in week.items() for s, e in ranges])


def _write_amenities(place: Place, amenities) -> None:
    keep = {code for code, _, _ in amenities}
    place.amenities.exclude(amenity__in=keep).delete()
    for code, own, note in amenities:
        pa, _ = PlaceAmenity.objects.update_or_create(place=place, amenity=code, defaults={"note": note})
        OpeningHours.objects.filter(place=place, amenity=pa).delete()
        if own:
            OpeningHours.objects.bulk_create([OpeningHours(place=place, amenity=pa, weekday=d, start_minute=s,
                                                           end_minute=e) for d in range(7) for s, e in own])


def _check_whole(place: Place) -> None:
    if place.is_public and (place.lng is None or place.lat is None):
        raise ValidationFailed(_("A place on the public map needs its location: pick it on the map."),
                               code="location_required")
    clash = Place.objects.filter(region=place.region, name=place.name).exclude(pk=place.pk).exists()
    if clash:
        raise ValidationFailed(_("%(region)s already has a place called “%(name)s”.")
                               % {"region": place.region.name, "name": place.name}, code="duplicate_name")


# ---------------------------------------------------------------- writes

def place_create(*, actor, now=None, **data) -> Place:
    """A new service point with its hours and offerings, in one go."""
    now = _now(now)
    values = _fields(data, partial=False)
    region = values.pop("region")
    if not can_manage(actor, region):
        raise NotAllowed(_("You can add places only in the communities you work for."))
    week = values.pop("hours", None) or {d: [] for d in range(7)}
    amenities = values.pop("amenities", [])
    place = Place(region=region, created_by=actor if getattr(actor, "is_authenticated", False) else None, **values)
    _check_whole(place)
    try:
        with transaction.atomic():
            place.save()
            Place.objects.filter(pk=place.pk).update(created_at=now)
            _write_hours(place, week)
            _write_amenities(place, amenities)
            audit(actor=actor, action="places.create", obj=place, after=snapshot(place))
    except IntegrityError:
        raise ValidationFailed(_("%(region)s already has a place called “%(name)s”.")
                               % {"region": region.name, "name": place.name}, code="duplicate_name")
    place.refresh_from_db()
    return place


def place_update(place_id, *, actor, expected_version=None, now=None, **data) -> Place:
    """Change any of the fields given; `expected_version` (what the editor saw) guards
    against overwriting someone else's change made meanwhile."""
    values = _fields(data, partial=True)
    with transaction.atomic():
        place = _locked_place(actor, place_id)
        _check_version(place, expected_version)
        if "region" in values and values["region"].pk != place.region_id and not can_manage(actor, values["region"]):
            raise NotAllowed(_("You can move places only into the communities you work for."))
        before = snapshot(place)
        week = values.pop("hours", None)
        amenities = values.pop("amenities", None)
        for name, value in values.items():
            setattr(place, name, value)
        _check_whole(place)
        place.version += 1
        place.save()
        if week is not None:
            _write_hours(place, week)
        if amenities is not None:
            _write_amenities(place, amenities)
        after = snapshot(place)
        changed = sorted(k for k in after if after[k] != before[k])
        audit(actor=actor, action="places.update", obj=place, before=before, after=after, fields=changed)
    return place


def place_set_active(place_id, *, actor, active: bool, note: str = "", expected_version=None, now=None) -> Place:
    """Take a place off the map (closed for good, moved) or bring it back; nothing is deleted,
    meetings and mediations that used it keep pointing at it."""
    note = clean_text(note, field=_("the reason"), max_length=500)
    with transaction.atomic():
        place = _locked_place(actor, place_id)
        _check_version(place, expected_version)
        if place.is_active == bool(active):
            raise Conflict(_("This place is already active.") if active else _("This place is already deactivated."),
                           code="unchanged")
        if active:
            _check_whole(place)
        place.is_active = bool(active)
        place.version += 1
        place.save(update_fields=["is_active", "version", "updated_at"])
        audit(actor=actor, action="places.activate" if active else "places.deactivate", obj=place,
              before={"is_active": not place.is_active}, after={"is_active": place.is_active},
              fields=["is_active"], note=note)
    return place


def _date(value, *, now, field_label) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ValidationFailed(_("%(field)s must be a date like 2024-05-01.") % {"field": field_label},
                                   code="bad_date")
    return value


def special_day_set(place_id, *, actor, date, is_closed=True, hours: str = "", note: str = "", now=None) -> SpecialDay:
    """Closed on a date, or open only at special hours that day (replaces an earlier entry)."""
    now = _now(now)
    day = _date(date, now=now, field_label=_("The date"))
    today = timezone.localtime(now).date()
    if day < today - dt.timedelta(days=1):
        raise ValidationFailed(_("The date is in the past."), code="bad_date")
    if day > today + dt.timedelta(days=SPECIAL_DAY_RANGE):
        raise ValidationFailed(_("The date must be within two years."), code="bad_date")
    closed = _bool(is_closed)
    ranges = [] if closed else H.parse_ranges(hours, day_label=day.isoformat())
    if not closed and not ranges:
        raise ValidationFailed(_("Give the special hours, or mark the day as closed."), code="bad_hours")
    note = clean_text(note, field=_("the note"), max_length=100)
    with transaction.atomic():
        place = _locked_place(actor, place_id)
        previous = SpecialDay.objects.filter(place=place, date=day).first()
        before = None if previous is None else {"date": str(day), "is_closed": previous.is_closed,
                                                "ranges": previous.ranges, "note": previous.note}
        special, _created = SpecialDay.objects.update_or_create(
            place=place, date=day, defaults={"is_closed": closed, "ranges": [list(r) for r in ranges], "note": note,
                                             "created_by": actor})
        audit(actor=actor, action="places.special_day", obj=place, before=before,
              after={"date": str(day), "is_closed": closed, "ranges": [list(r) for r in ranges], "note": note},
              fields=["special_days"])
    return special


def special_day_remove(place_id, special_day_id, *, actor, now=None) -> None:
    with transaction.atomic():
        place = _locked_place(actor, place_id)
        special = SpecialDay.objects.filter(place=place, pk=_id(special_day_id)).first()
        if special is None:
            raise NotFound()
        before = {"date": str(special.date), "is_closed": special.is_closed, "ranges": special.ranges,
                  "note": special.note}
        special.delete()
        audit(actor=actor, action="places.special_day_remove", obj=place, before=before, fields=["special_days"])


def use_record(place_id, *, actor, date, count, note: str = "", now=None) -> PlaceUse:
    """How many people the station served that day (replaces the day's earlier count)."""
    now = _now(now)
    day = _date(date, now=now, field_label=_("The date"))
    if day > timezone.localtime(now).date():
        raise ValidationFailed(_("You cannot count visits for a day that has not come yet."), code="bad_date")
    try:
        number = int(str(count).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("The number of people served must be a whole number."), code="bad_count")
    if number < 0 or number > MAX_USES_PER_DAY:
        raise ValidationFailed(_("The number of people served must be between 0 and %(n)d.") % {"n": MAX_USES_PER_DAY},
                               code="bad_count")
    note = clean_text(note, field=_("the note"), max_length=100)
    with transaction.atomic():
        place = _locked_place(actor, place_id)
        previous = PlaceUse.objects.filter(place=place, date=day).first()
        use, _created = PlaceUse.objects.update_or_create(
            place=place, date=day, defaults={"count": number, "note": note, "recorded_by": actor, "recorded_at": now})
        audit(actor=actor, action="places.use", obj=place,
              before=None if previous is None else {"date": str(day), "count": previous.count},
              after={"date": str(day), "count": number}, fields=["uses"])
    return use
