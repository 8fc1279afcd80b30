"""Opening hours: reading what staff type, and whether a place is open.

Everything about time lives here. A `Schedule` is plain data (weekly ranges,
exceptions by date, the holiday rule and the holidays themselves), so
`is_open` and `next_change` are pure functions that tests can feed with
constructed cases; `schedule_for(place)` builds one from the database.

A range is `(start, end)` in minutes after midnight of the day it starts on.
`end <= start` runs over midnight into the next day (22:00–06:00); `(0, 1440)`
is the whole day. A range that started the day before keeps running even if
today is closed by an exception: the exception says the place does not open
that day, it does not throw out the people already inside at 02:00.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

DAY = 1440
MAX_RANGES_PER_DAY = 6
HORIZON_DAYS = 15  # how far ahead "opens at" looks

Range = tuple[int, int]

def weekday_name(weekday: int) -> str:
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    return names[weekday]


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# ---------------------------------------------------------------- reading what staff type

_CLOSED_WORDS = {"", "closed", "close", "休息", "关闭", "闭馆", "不开放", "-", "—"}
_ALL_DAY_WORDS = {"24h", "24 h", "24小时", "24 小时", "全天", "all day", "00:00-24:00", "0:00-24:00"}
_DASH = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")
_COLON = re.compile(r"\s*[:：.]\s*")
_SEPARATORS = re.compile(r"[,，;；、/\s]+")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def fmt_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def fmt_range(r: Range) -> str:
    if r == (0, DAY):
        return _("24 hours")
    start, end = r
    if end == 0:
        return f"{fmt_minute(start)}–24:00"
    text = f"{fmt_minute(start)}–{fmt_minute(end)}"
    if end <= start:
        text += " " + _("(next day)")
    return text


def fmt_ranges(ranges) -> str:
    ranges = [tuple(r) for r in ranges]
    if not ranges:
        return _("Closed")
    return ", ".join(fmt_range(r) for r in ranges)


def _minute(hours: str, minutes: str, text: str, *, is_end: bool) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m or not is_end)):
        raise ValidationFailed(
            _("“%(time)s” is not a time of day: use 00:00 to 23:59 (24:00 only to end a range).") % {"time": text},
            code="bad_time")
    return h * 60 + m


def _span(r: Range) -> tuple[int, int]:
    start, end = r
    return start, (end + DAY if end <= start else end)


def parse_ranges(text, *, day_label: str = "") -> list[Range]:
    """Ranges from text like "08:30-12:00, 14:00-18:00", "22:00-06:00", "24h" or "" (closed).

    Refuses impossible times, empty ranges and overlaps, with a message naming them."""
    raw = str(text or "").strip()
    where = f"{day_label}: " if day_label else ""
    if raw.lower() in _CLOSED_WORDS:
        return []
    if raw.lower().replace(" ", "") in {w.replace(" ", "") for w in _ALL_DAY_WORDS}:
        return [(0, DAY)]
    if len(raw) > 200:
        raise ValidationFailed(where + _("The hours are too long to be real."), code="bad_hours")
    ranges: list[Range] = []
    normal = _COLON.sub(":", _DASH.sub("-", raw))
    for part in [p for p in _SEPARATORS.split(normal) if p]:
        m = _RANGE.match(part)
        if not m:
            raise ValidationFailed(
                where + _("“%(text)s” is not a time range: write it like 08:30-12:00, several separated by commas, "
                          "or 24h, or leave it empty for closed.") % {"text": part.strip()},
                code="bad_hours")
        start = _minute(m.group(1), m.group(2), f"{m.group(1)}:{m.group(2)}", is_end=False)
        end = _minute(m.group(3), m.group(4), f"{m.group(3)}:{m.group(4)}", is_end=True)
        if start == end:
            raise ValidationFailed(where + _("The range %(range)s starts and ends at the same time.")
                                   % {"range": part.strip()}, code="bad_hours")
        if end == DAY and start == 0:
            ranges.append((0, DAY))
            continue
        if end == DAY:
            end = 0  # ends at midnight: stored as running to 00:00 of the next day
            ranges.append((start, end))
            continue
        ranges.append((start, end))
    if len(ranges) > MAX_RANGES_PER_DAY:
        raise ValidationFailed(where + _("At most %(n)d ranges a day.") % {"n": MAX_RANGES_PER_DAY}, code="bad_hours")
    ranges.sort()
    check_no_overlap({0: ranges}, label=lambda d: day_label)
    return ranges


def check_no_overlap(week: dict[int, list[Range]], *, label=None, cyclic: bool = False) -> None:
    """Ranges may not overlap, within a day or (over midnight) into the next one.

    With `cyclic` the week wraps: Sunday 22:00–06:00 runs into Monday."""
    label = label or weekday_name
    spans = []
    for day, ranges in week.items():
        for r in ranges:
            s, e = _span(tuple(r))
            spans.append((day * DAY + s, day * DAY + e, day, tuple(r)))
    if cyclic:
        spans += [(s + 7 * DAY, e + 7 * DAY, d, r) for s, e, d, r in spans if s < DAY]
    spans.sort()
    for (s1, e1, d1, r1), (s2, e2, d2, r2) in zip(spans, spans[1:]):
        if s2 < e1 and (s1, d1, r1) != (s2, d2, r2):
            first = f"{label(d1)} {fmt_range(r1)}".strip()
            second = f"{label(d2)} {fmt_range(r2)}".strip()
            raise ValidationFailed(_("The opening ranges %(a)s and %(b)s overlap.") % {"a": first, "b": second},
                                   code="overlapping_hours")


def parse_week(texts: dict) -> dict[int, list[Range]]:
    """Seven weekday texts (keys 0–6) into ranges, checked across midnight and the week's end."""
    week = {}
    for day in range(7):
        week[day] = parse_ranges(texts.get(day, texts.get(str(day), "")), day_label=weekday_name(day))
    check_no_overlap(week, cyclic=True)
    return week


# ---------------------------------------------------------------- the schedule

@dataclass(frozen=True)
class Schedule:
    weekly: dict[int, tuple[Range, ...]] = field(default_factory=dict)
    special: dict[dt.date, tuple[Range, ...]] = field(default_factory=dict)  # () = closed that day
    closes_on_holidays: bool = False
    holidays: frozenset[dt.date] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not any(self.weekly.values()) and not any(self.special.values())


def ranges_on(schedule: Schedule, day: dt.date) -> tuple[Range, ...]:
    """The ranges that start on `day`: an exception wins, then the holiday rule, then the weekday."""
    if day in schedule.special:
        return tuple(schedule.special[day])
    if schedule.closes_on_holidays and day in schedule.holidays:
        return ()
    return tuple(schedule.weekly.get(day.weekday(), ()))


def _intervals(schedule: Schedule, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Open intervals starting from `first` to `last` (local time), touching ones merged."""
    tz = local_tz()
    found = []
    day = first
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        for r in ranges_on(schedule, day):
            s, e = _span(tuple(r))
            found.append((midnight + dt.timedelta(minutes=s), midnight + dt.timedelta(minutes=e)))
        day += dt.timedelta(days=1)
    found.sort()
    merged: list[list[dt.datetime]] = []
    for s, e in found:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _local(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=local_tz())
    return moment.astimezone(local_tz())


def is_open(schedule, moment: dt.datetime) -> bool:
    """Whether the place (or a Schedule) is open at `moment`."""
    schedule = _as_schedule(schedule, moment)
    now = _local(moment)
    today = now.date()
    return any(s <= now < e for s, e in _intervals(schedule, today - dt.timedelta(days=1), today))


def next_change(schedule, moment: dt.datetime) -> dt.datetime | None:
    """When it next closes (if open) or opens (if closed); None when that is not within
    about two weeks (open around the clock, or closed for the foreseeable future)."""
    schedule = _as_schedule(schedule, moment)
    now = _local(moment)
    today = now.date()
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    intervals = _intervals(schedule, today - dt.timedelta(days=1), horizon)
    for s, e in intervals:
        if s <= now < e:
            return e if e < dt.datetime.combine(horizon, dt.time(0), tzinfo=local_tz()) else None
        if s > now:
            return s
    return None


@dataclass
class Status:
    open_now: bool
    changes_at: dt.datetime | None
    open_today: bool  # it opens (or has opened) at some time today
    label: str
    state: str  # open | open_24h | opens_later | closed_today | closed


def status(schedule, moment: dt.datetime) -> Status:
    """Open now / open until hh:mm / opens at hh:mm / closed today, in words, for the cards."""
    schedule = _as_schedule(schedule, moment)
    now = _local(moment)
    today = now.date()
    open_now = is_open(schedule, now)
    change = next_change(schedule, now)
    day_intervals = _intervals(schedule, today - dt.timedelta(days=1), today)
    end_of_today = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=local_tz())
    open_today = any(s < end_of_today and e > dt.datetime.combine(today, dt.time(0), tzinfo=local_tz())
                     for s, e in day_intervals)
    if open_now:
        if change is None:
            return Status(True, None, True, _("Open 24 hours"), "open_24h")
        when = _local(change)
        if when.date() == today:
            label = _("Open until %(time)s") % {"time": when.strftime("%H:%M")}
        elif when.date() == today + dt.timedelta(days=1):
            label = _("Open until %(time)s tomorrow") % {"time": when.strftime("%H:%M")}
        else:
            label = _("Open until %(day)s %(time)s") % {"day": weekday_name(when.weekday()),
                                                        "time": when.strftime("%H:%M")}
        return Status(True, change, True, label, "open")
    if change is None:
        return Status(False, None, False, _("Closed"), "closed")
    when = _local(change)
    if when.date() == today:
        return Status(False, change, True, _("Opens at %(time)s") % {"time": when.strftime("%H:%M")}, "opens_later")
    if when.date() == today + dt.timedelta(days=1):
        label = _("Closed today · opens tomorrow at %(time)s") % {"time": when.strftime("%H:%M")}
    else:
        label = _("Closed today · opens %(day)s at %(time)s") % {"day": weekday_name(when.weekday()),
                                                                 "time": when.strftime("%H:%M")}
    return Status(False, change, open_today, label, "closed_today")


# ---------------------------------------------------------------- from the database

def holidays_between(first: dt.date, last: dt.date) -> frozenset[dt.date]:
    """Statutory holidays (a day off with a holiday's name) from the platform calendar."""
    from core import calendar
    from core.models import CalendarDay

    calendar.ensure_years(range(first.year, last.year + 1))
    return frozenset(CalendarDay.objects.filter(date__gte=first, date__lte=last, is_workday=False)
                     .exclude(name="").values_list("date", flat=True))


def week_of(rows) -> dict[int, tuple[Range, ...]]:
    week: dict[int, list[Range]] = {}
    for row in rows:
        week.setdefault(row.weekday, []).append((row.start_minute, row.end_minute))
    return {d: tuple(sorted(r)) for d, r in week.items()}


def schedule_for(place, moment: dt.datetime | None = None, *, holidays: frozenset | None = None) -> Schedule:
    """The place's own schedule (uses prefetched `hours` and `special_days` when present)."""
    moment = _local(moment or timezone.now())
    if holidays is None and place.closes_on_holidays:
        today = moment.date()
        holidays = holidays_between(today - dt.timedelta(days=1), today + dt.timedelta(days=HORIZON_DAYS))
    rows = [h for h in place.hours.all() if h.amenity_id is None]
    special = {d.date: (() if d.is_closed else tuple(tuple(r) for r in d.ranges)) for d in place.special_days.all()}
    return Schedule(weekly=week_of(rows), special=special, closes_on_holidays=place.closes_on_holidays,
                    holidays=holidays or frozenset())


def amenity_schedule(place_amenity) -> Schedule | None:
    """An offering's own weekly hours, or None when it is there whenever the place is open."""
    rows = [h for h in place_amenity.place.hours.all() if h.amenity_id == place_amenity.pk]
    return Schedule(weekly=week_of(rows)) if rows else None


def _as_schedule(obj, moment) -> Schedule:
    return obj if isinstance(obj, Schedule) else schedule_for(obj, moment)
