"""Pages of the service points: the public "stations near me" map and a
station's page (no login), and the staff's places. Thin: parse, call
services/selectors, render; a LinliError's message is shown and what the user
typed is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import LinliError, NotFound
from core.http import or_404

from . import selectors, services
from .forms import NearbyForm, PlaceForm, SpecialDayForm, UseForm
from .models import Place

PAGE_SIZE = 30


def _map_data(cards, origin) -> dict:
    return {
        "origin": [origin.lng, origin.lat, origin.source] if origin else None,
        "places": [{
            "id": c.place.pk, "name": c.place.name, "lng": c.place.lng, "lat": c.place.lat,
            "open": c.status.open_now, "status": c.status.label, "distance": c.distance,
            "url": reverse("places:detail", args=[c.place.pk]),
            "offers": " ".join(o.icon for o in c.offers_now),
        } for c in cards if c.place.lng is not None],
    }


def nearby(request):
    """Public and mobile-first: the nearest stations to where I am, open now or not, and what each offers now."""
    communities = list(selectors.public_communities())
    form = NearbyForm(request.GET or None, communities=communities)
    error, status = "", 200
    get = request.GET
    filters = {"open_now": get.get("open") in ("1", "on", "true"), "amenity": (get.get("amenity") or "").strip()[:32],
               "kind": (get.get("kind") or "").strip()[:32]}
    try:
        origin = selectors.origin_for(get.get("lng"), get.get("lat"), (get.get("community") or "").strip())
    except LinliError as e:
        error, status = e.message, 400
        origin = selectors.origin_for()
    try:
        cards = selectors.nearby(origin=origin, **filters)
    except LinliError as e:
        error, status = e.message, 400
        cards = selectors.nearby(origin=origin)
        filters = {"open_now": False, "amenity": "", "kind": ""}
    return render(request, "places/nearby.html", {
        "form": form, "cards": cards, "origin": origin, "error": error, "filters": filters,
        "located": origin is not None and origin.source == "you",
        "map_data": _map_data(cards, origin),
    }, status=status)


def detail(request, pk):
    now = timezone.now()
    try:
        place = selectors.get_public(pk, now)
    except NotFound:
        try:
            place = selectors.get_manageable(request.user, pk) if request.user.is_authenticated else None
        except NotFound:
            place = None
        if place is None:
            raise Http404(_("Not found, or you cannot see it."))
    c = selectors.card(place, now)
    return render(request, "places/detail.html", {
        "card": c, "place": place, "week": selectors.weekly_table(place),
        "special_days": selectors.upcoming_special_days(place, now),
        "can_manage": services.can_manage(request.user, place.region),
        "map_data": _map_data([c], None),
    })


# ---------------------------------------------------------------- staff

def _staff_only(user):
    if not selectors.is_place_staff(user):
        raise PermissionDenied


@login_required
def manage(request):
    _staff_only(request.user)
    get = request.GET
    region, kind, state, q = (get.get("region") or "")[:20], get.get("kind") or "", get.get("state") or "", \
        (get.get("q") or "").strip()[:50]
    qs = selectors.filter_places(selectors.manageable_places(request.user), region=region, kind=kind, state=state, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(get.get("page"))
    now = timezone.now()
    rows = [selectors.card(p, now) for p in page.object_list]
    return render(request, "places/manage.html", {
        "page": page, "rows": rows, "regions": selectors.managed_regions(request.user), "kinds": Place.Kind.choices,
        "region": region, "kind": kind, "state": state, "q": q,
    })


def _communities_geojson(regions) -> dict:
    features = [{"type": "Feature", "geometry": r.geometry, "properties": {"name": r.name, "community": ""}}
                for r in regions if r.geometry and r.level == "community"]
    return {"type": "FeatureCollection", "features": features}


def _edit_context(request, form, place=None, *, error="", amenity_current=None) -> dict:
    regions = list(selectors.managed_regions(request.user))
    ctx = {"form": form, "place": place, "error": error, "regions_geojson": _communities_geojson(regions),
           "amenity_rows": form.amenity_rows(amenity_current)}
    if place is not None:
        ctx.update({
            "special_form": SpecialDayForm(auto_id="special_%s"),
            "use_form": UseForm(auto_id="use_%s", initial={"date": timezone.localdate().isoformat()}),
            "special_days": selectors.upcoming_special_days(place, timezone.now()),
            "uses": selectors.recent_uses(place),
        })
    return ctx


@login_required
def create(request):
    _staff_only(request.user)
    regions = selectors.managed_regions(request.user)
    initial = {"is_public": True}
    if request.GET.get("region"):
        initial["region"] = request.GET["region"][:20]
    form = PlaceForm(request.POST or None, regions=regions, initial=initial)
    error, status = "", 200
    if request.method == "POST":
        try:
            place = services.place_create(actor=request.user, **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": place.name})
            return redirect("places:edit", pk=place.pk)
    return render(request, "places/edit.html", _edit_context(request, form, error=error), status=status)


def _manageable_or_404(user, pk) -> Place:
    return or_404(selectors.get_manageable, user, pk)


@login_required
def edit(request, pk):
    _staff_only(request.user)
    place = _manageable_or_404(request.user, pk)
    regions = selectors.managed_regions(request.user)
    error, status = "", 200
    if request.method == "POST":
        form = PlaceForm(request.POST, regions=regions)
        try:
            services.place_update(place.pk, actor=request.user, expected_version=request.POST.get("version") or None,
                                  **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": form.value("name")})
            return redirect("places:edit", pk=place.pk)
    else:
        initial = {name: getattr(place, name) for name in ("name", "kind", "address", "phone", "contact_name",
                                                          "description", "is_public", "closes_on_holidays",
                                                          "hours_note", "lng", "lat")}
        initial["region"] = place.region.code
        initial.update({f"hours_{d}": text for d, text in selectors.week_texts(place).items()})
        form = PlaceForm(regions=regions, initial=initial)
    return render(request, "places/edit.html", _edit_context(
        request, form, place, error=error, amenity_current=selectors.amenity_texts(place)), status=status)


def _after(request, place, error=None):
    if error:
        messages.error(request, error)
    return redirect(reverse("places:edit", args=[place.pk]) + "#" + (request.POST.get("anchor") or "top")[:20])


def _run(request, place, call, success: str):
    """A small form of the edit page: run the service call, then back to the page
    with `success` or with the error."""
    try:
        call()
    except LinliError as e:
        return _after(request, place, e.message)
    messages.success(request, success)
    return _after(request, place)


@login_required
@require_POST
def special_day(request, pk):
    place = _manageable_or_404(request.user, pk)
    form = SpecialDayForm(request.POST)
    return _run(request, place, lambda: services.special_day_set(place.pk, actor=request.user, **form.service_kwargs()),
                _("The exception is saved."))


@login_required
@require_POST
def special_day_remove(request, pk, day_pk):
    place = _manageable_or_404(request.user, pk)
    return _run(request, place, lambda: services.special_day_remove(place.pk, day_pk, actor=request.user),
                _("The exception is removed."))


@login_required
@require_POST
def use(request, pk):
    place = _manageable_or_404(request.user, pk)
    form = UseForm(request.POST)
    return _run(request, place, lambda: services.use_record(place.pk, actor=request.user, **form.service_kwargs()),
                _("The count is saved."))


@login_required
@require_POST
def set_active(request, pk, op):
    if op not in ("activate", "deactivate"):
        raise Http404(_("Not found, or you cannot see it."))
    place = _manageable_or_404(request.user, pk)
    active = op == "activate"
    note, version = request.POST.get("note") or "", request.POST.get("version") or None
    return _run(request, place,
                lambda: services.place_set_active(place.pk, actor=request.user, active=active, note=note,
                                                  expected_version=version),
                _("The place is back on the map.") if active
                else _("The place is deactivated and no longer shown to the public."))

