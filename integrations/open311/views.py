"""GeoReport v2 endpoints. Thin: resolve the jurisdiction, read through selectors, write
through services, and turn every LinliError into the spec's list of {code, description}."""

import functools
import re

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.errors import LinliError, NotFound, ValidationFailed

from . import selectors, serializers, services
from .keys import authenticate

FORMATS = ("xml", "json")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def endpoint(methods=("GET",)):
    """Format check, method check, GET rate limit per address, and errors in the spec's shape."""
    def wrap(view):
        @functools.wraps(view)
        def inner(request, fmt, **kwargs):
            if fmt not in FORMATS:
                return serializers.render_errors("xml", [(404, _("Unknown format “%(f)s”: use xml or json.") % {"f": fmt[:10]})],
                                                 status=404)
            if request.method not in methods:
                response = serializers.render_errors(fmt, [(405, _("Method not allowed."))], status=405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                if request.method == "GET":
                    _check_get_rate(request)
                return view(request, fmt, **kwargs)
            except LinliError as e:
                return serializers.render_errors(fmt, [(e.status, e.message)], status=e.status)
        return csrf_exempt(inner)
    return wrap


def _check_get_rate(request) -> None:
    limit = getattr(settings, "OPEN311_GETS_PER_MINUTE", 600)
    address = request.META.get("REMOTE_ADDR", "")
    bucket = f"open311:gets:{address}:{timezone.now():%Y%m%d%H%M}"
    cache.add(bucket, 0, timeout=120)
    try:
        used = cache.incr(bucket)
    except ValueError:
        used = 1
    if used > limit:
        raise services.TooManyRequests(_("Too many requests from this address: at most %(n)d per minute.") % {"n": limit})


def _jurisdiction(request):
    params = request.POST if request.method == "POST" else request.GET
    return selectors.resolve_jurisdiction(params.get("jurisdiction_id") or request.GET.get("jurisdiction_id"))


@endpoint()
def discovery(request, fmt):
    jurisdictions = list(selectors.Open311Jurisdiction.objects.filter(is_active=True).order_by("jurisdiction_id"))
    first = jurisdictions[0] if len(jurisdictions) == 1 else None
    changed = max((j.changed_at for j in jurisdictions), default=None)
    base = request.build_absolute_uri(reverse("open311:discovery", args=["xml"])).rsplit("/", 1)[0]
    return serializers.render(fmt, "discovery", {
        "changeset": serializers.w3(changed),
        "contact": (first.contact if first else "") or _("Contact your street office."),
        "key_service": (first.key_service if first else "") or _("Ask your street office for an API key."),
        "endpoints": [{"specification": serializers.SPEC_URL, "url": base, "changeset": serializers.w3(changed),
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    })


@endpoint()
def service_list(request, fmt):
    jurisdiction = _jurisdiction(request)
    return serializers.render(fmt, "services", [serializers.service_dict(c, jurisdiction) for c in selectors.services()])


@endpoint()
def service_definition(request, fmt, service_code):
    _jurisdiction(request)
    category = selectors.service(service_code)
    return serializers.render(fmt, "service_definition", serializers.definition_dict(category))


@endpoint(methods=("GET", "POST"))
def requests(request, fmt):
    jurisdiction = _jurisdiction(request)
    if request.method == "POST":
        return _create(request, fmt, jurisdiction)
    appeals = selectors.search(jurisdiction, request.GET)
    return serializers.render(fmt, "service_requests", [serializers.request_dict(a, jurisdiction) for a in appeals])


def _create(request, fmt, jurisdiction):
    key = authenticate(request.POST.get("api_key") or request.GET.get("api_key"), jurisdiction)
    services.check_rate(key)
    attributes: dict[str, list[str]] = {}
    for name, values in request.POST.lists():
        match = _ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).extend(values)
        elif name.startswith("attribute"):
            raise ValidationFailed(_("Send attributes as attribute[code]=value."), code="bad_attribute")
    created = services.create_request(jurisdiction=jurisdiction, key=key, data=request.POST, attributes=attributes)
    if jurisdiction.service_type == jurisdiction.ServiceType.BATCH:
        item = {"token": created.token}
    else:
        item = {"service_request_id": created.appeal.number}
    item.update({"service_notice": jurisdiction.service_notice or None, "account_id": created.account_id or None})
    return serializers.render(fmt, "service_requests", [item], status=201)


@endpoint()
def request_detail(request, fmt, service_request_id):
    jurisdiction = _jurisdiction(request)
    appeal = selectors.get_request(jurisdiction, service_request_id)
    return serializers.render(fmt, "service_requests", [serializers.request_dict(appeal, jurisdiction)])


@endpoint()
def token(request, fmt, token):
    jurisdiction = _jurisdiction(request)
    found = selectors.get_token(jurisdiction, token)
    return serializers.render(fmt, "service_requests", [{"service_request_id": found.appeal.number, "token": found.token}])


def not_found(request, rest=""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return serializers.render_errors(fmt, [(404, str(NotFound.default_message))], status=404)
