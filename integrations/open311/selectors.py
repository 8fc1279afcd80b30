"""Public reads for Open311: what any client may see, with personal data left out."""

import datetime as dt
import re

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from appeals.models import Answer, Appeal, AppealEvent, Category
from appeals.workflow import OPEN_STATES, Action, Channel, Status
from core.crypto import mask_id_number, mask_phone
from core.errors import NotFound, ValidationFailed

from ..models import Open311Attribute, Open311Jurisdiction, Open311Request

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
# Appeals from these channels concern one household's private affairs and are never published.
PRIVATE_CHANNELS = {Channel.MEDIATION, Channel.VISIT}


def resolve_jurisdiction(jurisdiction_id) -> Open311Jurisdiction:
    """The spec: optional when one jurisdiction is served, 400 when needed and missing, 404 when unknown."""
    value = str(jurisdiction_id or "").strip()
    active = Open311Jurisdiction.objects.filter(is_active=True).select_related("street")
    if value:
        jurisdiction = active.filter(jurisdiction_id=value).first()
        if jurisdiction is None:
            raise NotFound(_("jurisdiction_id “%(j)s” was not found.") % {"j": value[:100]}, code="jurisdiction_not_found")
        return jurisdiction
    found = list(active[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound(_("No jurisdiction is served through Open311 yet."), code="jurisdiction_not_found")
    raise ValidationFailed(_("jurisdiction_id was not provided: this endpoint serves several jurisdictions."),
                           code="jurisdiction_required")


def services():
    """Categories a request may be filed under: the active leaves of the tree."""
    return (Category.objects.filter(is_active=True).exclude(children__is_active=True)
            .select_related("parent").prefetch_related("open311_attributes").distinct().order_by("sort", "code"))


def service(code) -> Category:
    category = services().filter(code=str(code or "").strip()).first() if code else None
    if category is None:
        raise NotFound(_("service_code “%(c)s” was not found.") % {"c": str(code or "")[:40]}, code="service_not_found")
    return category


def attributes_of(category) -> list[Open311Attribute]:
    return sorted(category.open311_attributes.all(), key=lambda a: (a.order, a.id))


def published_appeals(jurisdiction: Open311Jurisdiction):
    """Appeals of the jurisdiction's street that Open311 clients may see."""
    qs = Appeal.objects.filter(street_id=jurisdiction.street_id).exclude(channel__in=PRIVATE_CHANNELS)
    if not jurisdiction.publish_all_channels:
        qs = qs.filter(channel=Channel.OPEN311)
    return qs.select_related("category", "lead_unit", "community", "parent", "open311").prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("at", "id"), to_attr="public_answers"),
        Prefetch("events", queryset=AppealEvent.objects.filter(action=Action.REJECT).order_by("at", "id"),
                 to_attr="reject_events"),
    )


def get_request(jurisdiction, service_request_id) -> Appeal:
    appeal = published_appeals(jurisdiction).filter(number=str(service_request_id or "").strip()).first()
    if appeal is None:
        raise NotFound(_("service_request_id “%(id)s” was not found.") % {"id": str(service_request_id)[:40]},
                       code="request_not_found")
    return appeal


def get_token(jurisdiction, token) -> Open311Request:
    found = Open311Request.objects.filter(jurisdiction=jurisdiction, token=str(token or "").strip()).select_related(
        "appeal").first()
    if found is None:
        raise NotFound(_("token “%(t)s” was not found.") % {"t": str(token)[:40]}, code="token_not_found")
    return found


def _when(value, field: str, *, end: bool = False) -> dt.datetime:
    text = str(value).strip()
    parsed = None
    try:
        parsed = parse_datetime(text.replace(" ", "+")) if "T" in text else None  # '+' arrives as a space when unencoded
        if parsed is None and (day := parse_date(text)):
            parsed = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("%(field)s must be a w3 date-time like 2010-01-01T00:00:00Z.") % {"field": field},
                               code="bad_date")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _codes(value) -> list[str]:
    return [c.strip() for c in str(value or "").split(",") if c.strip()]


def open_q(prefix: str = "") -> Q:
    """Open in Open311 terms; a merged appeal is as open as the one it follows."""
    return Q(**{f"{prefix}status__in": OPEN_STATES}) | Q(**{f"{prefix}status": Status.MERGED,
                                                           f"{prefix}parent__status__in": OPEN_STATES})


def search(jurisdiction, params, *, now=None) -> list[Appeal]:
    """GET requests: service_request_id overrides everything; else the last 90 days, up to 1000."""
    now = now or timezone.now()
    qs = published_appeals(jurisdiction)
    ids = _codes(params.get("service_request_id"))
    if ids:
        if len(ids) > MAX_REQUESTS:
            raise ValidationFailed(_("Ask for at most %(n)d service_request_id at once.") % {"n": MAX_REQUESTS},
                                   code="too_many_ids")
        return list(qs.filter(number__in=ids).order_by("-created_at", "-id"))
    codes = _codes(params.get("service_code"))
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {s.lower() for s in _codes(params.get("status"))}
    if statuses - {"open", "closed"}:
        raise ValidationFailed(_("status must be open, closed or both (comma separated)."), code="bad_status")
    if statuses == {"open"}:
        qs = qs.filter(open_q())
    elif statuses == {"closed"}:
        qs = qs.exclude(open_q())
    start = _when(params["start_date"], "start_date") if params.get("start_date") else None
    end = _when(params["end_date"], "end_date", end=True) if params.get("end_date") else None
    if start and end and end < start:
        raise ValidationFailed(_("end_date must not be before start_date."), code="bad_range")
    if start is None and end is None:
        end, start = now, now - dt.timedelta(days=DEFAULT_DAYS)
    elif start is None:
        start = end - dt.timedelta(days=DEFAULT_DAYS)
    elif end is None:
        end = min(now, start + dt.timedelta(days=DEFAULT_DAYS))
    if end - start > dt.timedelta(days=DEFAULT_DAYS):
        raise ValidationFailed(_("start_date and end_date may not span more than %(n)d days.") % {"n": DEFAULT_DAYS},
                               code="range_too_long")
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    return list(qs.order_by("-created_at", "-id")[:MAX_REQUESTS])


_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Free text published to the world keeps no mobile or ID number someone typed into it."""
    text = _ID.sub(lambda m: mask_id_number(m.group(0)), text or "")
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def followed(appeal: Appeal) -> Appeal:
    return appeal.parent if appeal.status == Status.MERGED and appeal.parent_id else appeal


def is_open(appeal: Appeal) -> bool:
    return followed(appeal).status in OPEN_STATES


def status_notes(appeal: Appeal) -> str:
    """The latest public word on the appeal: its answer, why it was not accepted, or where it went."""
    if appeal.status == Status.MERGED and appeal.parent_id:
        return _("Duplicate: merged into request %(n)s.") % {"n": appeal.parent.number}
    if appeal.status == Status.SUSPENDED:
        return _("Suspended for now.")
    answers = getattr(appeal, "public_answers", None)
    if answers is None:
        answers = list(appeal.answers.order_by("at", "id"))
    if appeal.status == Status.REJECTED:
        rejects = getattr(appeal, "reject_events", None)
        if rejects is None:
            rejects = list(appeal.events.filter(action=Action.REJECT).order_by("at", "id"))
        return redact(rejects[-1].note) if rejects else _("Not accepted.")
    if answers:
        return redact(answers[-1].text)
    return ""
