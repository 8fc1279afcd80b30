"""Creating a service request: check everything first, then one appeal enters the loop."""

import datetime as dt
import math
import re
import secrets

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from appeals.services import appeal_submit
from appeals.workflow import Channel
from core.audit import audit
from core.errors import LinliError, ValidationFailed
from core.models import AuditLog
from core.text import clean_phone, clean_text
from regions.models import Building, Estate
from regions.selectors import locate

from ..models import Open311Attribute, Open311Key, Open311Request
from . import selectors


class TooManyRequests(LinliError):
    code = "rate_limited"
    status = 429


def check_rate(key: Open311Key, *, now=None) -> None:
    """A fixed one-minute window per key; counted in the cache, so a restart forgives."""
    now = now or timezone.now()
    limit = key.jurisdiction.posts_per_minute
    bucket = f"open311:posts:{key.key_hash[:16]}:{now:%Y%m%d%H%M}"
    cache.add(bucket, 0, timeout=120)
    try:
        used = cache.incr(bucket)
    except ValueError:
        cache.set(bucket, 1, timeout=120)
        used = 1
    if used > limit:
        raise TooManyRequests(_("Too many requests: this api_key may create %(n)d per minute.") % {"n": limit})


def _float(value, field: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number) or not low <= number <= high:
        raise ValidationFailed(_("%(field)s must be a number between %(low)s and %(high)s.")
                               % {"field": field, "low": low, "high": high}, code="bad_coordinate")
    return number


def _answers(category, given: dict[str, list[str]]) -> dict:
    """attribute[code]=value answers checked against the service definition."""
    definitions = {a.code: a for a in selectors.attributes_of(category)}
    unknown = sorted(set(given) - set(definitions))
    if unknown:
        raise ValidationFailed(_("Unknown attribute for this service: %(codes)s.") % {"codes": ", ".join(unknown)[:200]},
                               code="unknown_attribute")
    answers = {}
    for code, attr in definitions.items():
        values = [str(v).strip() for v in given.get(code, []) if str(v).strip()]
        if not values:
            if attr.required:
                raise ValidationFailed(_("attribute[%(code)s] is required: %(question)s")
                                       % {"code": code, "question": attr.description}, code="attribute_required")
            continue
        keys = {str(v.get("key")) for v in attr.values}
        if attr.datatype == Open311Attribute.Datatype.MULTI:
            bad = [v for v in values if v not in keys]
            if bad:
                raise ValidationFailed(_("attribute[%(code)s] has a value not in its list: %(v)s.")
                                       % {"code": code, "v": bad[0][:40]}, code="bad_attribute")
            answers[code] = values
            continue
        if len(values) > 1:
            raise ValidationFailed(_("attribute[%(code)s] takes one value.") % {"code": code}, code="bad_attribute")
        value = values[0]
        if attr.datatype == Open311Attribute.Datatype.SINGLE and value not in keys:
            raise ValidationFailed(_("attribute[%(code)s] has a value not in its list: %(v)s.")
                                   % {"code": code, "v": value[:40]}, code="bad_attribute")
        if attr.datatype == Open311Attribute.Datatype.NUMBER and not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise ValidationFailed(_("attribute[%(code)s] must be a number.") % {"code": code}, code="bad_attribute")
        if attr.datatype == Open311Attribute.Datatype.DATETIME:
            try:
                ok = parse_datetime(value) is not None
            except ValueError:
                ok = False
            if not ok:
                raise ValidationFailed(_("attribute[%(code)s] must be a date-time like 2010-01-01T00:00:00Z.")
                                       % {"code": code}, code="bad_attribute")
        limit = 4000 if attr.datatype == Open311Attribute.Datatype.TEXT else 200
        answers[code] = clean_text(value, field=f"attribute[{code}]", max_length=limit)
    return answers


def _answer_lines(category, answers: dict) -> list[str]:
    lines = []
    for attr in selectors.attributes_of(category):
        if attr.code in answers:
            names = {str(v.get("key")): v.get("name") for v in attr.values}
            given = answers[attr.code] if isinstance(answers[attr.code], list) else [answers[attr.code]]
            lines.append(f"{attr.description}: {', '.join(str(names.get(v, v)) for v in given)}")
    return lines


def _place(jurisdiction, *, lat, lng, address_id, address_string) -> dict:
    """Where the problem is, inside the jurisdiction's street: coordinates, a building id, or an address we can match."""
    street = jurisdiction.street
    if lat not in (None, "") or lng not in (None, ""):
        if lat in (None, "") or lng in (None, ""):
            raise ValidationFailed(_("lat and long must be sent together."), code="bad_coordinate")
        lat_f, lng_f = _float(lat, "lat", -90, 90), _float(lng, "long", -180, 180)
        grid = locate(lng_f, lat_f)
        if grid.parent is None or grid.parent.parent_id != street.pk:
            raise ValidationFailed(_("This place is outside jurisdiction “%(j)s”.") % {"j": jurisdiction.jurisdiction_id},
                                   code="outside_jurisdiction")
        return {"lng": lng_f, "lat": lat_f}
    buildings = Building.objects.filter(grid__path__startswith=street.path).select_related("estate")
    if address_id not in (None, ""):
        building = buildings.filter(pk=address_id).first() if str(address_id).strip().isdigit() else None
        if building is None:
            raise ValidationFailed(_("address_id “%(a)s” is not a building in this jurisdiction.") % {"a": str(address_id)[:40]},
                                   code="unknown_address")
        return {"building_id": building.pk}
    if address_string:
        for estate in Estate.objects.filter(community__parent=street).order_by("-name"):
            if estate.name and estate.name in address_string:
                rest = address_string.split(estate.name, 1)[1]
                number = re.search(r"(\d+)\s*(?:号楼|栋|幢|号|#)?", rest)
                in_estate = [b for b in buildings if b.estate_id == estate.pk]
                if number:
                    match = [b for b in in_estate if b.number.rstrip("号楼栋幢#") == number.group(1)]
                    if match:
                        return {"building_id": match[0].pk}
                grids = {b.grid.code for b in in_estate}
                if len(grids) == 1:
                    return {"grid_code": grids.pop()}
        raise ValidationFailed(_("We could not place this address_string in a grid: send lat and long instead."),
                               code="address_not_found")
    raise ValidationFailed(_("Give the location: lat and long, address_string or address_id."), code="no_location")


def create_request(*, jurisdiction, key: Open311Key, data, attributes: dict[str, list[str]],
                   now: dt.datetime | None = None) -> Open311Request:
    """POST requests: validate the whole request, then submit one appeal with channel open311.
    Grid workers hear of it as of any appeal; nothing is written if anything is wrong."""
    now = now or timezone.now()
    code = str(data.get("service_code") or "").strip()
    if not code:
        raise ValidationFailed(_("service_code was not provided."), code="service_code_required")
    category = selectors.service(code)
    answers = _answers(category, attributes)
    description = clean_text(data.get("description"), field="description", max_length=4000)
    address_string = clean_text(data.get("address_string"), field="address_string", max_length=200)
    place = _place(jurisdiction, lat=data.get("lat"), lng=data.get("long"), address_id=data.get("address_id"),
                   address_string=address_string)
    email = str(data.get("email") or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise ValidationFailed(_("email is not a valid e-mail address."), code="bad_email")
    media_url = str(data.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
            if len(media_url) > 500:
                raise ValidationError("long")
        except ValidationError:
            raise ValidationFailed(_("media_url must be an http or https URL of at most 500 characters."), code="bad_media_url")
    first_name = clean_text(data.get("first_name"), field="first_name", max_length=30)
    last_name = clean_text(data.get("last_name"), field="last_name", max_length=30)
    phone = clean_phone(data.get("phone"))
    device_id = clean_text(data.get("device_id"), field="device_id", max_length=100)
    account_id = clean_text(data.get("account_id"), field="account_id", max_length=100)

    lines = _answer_lines(category, answers)
    content = "\n".join([description or _("Reported through Open311: %(service)s") % {"service": category.name}] + lines)
    if len(content) < 5:
        content = _("Reported through Open311: %(service)s") % {"service": category.name} + ("\n" + content if content else "")
    reporter = (last_name + first_name) if re.search(r"[\u4e00-\u9fff]", last_name + first_name) else \
        " ".join(p for p in (first_name, last_name) if p)
    with transaction.atomic():
        appeal = appeal_submit(actor=key.account, title=(description or category.name)[:30], content=content[:4000],
                               category=category, channel=Channel.OPEN311, address=address_string,
                               reporter_name=reporter[:64], reporter_phone=phone, now=now, **place)
        request = Open311Request.objects.create(
            appeal=appeal, jurisdiction=jurisdiction, key=key, token=secrets.token_hex(10), description=description,
            address_string=address_string, address_id=str(data.get("address_id") or "")[:40], media_url=media_url,
            attributes=answers, email=email, first_name=first_name, last_name=last_name, device_id=device_id,
            account_id=account_id, created_at=now)
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
        audit(actor=key.account, action=AuditLog.Action.CREATE, obj=appeal,
              after={"channel": Channel.OPEN311, "service_code": code, "token": request.token, "key": key.prefix},
              note="open311")
    return request
