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
MAX_DAYS = 366


def period_ending_today(days: int, now=None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end): the `days` days up to and including today (local time)."""
    today = timezone.localtime(now or timezone.now()).date()
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    return end - dt.timedelta(days=days), end


def dashboard_period(start: str, end: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The dashboard's own dates (?start=YYYY-MM-DD&end=YYYY-MM-DD, end included), if sound."""
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        return None
    if not (0 <= (last - first).days <= MAX_DAYS):
        return None
    midnight = dt.time.min
    return (timezone.make_aware(dt.datetime.combine(first, midnight)),
            timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), midnight)))


@login_required
def hot_page(request):
    """Reached from the dashboard with its scope and dates, or on its own with an area and the last N days."""
    if not can_see_figures(request.user):
        raise Http404()
    q = request.GET
    regions = scope_regions(request.user)
    chosen = q.get("region") or q.get("scope") or ""
    region = next((r for r in regions if str(r.pk) == chosen), None)
    error = _("Choose an area from the list.") if chosen and region is None else ""
    days = int(q["days"]) if q.get("days", "").isdigit() and int(q["days"]) in PERIOD_DAYS else DEFAULT_DAYS
    period = dashboard_period(q.get("start", ""), q.get("end", "")) if "days" not in q else None
    start, end = period or period_ending_today(days)
    if period:
        days = (end - start).days
    found = hot_topics(scoped_appeals(request.user, region=region), start=start, end=end)
    return render(request, "intelligence/hot.html", {
        "topics": found, "regions": regions, "region": region, "days": days, "period_days": PERIOD_DAYS,
        "start": start, "last_day": end - dt.timedelta(days=1), "error": error})
