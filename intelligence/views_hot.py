"""The hot-topics page: a scope the user may see and a period, compared with the period before."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from insights.selectors import can_see_figures, scope_regions, scoped_appeals

from .hot import hot_topics

PERIOD_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30


def period_ending_today(days: int, now=None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end): the `days` days up to and including today (local time)."""
    today = timezone.localtime(now or timezone.now()).date()
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    return end - dt.timedelta(days=days), end


@login_required
def hot_page(request):
    if not can_see_figures(request.user):
        raise Http404()
    regions = scope_regions(request.user)
    chosen = request.GET.get("region", "")
    region = next((r for r in regions if str(r.pk) == chosen), None)
    error = _("Choose an area from the list.") if chosen and region is None else ""
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() and \
        int(request.GET["days"]) in PERIOD_DAYS else DEFAULT_DAYS
    start, end = period_ending_today(days)
    found = hot_topics(scoped_appeals(request.user, region=region), start=start, end=end)
    return render(request, "intelligence/hot.html", {
        "topics": found, "regions": regions, "region": region, "days": days, "period_days": PERIOD_DAYS,
        "start": start, "last_day": end - dt.timedelta(days=1), "error": error})
