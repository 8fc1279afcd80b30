"""Working-day arithmetic on the platform's own calendar table.

Deadlines say "N working days" (N个工作日): the day of receipt is not counted
and the deadline is the end of the Nth working day after it. Holidays and the
weekend days made into working days (调休) come from `CalendarDay`; a year the
table does not know falls back to Monday–Friday and is reported by
`missing_years` so the dashboard can warn. A deadline never raises.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import CalendarDay, CalendarYear

PACKAGE_YEARS = range(2004, 2027)  # what chinese-calendar 1.11 knows


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def load_year_from_package(year: int) -> bool:
    """Seed one year from chinese-calendar. False when the package does not know it."""
    import chinese_calendar

    if year not in PACKAGE_YEARS:
        return False
    day = dt.date(year, 1, 1)
    rows = []
    while day.year == year:
        try:
            workday = chinese_calendar.is_workday(day)
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return False
        rows.append(CalendarDay(date=day, is_workday=workday, name=str(name or "")))
        day += dt.timedelta(days=1)
    with transaction.atomic():
        CalendarDay.objects.filter(date__year=year).delete()
        # Two requests may seed the same year at once; the package gives both the same rows.
        CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
        CalendarYear.objects.update_or_create(year=year, defaults={"source": CalendarYear.Source.CHINESE_CALENDAR})
    return True


def set_year(year: int, days: dict[dt.date, tuple[bool, str]], source: str, note: str = "") -> None:
    """Replace a whole year (admin entry or import of the State Council's schedule).

    Dates not given follow the weekend rule, so an import only needs the exceptions.
    """
    rows = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        workday, name = days.get(day, (day.weekday() < 5, ""))
        rows.append(CalendarDay(date=day, is_workday=workday, name=name))
        day += dt.timedelta(days=1)
    with transaction.atomic():
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(rows)
        CalendarYear.objects.update_or_create(year=year, defaults={"source": source, "note": note})


def known_years() -> set[int]:
    return set(CalendarYear.objects.values_list("year", flat=True))


def ensure_years(years) -> None:
    """Load from the package any year it knows that the table does not have yet."""
    have = known_years()
    for year in sorted(set(years) - have):
        load_year_from_package(year)


def missing_years(years) -> list[int]:
    return sorted(set(years) - known_years())


def _workday_lookup(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    ensure_years(range(start.year, end.year + 1))
    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def is_workday(day: dt.date) -> bool:
    known = _workday_lookup(day, day)
    return known.get(day, day.weekday() < 5)


def add_workdays(start: dt.datetime, days: int) -> dt.datetime:
    """End (23:59:59 local) of the `days`-th working day after `start`'s date."""
    local_start = timezone.localtime(start, _tz()).date() if timezone.is_aware(start) else start.date()
    if days <= 0:
        target = local_start
    else:
        horizon = local_start + dt.timedelta(days=days * 2 + 40)
        known = _workday_lookup(local_start, horizon)
        counted, day = 0, local_start
        while counted < days:
            day += dt.timedelta(days=1)
            if day > horizon:  # very long limits: extend the window
                horizon = day + dt.timedelta(days=days * 2 + 40)
                known.update(_workday_lookup(day, horizon))
            if known.get(day, day.weekday() < 5):
                counted += 1
        target = day
    return dt.datetime.combine(target, dt.time(23, 59, 59), tzinfo=_tz())


def workdays_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days after `start`'s date up to and including `end`'s date."""
    a = timezone.localtime(start, _tz()).date()
    b = timezone.localtime(end, _tz()).date()
    if b <= a:
        return 0
    known = _workday_lookup(a, b)
    count, day = 0, a
    while day < b:
        day += dt.timedelta(days=1)
        if known.get(day, day.weekday() < 5):
            count += 1
    return count


def add_hours(start: dt.datetime, hours: int) -> dt.datetime:
    """Response limits are in clock hours (a hotline answers at weekends too)."""
    return start + dt.timedelta(hours=hours)
