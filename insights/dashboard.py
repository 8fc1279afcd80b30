"""What the dashboard, its map and the large screen (大屏) show for one scope
and period.

Every appeal figure comes from the definitions in `figures.py` (through the
rollup-backed `aggregates.py` for a scope the rollups cover, which returns the
same results faster); so do the grid ranking and the per-grid map values
(`aggregates.grid_rows`). What figures.py has no function for — the month
trend, the overdue and supervised lists and the hot topics — is written here
as plain ORM aggregates over the same Figure definitions, so that a figure
means the same thing on every part of the page. Nothing here returns personal data: points and lists carry no reporter,
phone or ID number.
"""

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import user_scopes
from appeals.models import Appeal, Supervision
from appeals.workflow import STATUS_COLOURS, Status
from places.models import Place
from regions.models import Region

from . import aggregates, figures, selectors
from .forms import DEFAULT_PERIOD, FiguresForm, period_dates

MAX_POINTS = 5000          # appeals drawn on the map, most recent first
LIST_LIMIT = 20            # rows in the overdue and supervised lists
RANKING_LIMIT = 10         # rows in the unit and grid rankings
HOT_TITLES = 1000          # most recent titles read for the hot words
HOT_WORDS = 20
MONTHS = 12
WEEKS = 12
REFRESH_DEFAULT, REFRESH_MIN, REFRESH_MAX = 60, 2, 3600  # seconds between 大屏 refreshes

COLOUR_HEX = {"blue": "#1a73e8", "cyan": "#00a3bf", "orange": "#e37400", "red": "#d93025",
              "purple": "#8e24aa", "green": "#188038", "grey": "#80868b"}

# Figures a grid polygon can be coloured by, in the order of the picker.
MAP_FIGURES = (figures.RECEIVED, figures.OVERDUE, figures.CLOSED, figures.SATISFACTION_RATE)
GRID_COLUMNS = (figures.RECEIVED, figures.CLOSED, figures.OVERDUE, figures.RESOLUTION_RATE,
                figures.SATISFACTION_RATE)

# Words that say nothing about the topic of an appeal title.
_STOP_TEXT = """
的 了 在 是 和 有 我 我们 你 他 她 它 这 那 这个 那个 一个 一直 没有 不 也 都 很 就 还 又 及 与 或 被 把 给
不及 请 请求 希望 要求 反映 问题 情况 关于 处理 解决 尽快 能否 是否 一下 现在 目前 已经 因为 所以 如果 但是
小区 社区 居民 业主 门口 附近 楼下 楼上 今天 昨天 每天 晚上 白天 时候 多次 严重 影响
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


class NaiveSource:
    """figures.py over the scope's appeals: exact for any scope."""

    name = "figures"

    def __init__(self, scope):
        self.appeals, self.unit = scope.appeals, scope.unit

    def compute(self, period):
        return figures.compute(self.appeals, period, unit=self.unit)

    def by_category(self, period):
        return figures.by_category(self.appeals, period)

    def by_channel(self, period):
        return figures.by_channel(self.appeals, period)

    def by_unit(self, period):
        return figures.by_unit(self.appeals, period, self.unit)

    def by_week(self, **kwargs):
        return figures.by_week(self.appeals, **kwargs)

    def by_month(self, **kwargs):
        return by_month(self.appeals, **kwargs)

    def grid_rows(self, period, columns):
        return aggregates.naive_grid_rows(self.appeals, period, columns)


class RollupSource:
    """aggregates.py (rollup-backed, same results) for a scope it can read: one
    region, one unit or the whole city."""

    name = "rollups"

    def __init__(self, rollup_scope):
        self.s = rollup_scope

    def compute(self, period):
        return aggregates.figures(self.s, period)

    def by_category(self, period):
        return aggregates.by_category(self.s, period)

    def by_channel(self, period):
        return aggregates.by_channel(self.s, period)

    def by_unit(self, period):
        return aggregates.by_unit(self.s, period)

    def by_week(self, **kwargs):
        return aggregates.by_week(self.s, **kwargs)

    def by_month(self, **kwargs):
        return aggregates.by_month(self.s, **kwargs)

    def grid_rows(self, period, columns):
        return aggregates.grid_rows(self.s, period, columns)


def figures_source(scope):
    """Rollups when the scope's appeals are exactly one region's, one unit's (as
    lead unit) or the whole city's; figures.py over the appeals otherwise."""
    scopes = user_scopes(scope.user)
    if scope.region is not None and scope.unit is None:
        return RollupSource(aggregates.Scope(region=scope.region))
    if scope.unit is not None and scope.region is None and (scopes.is_admin or _unit_only_scopes(scopes)):
        return RollupSource(aggregates.Scope(unit=scope.unit))
    if scope.region is None and scope.unit is None and scopes.is_admin:
        return RollupSource(aggregates.Scope())
    return NaiveSource(scope)


# ---------------------------------------------------------------- scope and period

@dataclass
class Scope:
    """Who is looking, at which area or unit, over which days."""

    user: object
    form: FiguresForm
    region: Region | None
    unit: object
    first: dt.date
    last: dt.date
    now: dt.datetime
    appeals: QuerySet[Appeal]
    period: figures.Period
    errors: list[str] = field(default_factory=list)

    @property
    def weeks_until(self) -> dt.date:
        return min(self.last, timezone.localtime(self.now).date())

    @property
    def label(self) -> str:
        parts = [self.region.name if self.region else str(_("Everything I can see"))]
        if self.unit is not None:
            parts.append(self.unit.name)
        return " · ".join(parts)


def choose(user, params, *, now=None) -> Scope:
    """Read the period and scope pickers; each invalid picker falls back to its
    default and says why (on the form), as on the figures page."""
    regions = selectors.scope_regions(user)
    units = list(selectors.scope_units(user))
    params = {k: v for k, v in params.items() if k in ("period", "start", "end", "scope", "unit")}
    form = FiguresForm(params or None, regions=regions, units=units)
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    choice = data.get("period") or DEFAULT_PERIOD
    if form.is_bound and form.non_field_errors():
        choice = DEFAULT_PERIOD
    region = form.regions.get(data.get("scope"))
    unit = form.units.get(data.get("unit"))
    if unit is None and data.get("unit") is None and _unit_only(user, regions, units):
        unit = units[0]  # a department handler's dashboard is their unit's
    if region is None and unit is None:
        region = _only_region(user)  # one street, community or grid: the dashboard is that area's
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    first, last = period_dates(choice, today, data.get("start"), data.get("end"))
    if not form.is_bound:
        form = FiguresForm(initial={"period": choice, "start": first, "end": last}, regions=regions, units=units)
    appeals = selectors.scoped_appeals(user, region=region, unit=unit)
    period = figures.make_period(first, last + dt.timedelta(days=1), now)
    errors = [str(e) for e in form.non_field_errors()] if form.is_bound else []
    if form.is_bound:
        for name in ("period", "start", "end", "scope", "unit"):
            errors += [f"{form.fields[name].label}: {e}" for e in form.errors.get(name, [])]
    return Scope(user, form, region, unit, first, last, now, appeals, period, errors)


def _unit_only(user, regions, units) -> bool:
    scopes = user_scopes(user)
    return not scopes.is_admin and not regions and len(units) == 1 and bool(scopes.units)


def _unit_only_scopes(scopes) -> bool:
    return not scopes.is_admin and not any(scopes.by_role.get(role) for role in selectors._REGION_SCOPED_ROLES)


def _only_region(user) -> Region | None:
    """The single region a non-administrator holds their roles at, if exactly one
    and no unit or building besides."""
    scopes = user_scopes(user)
    if scopes.is_admin or scopes.units or scopes.buildings:
        return None
    ids = {pk for role in selectors._REGION_SCOPED_ROLES for level in scopes.by_role.get(role, {}).values()
           for pk in level}
    if len(ids) != 1:
        return None
    return Region.objects.filter(pk__in=ids, level__in=[str(lv) for lv in selectors.SCOPE_LEVELS]).first()


def query_string(scope: Scope) -> str:
    """The pickers as a query string, for the JSON endpoints and the 大屏 link."""
    from urllib.parse import urlencode

    params = {"period": "custom", "start": scope.first.isoformat(), "end": scope.last.isoformat()}
    if scope.region is not None:
        params["scope"] = scope.region.pk
    if scope.unit is not None:
        params["unit"] = scope.unit.pk
    return urlencode(params)


def refresh_seconds(value) -> int:
    """Seconds between 大屏 refreshes: a whole number, clamped to [2, 3600]."""
    try:
        seconds = int(str(value).strip())
    except (TypeError, ValueError):
        return REFRESH_DEFAULT
    return max(REFRESH_MIN, min(REFRESH_MAX, seconds))


# ---------------------------------------------------------------- aggregates beyond figures.py

@dataclass(frozen=True)
class Bucket:
    start: dt.date
    received: figures.FigureValue
    closed: figures.FigureValue


def by_month(appeals: QuerySet[Appeal], *, months: int = MONTHS, until: dt.date | None = None,
             now=None) -> list[Bucket]:
    """Received vs closed for `months` calendar months, the month holding `until`
    last: one query with two counts per month."""
    now = now or timezone.now()
    last_day = until or timezone.localtime(now).date()
    first = last_day.replace(day=1)
    starts = []
    for _i in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    starts.reverse()
    ends = starts[1:] + [(starts[-1] + dt.timedelta(days=32)).replace(day=1)]
    aggregates: dict = {}
    for i, (start, end) in enumerate(zip(starts, ends)):
        period = figures.make_period(start, end, now)
        aggregates.update(figures.RECEIVED.aggregates(period, prefix=f"m{i}_"))
        aggregates.update(figures.CLOSED.aggregates(period, prefix=f"m{i}_"))
    window = figures.make_period(starts[0], ends[-1], now)
    result = appeals.filter(figures.RECEIVED.rows(window) | figures.CLOSED.rows(window)).aggregate(**aggregates)
    return [Bucket(start, figures.RECEIVED.read(result, f"m{i}_"), figures.CLOSED.read(result, f"m{i}_"))
            for i, start in enumerate(starts)]


def grid_ranking(source, period: figures.Period, limit: int = RANKING_LIMIT) -> figures.Breakdown:
    """The grid ranking: grids by appeals received in the period, most first."""
    rows = [r for r in source.grid_rows(period, GRID_COLUMNS) if r.values["received"].count][:limit]
    return aggregates.grid_breakdown(rows, GRID_COLUMNS, _("By grid (top %(n)d)") % {"n": limit},
                                     label=lambda r: f"{r.community} · {r.name}")


def map_grid_values(source, period: figures.Period) -> dict[int, dict]:
    """grid id → the map figures (received, overdue, closed, satisfaction) for the period."""
    return {r.grid_id: r.values for r in source.grid_rows(period, MAP_FIGURES)}


def overdue_appeals(appeals: QuerySet[Appeal], period: figures.Period) -> QuerySet[Appeal]:
    """Open appeals past a deadline now, the longest overdue first (the list and its export)."""
    return appeals.filter(figures.OVERDUE.rows(period)).select_related(
        "category", "grid", "community", "lead_unit").order_by("resolve_due", "response_due", "pk")


def open_supervisions(appeals: QuerySet[Appeal]) -> QuerySet[Supervision]:
    """Supervision notices (督办) not yet cleared on appeals in scope, newest first (the list and its export)."""
    return Supervision.objects.filter(appeal__in=appeals.values("pk"), cleared_at__isnull=True).select_related(
        "appeal__category", "appeal__grid", "appeal__community", "appeal__lead_unit", "unit").order_by(
        "-created_at", "-id")


def overdue_list(appeals: QuerySet[Appeal], period: figures.Period, limit: int = LIST_LIMIT) -> dict:
    qs = overdue_appeals(appeals, period)
    return {"total": qs.count(), "rows": [_appeal_row(a) for a in qs[:limit]]}


def supervised_list(appeals: QuerySet[Appeal], limit: int = LIST_LIMIT) -> dict:
    qs = open_supervisions(appeals)
    out = []
    for s in qs[:limit]:
        row = _appeal_row(s.appeal)
        row.update({"kind": s.kind, "kind_label": str(s.get_kind_display()), "since": timezone.localtime(s.created_at),
                    "unit": s.unit.name if s.unit_id else row["unit"]})
        out.append(row)
    return {"total": qs.count(), "rows": out}


def _appeal_row(a: Appeal) -> dict:
    due = a.resolve_due if a.accepted_at else a.response_due
    return {
        "id": a.pk, "number": a.number or "", "title": a.title, "category": a.category.name,
        "grid": f"{a.community.name} · {a.grid.name}", "status": a.status, "status_label": str(a.get_status_display()),
        "due": timezone.localtime(due) if due else None, "unit": a.lead_unit.name if a.lead_unit_id else "",
        "url": reverse("appeals:detail", args=[a.pk]),
    }


def hot_topics(appeals: QuerySet[Appeal], period: figures.Period, categories: figures.Breakdown) -> dict:
    """The top categories and the most frequent words of the latest titles
    received in the period (jieba's segmentation when installed, else bigrams)."""
    titles = list(appeals.filter(figures.RECEIVED.rows(period)).order_by("-created_at", "-pk")
                  .values_list("title", flat=True)[:HOT_TITLES])
    return {
        "categories": [{"name": row.label, "value": row.cells[0].count} for row in categories.rows[:5]],
        "words": [{"word": w, "count": n} for w, n in title_words(titles).most_common(HOT_WORDS)],
    }


_WORDY = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _segmenter():
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)
    return jieba


def title_words(titles: list[str], segmenter=None) -> Counter:
    """Words of two or more characters, stop words left out; each title counts a word once.
    jieba's full mode lists every dictionary word of a title, so 路灯 is found in
    路灯不亮 (its default mode would cut 路 / 灯不亮)."""
    seg = segmenter if segmenter is not None else _segmenter()
    counts: Counter = Counter()
    for title in titles:
        if seg is not None:
            words = {w.strip() for w in seg.lcut(title, cut_all=True)}  # every dictionary word in it
        else:
            words = {run[i:i + 2] for run in _CJK_RUN.findall(title) for i in range(len(run) - 1)}
        counts.update(w for w in words if len(w) >= 2 and _WORDY.search(w) and w not in STOP_WORDS)
    return counts


# ---------------------------------------------------------------- the map

def scope_grids(scope: Scope) -> list[Region]:
    """The grids drawn: those the user's regions hold (inside the chosen area),
    or, for a unit, the grids its appeals lie in."""
    if scope.unit is not None or not selectors.scope_regions(scope.user):
        ids = scope.appeals.values("grid_id")
        return list(Region.objects.filter(pk__in=ids).select_related("parent").order_by("code"))
    grids = [r for r in selectors.scope_regions(scope.user) if r.level == Region.Level.GRID]
    if scope.region is not None:
        grids = [g for g in grids if g.path.startswith(scope.region.path)]
    parents = {r.pk: r for r in Region.objects.filter(pk__in={g.parent_id for g in grids})}
    for g in grids:
        g.parent = parents.get(g.parent_id)
    return grids


def scope_places(grids: list[Region]) -> QuerySet[Place]:
    """Active service points of the shown grids, their communities and streets."""
    ids = {g.pk for g in grids}
    communities = {g.parent_id for g in grids if g.parent_id}
    streets = set(Region.objects.filter(pk__in=communities).values_list("parent_id", flat=True))
    ids |= communities | {s for s in streets if s}
    return Place.objects.filter(region_id__in=ids, is_active=True, lat__isnull=False, lng__isnull=False).order_by("name")


def map_data(scope: Scope) -> dict:
    """GeoJSON grids with their figures, appeal points by status, service points."""
    grids = scope_grids(scope)
    values = map_grid_values(figures_source(scope), scope.period)
    features = []
    for g in grids:
        if not g.geometry:
            continue
        v = values.get(g.pk, {})
        props = {"id": g.pk, "name": g.name, "community": g.parent.name if g.parent else ""}
        for f in MAP_FIGURES:
            fv = v.get(f.key)
            props[f.key] = _number(fv.value) if fv is not None else (None if f.is_rate else 0)
            props[f"{f.key}_display"] = fv.display if fv is not None else (figures.NO_VALUE if f.is_rate else "0")
        features.append({"type": "Feature", "geometry": g.geometry, "properties": props})
    received = scope.appeals.filter(figures.RECEIVED.rows(scope.period), lat__isnull=False, lng__isnull=False)
    total = received.count()
    rows = received.order_by("-created_at", "-pk").values(
        "pk", "number", "status", "lat", "lng", "category__name")[:MAX_POINTS]
    labels = dict(Status.choices)
    points = [{"id": r["pk"], "number": r["number"] or "", "status": r["status"], "lat": r["lat"], "lng": r["lng"],
               "category": r["category__name"], "url": reverse("appeals:detail", args=[r["pk"]])} for r in rows]
    kinds = dict(Place.Kind.choices)
    places = [{"id": p.pk, "name": p.name, "kind": p.kind, "kind_label": str(kinds.get(p.kind, p.kind)),
               "address": p.address, "lat": p.lat, "lng": p.lng} for p in scope_places(grids)]
    return {
        "grids": {"type": "FeatureCollection", "features": features},
        "figures": [{"key": f.key, "label": str(f.label), "rate": f.is_rate, "definition": str(f.definition)}
                    for f in MAP_FIGURES],
        "statuses": [{"key": s, "label": str(labels[s]), "colour": COLOUR_HEX[STATUS_COLOURS[s]]} for s in Status],
        "points": points,
        "points_total": total,
        "truncated": total > len(points),
        "places": places,
    }


# ---------------------------------------------------------------- the whole board

def build(scope: Scope) -> dict:
    """Everything on the dashboard for one scope and period."""
    source = figures_source(scope)
    appeals, period, now = scope.appeals, scope.period, scope.now
    values = source.compute(period)
    categories = source.by_category(period)
    return {
        "values": values,
        "service_sections": ([] if scope.unit else
                             figures.service_sections(selectors.community_ids(scope.user, scope.region), period)),
        "source": source.name,
        "weeks": source.by_week(weeks=WEEKS, until=scope.weeks_until, now=now),
        "months": source.by_month(months=MONTHS, until=scope.weeks_until, now=now),
        "categories": categories,
        "channels": source.by_channel(period),
        "units": source.by_unit(period),
        "grids": grid_ranking(source, period),
        "overdue": overdue_list(appeals, period),
        "supervised": supervised_list(appeals),
        "hot": hot_topics(appeals, period, categories),
        "calendar_gaps": selectors.calendar_gaps(appeals, now=now),
    }


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def _figure_json(v: figures.FigureValue) -> dict:
    return {"key": v.key, "label": str(v.figure.label), "value": _number(v.value), "display": v.display,
            "rate": v.is_rate, "count": v.count, "hits": v.hits, "definition": str(v.figure.definition)}


def _breakdown_json(b: figures.Breakdown) -> dict:
    return {"key": b.key, "title": str(b.title), "columns": [{"key": c.key, "label": str(c.label)} for c in b.columns],
            "rows": [{"label": r.label, "values": {c.key: _number(v.value) for c, v in zip(b.columns, r.cells)},
                      "display": {c.key: v.display for c, v in zip(b.columns, r.cells)}} for r in b.rows]}


def as_json(scope: Scope, board: dict) -> dict:
    """The board as plain JSON for the charts and the 大屏."""
    return {
        "generated_at": timezone.localtime(scope.now).isoformat(),
        "scope": {"label": scope.label, "first": scope.first.isoformat(), "last": scope.last.isoformat(),
                  "region": scope.region.pk if scope.region else None, "unit": scope.unit.pk if scope.unit else None},
        "labels": {"received": str(figures.RECEIVED.label), "closed": str(figures.CLOSED.label)},
        "cards": [_figure_json(v) for v in board["values"].values()],
        "services": [{"key": s["key"], "title": str(s["title"]),
                      "figures": [{"name": f["name"], "label": str(f["label"]), "display": _number(f["display"]),
                                   "definition": str(f.get("definition", ""))} for f in s["figures"]]}
                     for s in board["service_sections"]],
        "weeks": {"labels": [w.start.isoformat() for w in board["weeks"]],
                  "received": [w.received.count for w in board["weeks"]],
                  "closed": [w.closed.count for w in board["weeks"]]},
        "months": {"labels": [m.start.strftime("%Y-%m") for m in board["months"]],
                   "received": [m.received.count for m in board["months"]],
                   "closed": [m.closed.count for m in board["months"]]},
        "categories": _breakdown_json(board["categories"]),
        "channels": _breakdown_json(board["channels"]),
        "units": _breakdown_json(board["units"]),
        "grids": _breakdown_json(board["grids"]),
        "overdue": board["overdue"],
        "supervised": board["supervised"],
        "hot": board["hot"],
        "calendar_gaps": board["calendar_gaps"],
    }
