import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import figures, selectors
from .forms import DEFAULT_PERIOD, FiguresForm, period_dates


@login_required
def figures_page(request):
    """The street's figures for a period and an area the user can see."""
    user = request.user
    if not selectors.can_see_figures(user):
        raise PermissionDenied(_("The figures are for street, community, grid and department staff."))
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
