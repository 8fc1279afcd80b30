"""The street's figures (接件, 受理, 已处理, 吹哨, 答卷, 三率 …), each defined once.

A `Figure` is a key, a label, the definition shown to users, and the rows it
counts as a `Q` on one source table (appeals, whistles or answers). A rate is a
figure with `hits`: the share of its rows that also match `hits`. Cards,
breakdown tables and weekly series all compute from these definitions with
conditional `Count(filter=...)` aggregates, so a figure means the same thing
wherever it is shown.

Period [start, end), local time:

* flow figures count what happened in the period: received (created), whistles
  (whistled), answers (answered), closed and solved_by_whistle (closed);
* cohort figures and every rate are about the appeals *received* in the period,
  as they stand now: accepted, handled, and the six rates;
* overdue is a snapshot of now, whenever the appeal was received.

Edge cases: a rejected appeal is received and responded to, never accepted; a
merged duplicate is received and responded to, never accepted, handled, closed
or rated (its parent carries the outcome); a suspended appeal is still open
(in the resolution rate's denominator, never overdue, and left out of the
response rate until its clock runs again); a reopened appeal is closed once,
at the end, counts towards the rework rate, and its satisfaction is its latest
rating. A rate with a zero denominator is None and shows "—".
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from appeals.models import Answer, Appeal, Whistle
from appeals.workflow import OPEN_STATES, Channel, Satisfaction, Status
from core.errors import NotAllowed

from . import selectors

APPEALS, WHISTLES, ANSWERS = "appeals", "whistles", "answers"
NO_VALUE = "—"


@dataclass(frozen=True)
class Period:
    """[start, end) in aware datetimes; None is unbounded. `now` is for snapshot parts."""

    start: dt.datetime | None
    end: dt.datetime | None
    now: dt.datetime

    def within(self, field: str) -> Q:
        q = Q()
        if self.start is not None:
            q &= Q(**{f"{field}__gte": self.start})
        if self.end is not None:
            q &= Q(**{f"{field}__lt": self.end})
        return q


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    definition: Promise
    source: str
    rows: Callable[[Period], Q]
    # For a rate: the rows (a subset of `rows`) that count as hits.
    hits: Callable[[Period], Q] | None = None

    @property
    def is_rate(self) -> bool:
        return self.hits is not None

    def aggregates(self, period: Period, prefix: str = "") -> dict:
        rows = self.rows(period)
        out = {f"{prefix}{self.key}": _count(rows)}
        if self.hits is not None:
            out[f"{prefix}{self.key}_hits"] = _count(rows & self.hits(period))
        return out

    def read(self, result: dict, prefix: str = "") -> "FigureValue":
        rows = result.get(f"{prefix}{self.key}") or 0
        hits = (result.get(f"{prefix}{self.key}_hits") or 0) if self.is_rate else None
        return FigureValue(self, rows, hits)


def _count(q: Q) -> Count:
    return Count("pk", filter=q) if q else Count("pk")


@dataclass(frozen=True)
class FigureValue:
    """One computed figure. For a count, `count` is the number; for a rate,
    `hits` ÷ `count` (None when nothing to divide by)."""

    figure: Figure
    count: int
    hits: int | None = None

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def is_rate(self) -> bool:
        return self.figure.is_rate

    @property
    def value(self) -> int | Decimal | None:
        """The count, or the rate in percent (one decimal, half up), or None."""
        if not self.is_rate:
            return self.count
        if not self.count:
            return None
        return (Decimal(self.hits) * 100 / Decimal(self.count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def display(self) -> str:
        value = self.value
        if value is None:
            return NO_VALUE
        return f"{value}%" if self.is_rate else str(value)

    @property
    def bar(self) -> int:
        """Width in percent for a CSS bar (rates only)."""
        value = self.value
        return int(value) if self.is_rate and value is not None else 0

    def __str__(self) -> str:
        return self.display


# ---------------------------------------------------------------- the rows each figure counts (appeals)

def _received(p: Period) -> Q:
    return p.within("created_at")


def _accepted(p: Period) -> Q:
    return _received(p) & Q(accepted_at__isnull=False) & ~Q(status=Status.MERGED)


# Reached verification at least once. handled_at is cleared when the work is sent
# back, but then rework_count or reopen_count has gone up, so this stays true.
_EVER_HANDLED = (Q(handled_at__isnull=False) | Q(status=Status.CLOSED)
                 | Q(rework_count__gt=0) | Q(reopen_count__gt=0))


def _handled(p: Period) -> Q:
    return _received(p) & _EVER_HANDLED


def _closed(p: Period) -> Q:
    return Q(status=Status.CLOSED) & p.within("closed_at")


def _received_and_closed(p: Period) -> Q:
    return _received(p) & Q(status=Status.CLOSED)


def _was_whistled(p: Period) -> Q:
    return Q(Exists(Whistle.objects.filter(appeal_id=OuterRef("pk"))))


def _overdue(p: Period) -> Q:
    return Q(is_overdue=True, status__in=OPEN_STATES)


def _sent_back(p: Period) -> Q:
    return Q(rework_count__gt=0) | Q(reopen_count__gt=0)


def _response_decided(p: Period) -> Q:
    """Received, minus those still waiting for a response whose clock has not run
    out yet or is paused by a suspension."""
    waiting = Q(responded_at__isnull=True) & (
        Q(status=Status.SUSPENDED) | Q(response_due__isnull=True) | Q(response_due__gte=p.now))
    return _received(p) & ~waiting


def _responded_in_time(p: Period) -> Q:
    return Q(responded_at__isnull=False) & (Q(response_due__isnull=True) | Q(responded_at__lte=F("response_due")))


def _rated(p: Period) -> Q:
    return _received(p) & ~Q(satisfaction="")


def _satisfied(p: Period) -> Q:
    return Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])


# ---------------------------------------------------------------- whistles and answers

def _whistled(p: Period) -> Q:
    return p.within("created_at")


def _unit_answers(p: Period) -> Q:
    return Q(unit__isnull=False) & p.within("at")


def _whistle_answered(p: Period) -> Q:
    return _whistled(p) & Q(state=Whistle.State.ANSWERED)


def _answered_by_deadline(p: Period) -> Q:
    return Q(last_answer_at__lte=F("deadline"))


def _whistle_returned(p: Period) -> Q:
    return _whistled(p) & Q(state=Whistle.State.RETURNED)


# ---------------------------------------------------------------- the definitions

RECEIVED = Figure(
    "received", _("Received"),
    _("Received (接件) = appeals created in the period, from every channel, including those later "
      "rejected or merged as duplicates."),
    APPEALS, _received)
ACCEPTED = Figure(
    "accepted", _("Accepted"),
    _("Accepted (受理) = appeals received in the period that were accepted for handling. Rejected appeals "
      "and duplicates merged into another appeal are not counted."),
    APPEALS, _accepted)
HANDLED = Figure(
    "handled", _("Handled"),
    _("Handled (已处理) = appeals received in the period that have reached verification at least once "
      "(resolved by the grid or community, or answered by a unit), including those sent back for rework "
      "since. Merged duplicates are not counted: their parent carries the outcome."),
    APPEALS, _handled)
WHISTLES_FIG = Figure(
    "whistles", _("Whistles"),
    _("Whistles (吹哨) = times in the period the street whistled an appeal to a lead unit. An appeal "
      "whistled again after a unit returned it counts again."),
    WHISTLES, _whistled)
ANSWERS_FIG = Figure(
    "answers", _("Answers"),
    _("Answers (答卷) = resolution reports filed by units in the period; a unit answering again after "
      "rework counts again. Reports by the grid or community itself are not included."),
    ANSWERS, _unit_answers)
SOLVED_BY_WHISTLE = Figure(
    "solved_by_whistle", _("Difficult cases solved"),
    _("Difficult cases solved (协调解决难题) = appeals closed in the period that had been whistled to a "
      "unit at least once."),
    APPEALS, lambda p: _closed(p) & _was_whistled(p))
CLOSED = Figure(
    "closed", _("Closed"),
    _("Closed (结案) = appeals closed in the period, after verification and the return visit, whenever "
      "they were received. Rejected and merged appeals are not counted."),
    APPEALS, _closed)
OVERDUE = Figure(
    "overdue", _("Overdue now"),
    _("Overdue = open appeals past their response or resolution deadline right now, whenever they were "
      "received. Suspended appeals have their clock paused and are not counted."),
    APPEALS, _overdue)
ON_TIME_CLOSE_RATE = Figure(
    "on_time_close_rate", _("On-time close rate"),
    _("On-time close rate = closed appeals whose last resolution or answer came within the resolution "
      "limit ÷ closed appeals, both among the appeals received in the period."),
    APPEALS, _received_and_closed, lambda p: Q(handled_on_time=True))
REWORK_RATE = Figure(
    "rework_rate", _("Rework rate"),
    _("Rework rate = appeals sent back at least once (failed verification or a dissatisfied rating) ÷ "
      "handled appeals, both among the appeals received in the period."),
    APPEALS, _handled, _sent_back)
RESPONSE_RATE = Figure(
    "response_rate", _("Response rate"),
    _("Response rate = appeals responded to (accepted, rejected or merged) within the response limit ÷ "
      "appeals received in the period. Appeals still waiting whose limit has not run out, or whose clock "
      "is paused by a suspension, are left out until they are decided."),
    APPEALS, _response_decided, _responded_in_time)
RESOLUTION_RATE = Figure(
    "resolution_rate", _("Resolution rate"),
    _("Resolution rate = closed appeals ÷ accepted appeals, both among the appeals received in the "
      "period. Suspended appeals are still open and stay in the denominator."),
    APPEALS, _accepted, lambda p: Q(status=Status.CLOSED))
SATISFACTION_RATE = Figure(
    "satisfaction_rate", _("Satisfaction rate"),
    _("Satisfaction rate = appeals whose latest rating is satisfied or basically satisfied ÷ rated "
      "appeals, among the appeals received in the period. An appeal rated twice (after a reopen) counts "
      "once, with its latest rating."),
    APPEALS, _rated, _satisfied)

# The cards, in the order shown.
FIGURES: tuple[Figure, ...] = (
    RECEIVED, ACCEPTED, HANDLED, WHISTLES_FIG, ANSWERS_FIG, SOLVED_BY_WHISTLE, CLOSED, OVERDUE,
    RESPONSE_RATE, RESOLUTION_RATE, SATISFACTION_RATE, ON_TIME_CLOSE_RATE, REWORK_RATE,
)
COUNT_FIGURES = tuple(f for f in FIGURES if not f.is_rate)
RATE_FIGURES = tuple(f for f in FIGURES if f.is_rate)

# Per unit (whistles grouped by their lead unit).
UNIT_WHISTLES = Figure(
    "unit_whistles", _("Whistles received"),
    _("Whistles received = times in the period the unit was whistled as lead unit."),
    WHISTLES, _whistled)
UNIT_ANSWERED = Figure(
    "unit_answered", _("Answered"),
    _("Answered = of those whistles, the ones the unit has answered and that are not back with it for "
      "rework."),
    WHISTLES, _whistle_answered)
UNIT_ON_TIME_RATE = Figure(
    "unit_on_time_rate", _("Answered on time"),
    _("Answered on time = answered whistles whose latest answer came by the whistle's deadline (the "
      "deadline moves with rework and suspension) ÷ answered whistles."),
    WHISTLES, _whistle_answered, _answered_by_deadline)
UNIT_RETURNED = Figure(
    "unit_returned", _("Returned"),
    _("Returned = of those whistles, the ones the unit sent back as misrouted."),
    WHISTLES, _whistle_returned)
UNIT_FIGURES: tuple[Figure, ...] = (UNIT_WHISTLES, UNIT_ANSWERED, UNIT_ON_TIME_RATE, UNIT_RETURNED)

BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES + UNIT_FIGURES}

PERIOD_NOTE = _("Received, whistles, answers, closed and difficult cases solved count what happened in the "
                "period. Accepted, handled and every rate are about the appeals received in the period, as "
                "they stand now. Overdue is a snapshot of now. A rate with nothing to divide by shows “—”.")


# ---------------------------------------------------------------- computing

class Figures(dict):
    """key → FigureValue, in display order."""

    @property
    def counts(self) -> list[FigureValue]:
        return [v for v in self.values() if not v.is_rate]

    @property
    def rates(self) -> list[FigureValue]:
        return [v for v in self.values() if v.is_rate]


def _whistles_of(appeals: QuerySet[Appeal], unit) -> QuerySet[Whistle]:
    qs = Whistle.objects.filter(appeal_id__in=appeals.values("pk"))
    return qs.filter(lead_unit=unit) if unit is not None else qs


def _answers_of(appeals: QuerySet[Appeal], unit) -> QuerySet[Answer]:
    qs = Answer.objects.filter(appeal_id__in=appeals.values("pk"))
    return qs.filter(unit=unit) if unit is not None else qs


def compute(appeals: QuerySet[Appeal], period: Period, *, unit=None, figures=FIGURES) -> Figures:
    """Every figure over a scope of appeals: one aggregate query per source table."""
    sources = {
        APPEALS: lambda: appeals,
        WHISTLES: lambda: _whistles_of(appeals, unit),
        ANSWERS: lambda: _answers_of(appeals, unit),
    }
    results: dict = {}
    for source, make in sources.items():
        wanted = [f for f in figures if f.source == source]
        if wanted:
            aggregates = {}
            for f in wanted:
                aggregates.update(f.aggregates(period))
            results.update(make().aggregate(**aggregates))
    return Figures((f.key, f.read(results)) for f in figures)


def make_period(start=None, end=None, now=None) -> Period:
    """Dates are local days (an end date is exclusive); datetimes are used as given."""
    now = now or timezone.now()
    return Period(_to_datetime(start), _to_datetime(end), now)


def _to_datetime(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        if value is not None and timezone.is_naive(value):
            return timezone.make_aware(value)
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def figures_for(user, scope_region=None, unit=None, start=None, end=None, *, now=None) -> Figures:
    """The figures a staff member may see: their visible appeals, optionally
    narrowed to a region (Region, id or path) and/or a lead unit, over [start, end)."""
    if not selectors.can_see_figures(user):
        raise NotAllowed(_("The figures are for street, community, grid and department staff."))
    unit = selectors.resolve_unit(unit)
    appeals = selectors.scoped_appeals(user, region=scope_region, unit=unit)
    return compute(appeals, make_period(start, end, now), unit=unit)


# ---------------------------------------------------------------- breakdowns

@dataclass(frozen=True)
class BreakdownRow:
    label: str
    cells: list[FigureValue]
    bar: int  # first column relative to the largest row, in percent


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    columns: tuple[Figure, ...]
    rows: list[BreakdownRow]


def _grouped(qs: QuerySet, period: Period, columns, group_by: list[str], label: Callable[[dict], str],
             order: str, limit: int | None = None) -> list[BreakdownRow]:
    aggregates: dict = {}
    relevant = []
    for f in columns:
        aggregates.update(f.aggregates(period, prefix="f_"))
        relevant.append(f.rows(period))
    # Only rows some column counts; a group with nothing to show is left out.
    if all(relevant):
        qs = qs.filter(reduce(or_, relevant))
    grouped = qs.values(*group_by).annotate(**aggregates).order_by(f"-f_{order}", *group_by)
    if limit:
        grouped = grouped[:limit]
    result = list(grouped)
    top = max((r[f"f_{columns[0].key}"] for r in result), default=0)
    return [BreakdownRow(label(r), [f.read(r, prefix="f_") for f in columns],
                         round(100 * r[f"f_{columns[0].key}"] / top) if top else 0) for r in result]


BY_CATEGORY_COLUMNS = (RECEIVED, CLOSED, OVERDUE, RESOLUTION_RATE, SATISFACTION_RATE)
BY_CHANNEL_COLUMNS = (RECEIVED, ACCEPTED, CLOSED, RESPONSE_RATE)
BY_COMMUNITY_COLUMNS = (RECEIVED, HANDLED, CLOSED, OVERDUE, RESPONSE_RATE, RESOLUTION_RATE, SATISFACTION_RATE)


def by_category(appeals: QuerySet[Appeal], period: Period, limit: int = 10) -> Breakdown:
    def label(r):
        return f"{r['category__parent__name']} / {r['category__name']}" if r["category__parent__name"] else r["category__name"]

    rows = _grouped(appeals, period, BY_CATEGORY_COLUMNS, ["category_id", "category__name", "category__parent__name"],
                    label, "received", limit)
    return Breakdown("category", _("By category (top %(n)d)") % {"n": limit}, BY_CATEGORY_COLUMNS, rows)


def by_channel(appeals: QuerySet[Appeal], period: Period) -> Breakdown:
    labels = dict(Channel.choices)
    rows = _grouped(appeals, period, BY_CHANNEL_COLUMNS, ["channel"], lambda r: str(labels.get(r["channel"], r["channel"])),
                    "received")
    return Breakdown("channel", _("By channel"), BY_CHANNEL_COLUMNS, rows)


def by_community(appeals: QuerySet[Appeal], period: Period) -> Breakdown:
    rows = _grouped(appeals, period, BY_COMMUNITY_COLUMNS, ["community_id", "community__name"],
                    lambda r: r["community__name"], "received")
    return Breakdown("community", _("By community"), BY_COMMUNITY_COLUMNS, rows)


def by_unit(appeals: QuerySet[Appeal], period: Period, unit=None) -> Breakdown:
    last_answer = Answer.objects.filter(whistle_id=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    whistles = _whistles_of(appeals, unit).annotate(last_answer_at=Subquery(last_answer))
    rows = _grouped(whistles, period, UNIT_FIGURES, ["lead_unit_id", "lead_unit__name"],
                    lambda r: r["lead_unit__name"], "unit_whistles")
    return Breakdown("unit", _("By unit"), UNIT_FIGURES, rows)


@dataclass(frozen=True)
class Week:
    start: dt.date
    received: FigureValue
    closed: FigureValue
    received_bar: int
    closed_bar: int


def by_week(appeals: QuerySet[Appeal], *, weeks: int = 12, until: dt.date | None = None, now=None) -> list[Week]:
    """Received vs closed for `weeks` weeks (Monday to Sunday, local), the week
    holding `until` (default: today) last: one query with two counts per week."""
    now = now or timezone.now()
    last_day = until or timezone.localtime(now).date()
    monday = last_day - dt.timedelta(days=last_day.weekday())
    starts = [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    aggregates: dict = {}
    periods = []
    for i, start in enumerate(starts):
        period = make_period(start, start + dt.timedelta(days=7), now)
        periods.append(period)
        aggregates.update(RECEIVED.aggregates(period, prefix=f"w{i}_"))
        aggregates.update(CLOSED.aggregates(period, prefix=f"w{i}_"))
    window = make_period(starts[0], starts[-1] + dt.timedelta(days=7), now)
    result = appeals.filter(RECEIVED.rows(window) | CLOSED.rows(window)).aggregate(**aggregates)
    values = [(RECEIVED.read(result, f"w{i}_"), CLOSED.read(result, f"w{i}_")) for i in range(weeks)]
    top = max((max(r.count, c.count) for r, c in values), default=0)

    def bar(v: FigureValue) -> int:
        return round(100 * v.count / top) if top else 0

    return [Week(start, r, c, bar(r), bar(c)) for start, (r, c) in zip(starts, values)]


# ---------------------------------------------------------------- services, volunteering, points, 双报到

# Each app defines its own figures once, in its selectors, as
# `figures(community_ids, start, end) -> [{"key", "label", "value", "definition"}]`.
# On the page a figure is named "<app>.<key>", so apps need not avoid each other's keys.
SERVICE_SOURCES = (
    ("services", _("Service orders and micro-wishes"), "services.selectors.figures"),
    ("volunteering", _("Volunteering"), "volunteering.selectors.figures"),
    ("points", _("Points"), "points.selectors.figures"),
    ("party", _("Dual reporting"), "party.selectors.figures"),
    ("deliberation", _("Deliberation"), "deliberation.selectors.figures"),
    ("mediation", _("Dispute mediation"), "mediation.selectors.figures"),
    ("visits", _("Visits and patrols"), "visits.selectors.figures"),
    ("places", _("Service points"), "places.selectors.figures"),
)


def service_sections(community_ids: list[int] | None, period: Period) -> list[dict]:
    """The figures beside the appeal figures, grouped by the app that defines them."""
    from django.utils.module_loading import import_string

    sections = []
    for app, title, dotted in SERVICE_SOURCES:
        rows = import_string(dotted)(community_ids, period.start, period.end)
        for row in rows:
            value = row["value"]
            row["display"] = NO_VALUE if value is None else value
            row["name"] = f"{app}.{row['key']}"
        sections.append({"key": app, "title": title, "figures": rows})
    return sections
