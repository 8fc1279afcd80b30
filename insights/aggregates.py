"""The figures of insights.figures read from the rollups instead of the raw tables.

Same values, same result types (Figures, Breakdown, Week), for a scope — None
(the whole city), a Region (district, street, community or grid) or a Unit (the
appeals whistled to it) — and a period of whole local days. A period is split
into whole months (AppealRollup / WhistleRollup month rows) and the days at
either end (day rows, or the finest rows for a grid or a breakdown by category
or channel). Two parts depend on the moment they are read and are counted live
from small indexed sets: overdue (open appeals flagged overdue) and the
appeals still waiting for a response whose limit has run out.

A period that does not start and end at local midnight is computed the naive
way (figures.compute), so the answer is exact either way.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, Category, Whistle
from appeals.workflow import Channel
from people.models import Unit
from regions.models import Region

from . import figures as F
from .models import AppealDay, AppealRollup, Grain, PendingResponse, WhistleDay, WhistleRollup
from .rollups import APPEAL_FIELDS, WHISTLE_FIELDS

FAR_PAST, FAR_FUTURE = dt.date(1900, 1, 1), dt.date(9999, 1, 1)
COARSE_LEVELS = (Region.Level.DISTRICT, Region.Level.STREET, Region.Level.COMMUNITY)


# ---------------------------------------------------------------- scope and period

@dataclass(frozen=True)
class Scope:
    region: Region | None = None
    unit: Unit | None = None

    @property
    def is_grid(self) -> bool:
        return self.region is not None and self.region.level == Region.Level.GRID

    @property
    def key(self) -> int:
        return self.region.pk if self.region is not None else 0

    def fine_q(self, prefix: str = "") -> Q:
        """The finest rows (or PendingResponse rows) of this scope."""
        if self.unit is not None:
            return Q(unit=self.unit.pk) if prefix == "" else Q()
        r = self.region
        if r is None:
            return Q()
        if r.level in (Region.Level.STREET, Region.Level.COMMUNITY, Region.Level.GRID):
            return Q(**{str(r.level): r.pk})
        grids = Region.objects.filter(path__startswith=r.path, level=Region.Level.GRID).values_list("pk", flat=True)
        return Q(grid__in=list(grids))

    def appeals(self):
        """The raw appeals of the scope (the naive path and the live parts)."""
        qs = Appeal.objects.all()
        if self.region is not None:
            from .selectors import region_filter

            qs = qs.filter(region_filter(self.region))
        if self.unit is not None:
            qs = qs.filter(pk__in=Whistle.objects.filter(lead_unit=self.unit).values("appeal_id"))
        return qs


def as_scope(scope) -> Scope:
    if isinstance(scope, Scope):
        return scope
    if isinstance(scope, Unit):
        return Scope(unit=scope)
    return Scope(region=scope)


@dataclass(frozen=True)
class Span:
    """[first, last_excl) in days; months [m0, m1) inside it; the rest are edge days."""

    first: dt.date
    end: dt.date
    m0: dt.date
    m1: dt.date

    def edges(self) -> list[tuple[dt.date, dt.date]]:
        if self.m0 >= self.m1:
            return [(self.first, self.end)]
        return [(a, b) for a, b in ((self.first, self.m0), (self.m1, self.end)) if a < b]

    @property
    def has_months(self) -> bool:
        return self.m0 < self.m1


def _day_of(moment: dt.datetime | None, default: dt.date) -> dt.date | None:
    if moment is None:
        return default
    local = timezone.localtime(moment)
    if local.time() != dt.time.min:
        return None
    return local.date()


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def span_of(period: F.Period) -> Span | None:
    """None when the period is not made of whole local days."""
    first, end = _day_of(period.start, FAR_PAST), _day_of(period.end, FAR_FUTURE)
    if first is None or end is None:
        return None
    m0 = first if first.day == 1 else _next_month(first)
    m1 = end.replace(day=1)
    return Span(first, end, m0, max(m0, m1))


# ---------------------------------------------------------------- summing rows

def _sum(qs, group: list[str], fields) -> dict:
    out: dict = defaultdict(Counter)
    sums = {f: Sum(f) for f in fields}
    if not group:  # one row (values() with no fields would group by every column)
        r = qs.order_by().aggregate(**sums)
        if any(r.values()):
            out[()].update({f: r[f] or 0 for f in fields})
        return out
    for r in qs.order_by().values(*group).annotate(**sums):
        out[tuple(r[g] for g in group)].update({f: r[f] or 0 for f in fields})
    return out


def _merge(into: dict, more: dict) -> dict:
    for k, v in more.items():
        into.setdefault(k, Counter()).update(v)
    return into


def _days_q(ranges, field="day") -> Q:
    q = Q(pk__in=[])
    for a, b in ranges:
        q |= Q(**{f"{field}__gte": a, f"{field}__lt": b})
    return q


def _months_q(span: Span) -> Q:
    """The month rows of the span's whole months (none when it has none)."""
    if not span.has_months:
        return Q(pk__in=[])
    return Q(grain=Grain.MONTH, start__gte=span.m0, start__lt=span.m1)


_FINE_FIELD = {"category": "category", "channel": "channel", "community": "community", "grid": "grid", "unit": "unit"}


def appeal_counts(scope: Scope, span: Span, by: str | None = None, only: list[int] | None = None) -> dict:
    """Appeal counters of the scope over the span, grouped by nothing / category /
    channel / community / grid."""
    group = [by] if by else []
    coarse_ok = not scope.is_grid and (by in (None, "category", "channel") or scope.unit is None)
    if by == "community" and scope.region is not None and scope.region.level not in COARSE_LEVELS:
        coarse_ok = False
    if by == "grid" and scope.unit is not None:
        coarse_ok = False
    result: dict = {}
    fine_ranges = []
    if coarse_ok and by in (None, "community", "grid"):
        # Totals rows: months and (above the grid) days.
        regions_q = _child_regions_q(scope, by)
        unit_q = Q(unit=scope.unit.pk) if scope.unit is not None else Q(unit=0)
        base = AppealRollup.objects.filter(regions_q, unit_q, category=0, channel="")
        # Month rows for the whole months and (above the grid) day rows for the edges, in one query.
        rows_q = _months_q(span)
        if by == "grid":
            fine_ranges = span.edges()
        else:
            rows_q |= Q(grain=Grain.DAY) & _days_q(span.edges(), "start")
        _merge(result, _sum(base.filter(rows_q), ["region"] if by else [], APPEAL_FIELDS))
    elif coarse_ok:  # by category or channel above the grid: month rows, then fine edge days
        unit_q = Q(unit=scope.unit.pk) if scope.unit is not None else Q(unit=0)
        dims = Q(channel="") & ~Q(category=0) if by == "category" else Q(category=0) & ~Q(channel="")
        if span.has_months:
            _merge(result, _sum(AppealRollup.objects.filter(dims, unit_q, region=scope.key, grain=Grain.MONTH,
                                                            start__gte=span.m0, start__lt=span.m1), group, APPEAL_FIELDS))
        fine_ranges = span.edges()
    else:
        fine_ranges = [(span.first, span.end)]
    if fine_ranges:
        fine = AppealDay.objects.filter(scope.fine_q(), _days_q(fine_ranges))
        if scope.unit is None:
            fine = fine.filter(unit=0)
        _merge(result, _sum(fine, [_FINE_FIELD[by]] if by else [], APPEAL_FIELDS))
    return result


def _child_regions_q(scope: Scope, by: str | None) -> Q:
    if by is None:
        return Q(region=scope.key)
    level = Region.Level.COMMUNITY if by == "community" else Region.Level.GRID
    regions = Region.objects.filter(level=level)
    if scope.region is not None:
        regions = regions.filter(path__startswith=scope.region.path)
    return Q(region__in=list(regions.values_list("pk", flat=True)))


def whistle_counts(scope: Scope, span: Span, by_unit: bool = False) -> dict:
    group = ["unit"] if by_unit else []
    result: dict = {}
    unit_q = Q(unit=scope.unit.pk) if scope.unit is not None else Q()
    base = WhistleRollup.objects.filter(unit_q, region=scope.key)
    if scope.is_grid:
        _merge(result, _sum(base.filter(_months_q(span)), group, WHISTLE_FIELDS))
        _merge(result, _sum(WhistleDay.objects.filter(scope.fine_q(), _days_q(span.edges())), group, WHISTLE_FIELDS))
    else:
        rows_q = _months_q(span) | (Q(grain=Grain.DAY) & _days_q(span.edges(), "start"))
        _merge(result, _sum(base.filter(rows_q), group, WHISTLE_FIELDS))
    return result


# ---------------------------------------------------------------- the live parts

_LIVE_FIELD = {"category": "category_id", "channel": "channel", "community": "community_id", "grid": "grid_id"}


def overdue_counts(scope: Scope, by: str | None = None) -> dict:
    qs = scope.appeals().filter(F.OVERDUE.rows(None))
    if by is None:
        return {(): qs.count()}
    return {(r[_LIVE_FIELD[by]],): r["n"] for r in qs.order_by().values(_LIVE_FIELD[by]).annotate(n=Count("pk"))}


def late_unresponded_counts(scope: Scope, period: F.Period, by: str | None = None) -> dict:
    """Received in the period, not responded to, not suspended, limit run out by `now`."""
    qs = PendingResponse.objects.filter(suspended=False, response_due__lt=period.now)
    qs = qs.filter(period.within("created_at"))
    if scope.unit is not None:
        qs = qs.filter(appeal_id__in=Whistle.objects.filter(lead_unit=scope.unit).values("appeal_id"))
    else:
        qs = qs.filter(scope.fine_q("pending"))
    if by is None:
        return {(): qs.count()}
    return {(r[by],): r["n"] for r in qs.order_by().values(by).annotate(n=Count("pk"))}


# ---------------------------------------------------------------- figures

def _values(c: Counter, w: Counter, overdue: int, late: int, wanted=F.FIGURES) -> F.Figures:
    v = {
        "received": (c["received"], None),
        "accepted": (c["accepted"], None),
        "handled": (c["handled"], None),
        "whistles": (w["whistles"], None),
        "answers": (w["answers"], None),
        "solved_by_whistle": (c["solved_by_whistle"], None),
        "closed": (c["closed"], None),
        "overdue": (overdue, None),
        "response_rate": (c["responded"] + late, c["responded_in_time"]),
        "resolution_rate": (c["accepted"], c["accepted_closed"]),
        "satisfaction_rate": (c["rated"], c["satisfied"]),
        "on_time_close_rate": (c["received_closed"], c["closed_on_time"]),
        "rework_rate": (c["handled"], c["reworked"]),
    }
    return F.Figures((f.key, F.FigureValue(f, *v[f.key])) for f in wanted)


def figures(scope, period: F.Period) -> F.Figures:
    """Every card of the dashboard: equal to figures.compute(scope's appeals, period, unit=…)."""
    scope = as_scope(scope)
    span = span_of(period)
    if span is None:
        return F.compute(scope.appeals(), period, unit=scope.unit)
    c = appeal_counts(scope, span).get((), Counter())
    w = whistle_counts(scope, span).get((), Counter())
    return _values(c, w, overdue_counts(scope)[()], late_unresponded_counts(scope, period)[()])


def _values_by(scope: Scope, span: Span, period: F.Period, by: str, columns) -> dict:
    """group key → {figure key → value} of `columns`, for every group the counts or the overdue list name."""
    counts = appeal_counts(scope, span, by)
    overdue = overdue_counts(scope, by)
    late = late_unresponded_counts(scope, period, by)
    out = {}
    for key in set(counts) | set(overdue):
        values = _values(counts.get(key, Counter()), Counter(), overdue.get(key, 0), late.get(key, 0), columns)
        out[key[0]] = {f.key: values[f.key] for f in columns}
    return out


def _breakdown(scope: Scope, period: F.Period, by: str, columns, order_key: str, label, limit=None) -> list:
    rows = []
    for key, values in _values_by(scope, span_of(period), period, by, columns).items():
        cells = [values[f.key] for f in columns]
        if any(cell.count for cell in cells):
            rows.append((key, cells))
    rows.sort(key=lambda r: (-r[1][[f.key for f in columns].index(order_key)].count, r[0]))
    if limit:
        rows = rows[:limit]
    top = max((cells[0].count for _k, cells in rows), default=0)
    return [F.BreakdownRow(label(k), cells, round(100 * cells[0].count / top) if top else 0) for k, cells in rows]


def by_category(scope, period: F.Period, limit: int = 10) -> F.Breakdown:
    scope = as_scope(scope)
    if span_of(period) is None:
        return F.by_category(scope.appeals(), period, limit)
    cats = {c.pk: c for c in Category.objects.select_related("parent")}

    def label(pk):
        c = cats[pk]
        return f"{c.parent.name} / {c.name}" if c.parent_id and c.parent.name else c.name

    rows = _breakdown(scope, period, "category", F.BY_CATEGORY_COLUMNS, "received", label, limit)
    return F.Breakdown("category", _("By category (top %(n)d)") % {"n": limit}, F.BY_CATEGORY_COLUMNS, rows)


def by_channel(scope, period: F.Period) -> F.Breakdown:
    scope = as_scope(scope)
    if span_of(period) is None:
        return F.by_channel(scope.appeals(), period)
    labels = dict(Channel.choices)
    rows = _breakdown(scope, period, "channel", F.BY_CHANNEL_COLUMNS, "received", lambda k: str(labels.get(k, k)))
    return F.Breakdown("channel", _("By channel"), F.BY_CHANNEL_COLUMNS, rows)


def by_community(scope, period: F.Period) -> F.Breakdown:
    scope = as_scope(scope)
    if span_of(period) is None:
        return F.by_community(scope.appeals(), period)
    names = dict(Region.objects.filter(level=Region.Level.COMMUNITY).values_list("pk", "name"))
    rows = _breakdown(scope, period, "community", F.BY_COMMUNITY_COLUMNS, "received", lambda k: names[k])
    return F.Breakdown("community", _("By community"), F.BY_COMMUNITY_COLUMNS, rows)


@dataclass(frozen=True)
class GridRow:
    """One grid's figures, with the id and community name the map and the ranking need."""

    grid_id: int
    name: str
    community: str
    values: dict  # figure key → FigureValue


def grid_rows(scope, period: F.Period, columns=F.BY_COMMUNITY_COLUMNS) -> list[GridRow]:
    """Every grid of the scope with something to show in `columns`, most received
    first (ties by grid id): from the rollups for a period of whole days, else naive."""
    scope = as_scope(scope)
    span = span_of(period)
    if span is None:
        return naive_grid_rows(scope.appeals(), period, columns)
    grids = {pk: (name, community or "") for pk, name, community in
             Region.objects.filter(level=Region.Level.GRID).values_list("pk", "name", "parent__name")}
    return _ranked([GridRow(pk, *grids[pk], values)
                    for pk, values in _values_by(scope, span, period, "grid", columns).items()], columns)


def naive_grid_rows(appeals, period: F.Period, columns=F.BY_COMMUNITY_COLUMNS) -> list[GridRow]:
    """grid_rows from the raw appeals: for a scope the rollups do not cover, and as the reference."""
    aggregates: dict = {}
    for f in columns:
        aggregates.update(f.aggregates(period, prefix="f_"))
    grouped = appeals.order_by().values("grid_id", "grid__name", "grid__parent__name").annotate(**aggregates)
    return _ranked([GridRow(r["grid_id"], r["grid__name"], r["grid__parent__name"] or "",
                            {f.key: f.read(r, prefix="f_") for f in columns}) for r in grouped], columns)


def _ranked(rows: list[GridRow], columns) -> list[GridRow]:
    first = columns[0].key
    rows = [r for r in rows if any(v.count for v in r.values.values())]
    return sorted(rows, key=lambda r: (-r.values[first].count, r.grid_id))


def grid_breakdown(rows: list[GridRow], columns, title, label=lambda r: r.name) -> F.Breakdown:
    top = max((r.values[columns[0].key].count for r in rows), default=0)
    return F.Breakdown("grid", title, columns, [
        F.BreakdownRow(label(r), [r.values[f.key] for f in columns],
                       round(100 * r.values[columns[0].key].count / top) if top else 0) for r in rows])


def by_grid(scope, period: F.Period) -> F.Breakdown:
    """The ranking of grids, with the columns of the community table."""
    return grid_breakdown(grid_rows(scope, period), F.BY_COMMUNITY_COLUMNS, _("By grid"))


def by_unit(scope, period: F.Period) -> F.Breakdown:
    scope = as_scope(scope)
    span = span_of(period)
    if span is None:
        return F.by_unit(scope.appeals(), period, scope.unit)
    names = dict(Unit.objects.values_list("pk", "name"))
    counts = whistle_counts(scope, span, by_unit=True)
    rows = []
    for (unit,), c in counts.items():
        cells = [F.FigureValue(F.UNIT_WHISTLES, c["whistles"]), F.FigureValue(F.UNIT_ANSWERED, c["answered"]),
                 F.FigureValue(F.UNIT_ON_TIME_RATE, c["answered"], c["answered_on_time"]),
                 F.FigureValue(F.UNIT_RETURNED, c["returned"])]
        if c["whistles"]:
            rows.append((unit, cells))
    rows.sort(key=lambda r: (-r[1][0].count, r[0]))
    top = max((cells[0].count for _k, cells in rows), default=0)
    out = [F.BreakdownRow(names[k], cells, round(100 * cells[0].count / top) if top else 0) for k, cells in rows]
    return F.Breakdown("unit", _("By unit"), F.UNIT_FIGURES, out)


# ---------------------------------------------------------------- over time

def _daily(scope: Scope, first: dt.date, end: dt.date) -> dict[dt.date, Counter]:
    """received (by day received) and closed (by day closed) per day."""
    fields = ("received", "closed")
    if scope.is_grid:
        qs = AppealDay.objects.filter(scope.fine_q(), day__gte=first, day__lt=end)
        if scope.unit is None:
            qs = qs.filter(unit=0)
        rows = _sum(qs, ["day"], fields)
    else:
        unit = scope.unit.pk if scope.unit is not None else 0
        rows = _sum(AppealRollup.objects.filter(region=scope.key, unit=unit, category=0, channel="", grain=Grain.DAY,
                                                start__gte=first, start__lt=end), ["start"], fields)
    return {k[0]: v for k, v in rows.items()}


def _series(daily: dict, starts: list[dt.date], ends: list[dt.date]) -> list[F.Week]:
    values = []
    for a, b in zip(starts, ends):
        r = sum(v["received"] for d, v in daily.items() if a <= d < b)
        c = sum(v["closed"] for d, v in daily.items() if a <= d < b)
        values.append((F.FigureValue(F.RECEIVED, r), F.FigureValue(F.CLOSED, c)))
    top = max((max(r.count, c.count) for r, c in values), default=0)

    def bar(v):
        return round(100 * v.count / top) if top else 0

    return [F.Week(start, r, c, bar(r), bar(c)) for start, (r, c) in zip(starts, values)]


def by_week(scope, *, weeks: int = 12, until: dt.date | None = None, now=None) -> list[F.Week]:
    """Equal to figures.by_week over the scope's appeals."""
    scope = as_scope(scope)
    now = now or timezone.now()
    last_day = until or timezone.localtime(now).date()
    monday = last_day - dt.timedelta(days=last_day.weekday())
    starts = [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    ends = [s + dt.timedelta(days=7) for s in starts]
    return _series(_daily(scope, starts[0], ends[-1]), starts, ends)


def by_month(scope, *, months: int = 12, until: dt.date | None = None, now=None) -> list[F.Week]:
    """Received vs closed for `months` calendar months, the one holding `until` last
    (a Week row whose `start` is the first of the month)."""
    scope = as_scope(scope)
    now = now or timezone.now()
    last = (until or timezone.localtime(now).date()).replace(day=1)
    starts = [last]
    for _i in range(months - 1):
        starts.insert(0, (starts[0] - dt.timedelta(days=1)).replace(day=1))
    ends = [_next_month(s) for s in starts]
    if scope.is_grid:
        daily = _daily(scope, starts[0], ends[-1])
    else:
        unit = scope.unit.pk if scope.unit is not None else 0
        rows = _sum(AppealRollup.objects.filter(region=scope.key, unit=unit, category=0, channel="", grain=Grain.MONTH,
                                                start__gte=starts[0], start__lt=ends[-1]), ["start"], ("received", "closed"))
        daily = {k[0]: v for k, v in rows.items()}
    return _series(daily, starts, ends)


def by_month_naive(appeals, *, months: int = 12, until: dt.date | None = None, now=None) -> list[F.Week]:
    """The same series from the raw appeals (the reference the rollups are tested and timed against)."""
    now = now or timezone.now()
    last = (until or timezone.localtime(now).date()).replace(day=1)
    starts = [last]
    for _i in range(months - 1):
        starts.insert(0, (starts[0] - dt.timedelta(days=1)).replace(day=1))
    ends = [_next_month(s) for s in starts]
    daily = {}
    for a, b in zip(starts, ends):
        v = F.compute(appeals, F.make_period(a, b, now), figures=(F.RECEIVED, F.CLOSED))
        daily[a] = Counter(received=v["received"].count, closed=v["closed"].count)
    return _series(daily, starts, ends)
