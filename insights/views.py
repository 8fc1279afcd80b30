import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import dashboard, figures, selectors
from .forms import DEFAULT_PERIOD, FiguresForm, period_dates

NOT_ALLOWED = gettext_lazy("The figures are for street, community, grid and department staff.")


@login_required
def figures_page(request):
    """The street's figures for a period and an area the user can see."""
    user = request.user
    if not selectors.can_see_figures(user):
        raise PermissionDenied(str(NOT_ALLOWED))
    regions = selectors.scope_regions(user)
    units = list(selectors.scope_units(user))
    form = FiguresForm(request.GET or None, regions=regions, units=units)
    # Each picker that is valid is used; an invalid one falls back to its default and says why.
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    choice = data.get("period") or DEFAULT_PERIOD
    if form.is_bound and form.non_field_errors():
        choice = DEFAULT_PERIOD
    start_day, end_day = data.get("start"), data.get("end")
    region = form.regions.get(data.get("scope"))
    unit = form.units.get(data.get("unit"))
    now = timezone.now()
    today = timezone.localtime(now).date()
    first, last = period_dates(choice, today, start_day, end_day)
    if not form.is_bound:
        form = FiguresForm(initial={"period": choice, "start": first, "end": last}, regions=regions, units=units)

    appeals = selectors.scoped_appeals(user, region=region, unit=unit)
    weeks_until = min(last, today)  # the weekly table ends with the period, or today if sooner
    period = figures.make_period(first, last + dt.timedelta(days=1), now)
    values = figures.compute(appeals, period, unit=unit)
    context = {
        "form": form,
        "first": first,
        "last": last,
        "region": region,
        "unit": unit,
        "counts": values.counts,
        "rates": values.rates,
        "period_note": figures.PERIOD_NOTE,
        "breakdowns": [
            figures.by_category(appeals, period),
            figures.by_channel(appeals, period),
            figures.by_community(appeals, period),
            figures.by_unit(appeals, period, unit),
        ],
        "weeks": figures.by_week(appeals, until=weeks_until, now=now),
        "weeks_until": weeks_until,
        "calendar_gaps": selectors.calendar_gaps(appeals, now=now),
        "service_sections": [] if unit else figures.service_sections(selectors.community_ids(user, region), period),
    }
    return render(request, "insights/figures.html", context)


# ---------------------------------------------------------------- the dashboard, its map and the 大屏

def _board_context(request) -> dict:
    if not selectors.can_see_figures(request.user):
        raise PermissionDenied(str(NOT_ALLOWED))
    scope = dashboard.choose(request.user, request.GET)
    board = dashboard.build(scope)
    return {
        "scope": scope, "form": scope.form, "board": board, "board_json": dashboard.as_json(scope, board),
        "query": dashboard.query_string(scope), "period_note": figures.PERIOD_NOTE,
        "map_figures": dashboard.MAP_FIGURES,
    }


@login_required
def dashboard_page(request):
    """Cards, charts, rankings, lists, hot topics and the map for one scope and period."""
    context = _board_context(request)
    if request.GET.get("screen") == "1":
        return _screen(request, context)
    return render(request, "insights/dashboard.html", context)


@login_required
def dashboard_screen(request):
    """The large screen (大屏): dark, full-screen, refreshing itself."""
    return _screen(request, _board_context(request))


def _screen(request, context):
    context["refresh"] = dashboard.refresh_seconds(request.GET.get("refresh", dashboard.REFRESH_DEFAULT))
    return render(request, "insights/dashboard_screen.html", context)


def _json_refusal(request):
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Please log in.")}, status=401)
    if not selectors.can_see_figures(request.user):
        return JsonResponse({"detail": str(NOT_ALLOWED)}, status=403)
    return None


def dashboard_data(request):
    """The dashboard's figures as JSON, scoped like the page (no personal data)."""
    refusal = _json_refusal(request)
    if refusal:
        return refusal
    scope = dashboard.choose(request.user, request.GET)
    body = dashboard.as_json(scope, dashboard.build(scope))
    body["errors"] = scope.errors
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def dashboard_map(request):
    """Grid polygons with their figures, appeal points by status and service points."""
    refusal = _json_refusal(request)
    if refusal:
        return refusal
    scope = dashboard.choose(request.user, request.GET)
    body = dashboard.map_data(scope)
    body["errors"] = scope.errors
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
