"""Keeping the rollups exact.

The finest rows (AppealDay, WhistleDay: local day × grid × category × channel ×
unit) are *recomputed* from the raw tables with the figure definitions of
insights.figures, so they cannot drift from the naive path. The coarse rows
(AppealRollup, WhistleRollup: per month and per day, per region level) take the
difference between a fine row's old and new values as an increment, so they
stay the sum of the fine rows.

`refresh_appeal` runs inside the transaction of every change to an appeal (see
the signal and hook at the end of insights.models). Concurrency: the fine row
is locked before it is recounted, so under READ COMMITTED the recount sees
every change committed by whoever held the lock before; coarse rows only
receive increments, which commute. Locks are taken in sorted key order, fine
rows before coarse rows, so two changes never wait on each other in a circle.

`rebuild` recomputes everything set-based, INSERT ... SELECT ... GROUP BY in the database (after bulk loads).
"""

import datetime as dt
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models import F as Field
from django.db.models.functions import TruncDate
from django.utils import timezone

from appeals.models import Answer, Appeal, Whistle
from appeals.workflow import Status
from regions.models import Region

from . import figures as F
from .models import AppealDay, AppealRollup, Grain, PendingResponse, WhistleDay, WhistleRollup

APPEAL_FIELDS = ("received", "accepted", "handled", "responded", "responded_in_time", "accepted_closed", "rated",
                 "satisfied", "received_closed", "closed_on_time", "reworked", "closed", "solved_by_whistle")
WHISTLE_FIELDS = ("whistles", "answered", "answered_on_time", "returned", "answers")
FINE_KEY = ("day", "grid", "category", "channel", "unit")


def _all_time() -> F.Period:
    return F.Period(None, None, timezone.now())


def _count(q: Q, distinct: bool) -> Count:
    return Count("pk", filter=q, distinct=distinct) if q else Count("pk", distinct=distinct)


def received_counters(distinct: bool = False) -> dict:
    """Counters filed under the day an appeal was received: each figure's rows (and
    hits) with the period taken away, so a day's appeals count as that figure would."""
    p = _all_time()
    c = {
        "received": F.RECEIVED.rows(p),
        "accepted": F.ACCEPTED.rows(p),
        "handled": F.HANDLED.rows(p),
        # Responded: the part of the response rate's denominator that no longer depends on `now`.
        "responded": Q(responded_at__isnull=False),
        "responded_in_time": F.RESPONSE_RATE.hits(p),
        "accepted_closed": F.RESOLUTION_RATE.rows(p) & F.RESOLUTION_RATE.hits(p),
        "rated": F.SATISFACTION_RATE.rows(p),
        "satisfied": F.SATISFACTION_RATE.rows(p) & F.SATISFACTION_RATE.hits(p),
        "received_closed": F.ON_TIME_CLOSE_RATE.rows(p),
        "closed_on_time": F.ON_TIME_CLOSE_RATE.rows(p) & F.ON_TIME_CLOSE_RATE.hits(p),
        "reworked": F.REWORK_RATE.rows(p) & F.REWORK_RATE.hits(p),
    }
    return {k: _count(q, distinct) for k, q in c.items()}


def closed_counters(distinct: bool = False) -> dict:
    p = _all_time()
    return {"closed": _count(F.CLOSED.rows(p), distinct), "solved_by_whistle": _count(F.SOLVED_BY_WHISTLE.rows(p), distinct)}


def whistle_counters() -> dict:
    p = _all_time()
    return {
        "whistles": _count(F.UNIT_WHISTLES.rows(p), False),
        "answered": _count(F.UNIT_ANSWERED.rows(p), False),
        "answered_on_time": _count(F.UNIT_ON_TIME_RATE.rows(p) & F.UNIT_ON_TIME_RATE.hits(p), False),
        "returned": _count(F.UNIT_RETURNED.rows(p), False),
    }


def _with_last_answer(whistles):
    last = Answer.objects.filter(whistle_id=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    return whistles.annotate(last_answer_at=Subquery(last))


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


# ---------------------------------------------------------------- where a fine row's counts go

# Filled during one refresh or rebuild and cleared at its start: regions can be
# re-parented and ids reused (a flushed test database), so nothing outlives the call.
_paths: dict[int, list[int]] = {}


def _ancestors(grid: int) -> list[int]:
    """Region ids above the grid (district, street, community), root first."""
    if grid not in _paths:
        path = Region.objects.filter(pk=grid).values_list("path", flat=True).first() or ""
        ids = [int(x) for x in path.strip("/").split("/") if x]
        _paths[grid] = [i for i in ids if i != grid]
    return _paths[grid]


def appeal_rollup_keys(day: dt.date, grid: int, category: int, channel: str, unit: int) -> list[tuple]:
    """(region, unit, grain, start, category, channel) rows a fine AppealDay row adds to."""
    month = day.replace(day=1)
    keys = []
    regions = [0] if unit else [0, *_ancestors(grid)]
    for region in regions:
        keys += [(region, unit, Grain.MONTH, month, 0, ""), (region, unit, Grain.MONTH, month, category, ""),
                 (region, unit, Grain.MONTH, month, 0, channel), (region, unit, Grain.DAY, day, 0, "")]
    if not unit:
        keys.append((grid, 0, Grain.MONTH, month, 0, ""))
    return keys


def whistle_rollup_keys(day: dt.date, grid: int, unit: int) -> list[tuple]:
    """(region, grain, start, unit) rows a fine WhistleDay row adds to."""
    month = day.replace(day=1)
    keys = []
    for region in [0, *_ancestors(grid)]:
        keys += [(region, Grain.MONTH, month, unit), (region, Grain.DAY, day, unit)]
    keys.append((grid, Grain.MONTH, month, unit))
    return keys


# ---------------------------------------------------------------- one appeal changed

def refresh_appeal(appeal_id: int) -> None:
    """Bring every rollup row this appeal counts in up to date (call inside the change's transaction)."""
    _paths.clear()
    with transaction.atomic():
        a = Appeal.objects.filter(pk=appeal_id).values(
            "street_id", "community_id", "grid_id", "category_id", "channel", "created_at", "closed_at",
            "responded_at", "response_due", "status").first()
        if a is None:
            PendingResponse.objects.filter(appeal_id=appeal_id).delete()
            return
        place = (a["street_id"], a["community_id"], a["grid_id"], a["category_id"], a["channel"])
        whistles = list(Whistle.objects.filter(appeal_id=appeal_id).values_list("created_at", "lead_unit_id"))
        answers = list(Answer.objects.filter(appeal_id=appeal_id, unit__isnull=False).values_list("at", "unit_id"))
        units = sorted({u for _at, u in whistles})
        days = sorted({_local_day(a["created_at"])} | ({_local_day(a["closed_at"])} if a["closed_at"] else set()))

        appeal_deltas: dict[tuple, Counter] = defaultdict(Counter)
        for day in days:
            for unit in [0, *units]:
                _refresh_appeal_day(day, place, unit, appeal_deltas)
        whistle_deltas: dict[tuple, Counter] = defaultdict(Counter)
        buckets = sorted({(_local_day(at), u) for at, u in whistles} | {(_local_day(at), u) for at, u in answers})
        for day, unit in buckets:
            _refresh_whistle_day(day, place, unit, whistle_deltas)
        _apply(AppealRollup, ("region", "unit", "grain", "start", "category", "channel"), APPEAL_FIELDS, appeal_deltas)
        _apply(WhistleRollup, ("region", "grain", "start", "unit"), WHISTLE_FIELDS, whistle_deltas)

        PendingResponse.objects.filter(appeal_id=appeal_id).delete()
        if a["responded_at"] is None:
            PendingResponse.objects.create(
                appeal_id=appeal_id, street=place[0], community=place[1], grid=place[2], category=place[3],
                channel=place[4], created_at=a["created_at"], response_due=a["response_due"],
                suspended=a["status"] == "suspended")


def _locked_row(model, key: dict):
    model.objects.bulk_create([model(**key)], ignore_conflicts=True)
    lookup = {k: key[k] for k in FINE_KEY}
    return model.objects.select_for_update().get(**lookup)


def _refresh_appeal_day(day, place, unit, deltas) -> None:
    street, community, grid, category, channel = place
    key = dict(day=day, street=street, community=community, grid=grid, category=category, channel=channel, unit=unit)
    row = _locked_row(AppealDay, key)
    base = Appeal.objects.filter(grid_id=grid, category_id=category, channel=channel)
    if unit:
        base = base.filter(pk__in=Whistle.objects.filter(lead_unit_id=unit).values("appeal_id"))
    start, end = _day_bounds(day)
    counts = base.filter(created_at__gte=start, created_at__lt=end).aggregate(**received_counters())
    counts.update(base.filter(closed_at__gte=start, closed_at__lt=end).aggregate(**closed_counters()))
    delta = Counter({f: counts[f] - getattr(row, f) for f in APPEAL_FIELDS if counts[f] != getattr(row, f)})
    if delta:
        AppealDay.objects.filter(pk=row.pk).update(**{f: counts[f] for f in delta})
        for k in appeal_rollup_keys(day, grid, category, channel, unit):
            deltas[k].update(delta)


def _refresh_whistle_day(day, place, unit, deltas) -> None:
    street, community, grid, category, channel = place
    key = dict(day=day, street=street, community=community, grid=grid, category=category, channel=channel, unit=unit)
    row = _locked_row(WhistleDay, key)
    start, end = _day_bounds(day)
    dims = dict(appeal__grid_id=grid, appeal__category_id=category, appeal__channel=channel)
    whistles = _with_last_answer(Whistle.objects.filter(lead_unit_id=unit, created_at__gte=start, created_at__lt=end,
                                                        **dims))
    counts = whistles.aggregate(**whistle_counters())
    counts["answers"] = Answer.objects.filter(F.ANSWERS_FIG.rows(_all_time()), unit_id=unit, at__gte=start, at__lt=end,
                                              **dims).count()
    delta = Counter({f: counts[f] - getattr(row, f) for f in WHISTLE_FIELDS if counts[f] != getattr(row, f)})
    if delta:
        WhistleDay.objects.filter(pk=row.pk).update(**{f: counts[f] for f in delta})
        for k in whistle_rollup_keys(day, grid, unit):
            deltas[k].update(delta)


def _apply(model, key_fields: tuple, fields: tuple, deltas: dict) -> None:
    """Add increments to coarse rows (insert if missing), in sorted key order."""
    table = model._meta.db_table
    cols = list(key_fields) + list(fields)
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
           f"ON CONFLICT ({', '.join(key_fields)}) DO UPDATE SET "
           + ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in fields))
    rows = [list(k) + [deltas[k].get(f, 0) for f in fields] for k in sorted(deltas, key=str) if any(deltas[k].values())]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


# ---------------------------------------------------------------- everything again
#
# Set-based: each table is filled by INSERT ... SELECT ... GROUP BY inside the
# database. The fine rows come from the ORM's grouped queries over the raw
# tables (the same counters as refresh_appeal, so the figure definitions are
# still the ones in insights.figures); the coarse rows are grouped sums of the
# fine rows, one statement per kind of row refresh_appeal adds to.

@transaction.atomic
def rebuild(*, verbose=None) -> dict:
    """Recompute every rollup row from the raw tables; returns row counts."""
    _paths.clear()
    say = verbose or (lambda msg: None)
    with connection.cursor() as cursor:
        for model in (AppealDay, WhistleDay, AppealRollup, WhistleRollup, PendingResponse):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        counts = {}
        for name, fn in (("appeal_day", _rebuild_appeal_day), ("whistle_day", _rebuild_whistle_day),
                         ("appeal_rollup", _rebuild_appeal_rollup), ("whistle_rollup", _rebuild_whistle_rollup),
                         ("pending_response", _rebuild_pending)):
            counts[name] = fn(cursor)
            say(f"{name}: {counts[name]} rows")
    return counts


FINE_COLUMNS = ("day", "street", "community", "grid", "category", "channel", "unit")
APPEAL_PLACE = {"street": Field("street_id"), "community": Field("community_id"), "grid": Field("grid_id"),
                "category": Field("category_id"), "channel": Field("channel")}
WHISTLE_PLACE = {k: Field(f"appeal__{v.name}") for k, v in APPEAL_PLACE.items()}


def _fine_select(qs, key: dict, counters: dict, fields: tuple) -> tuple[str, list]:
    """A grouped ORM query as a SELECT of every fine key column and every counter
    in `fields` (unit 0 and counters it does not make as 0), for a UNION ALL."""
    qs = qs.order_by().annotate(**{f"k_{k}": v for k, v in key.items()}).values(*(f"k_{k}" for k in key))
    sql, params = qs.annotate(**counters).query.sql_with_params()
    cols = [f"q.k_{c} AS {c}" if c in key else f"0 AS {c}" for c in FINE_COLUMNS]
    cols += [f"q.{f} AS {f}" if f in counters else f"0 AS {f}" for f in fields]
    return f"SELECT {', '.join(cols)} FROM ({sql}) q", list(params)


def _insert_fine(cursor, model, selects: list, fields: tuple) -> int:
    """Sum the selects' counters into one row per fine key."""
    union = " UNION ALL ".join(sql for sql, _p in selects)
    params = [x for _sql, p in selects for x in p]
    sums = ", ".join(f"SUM(x.{f})" for f in fields)
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(FINE_COLUMNS)}, {', '.join(fields)}) "
        f"SELECT x.day, MAX(x.street), MAX(x.community), x.grid, x.category, x.channel, x.unit, {sums} "
        f"FROM ({union}) x GROUP BY x.day, x.grid, x.category, x.channel, x.unit", params)
    return cursor.rowcount


def _rebuild_appeal_day(cursor) -> int:
    """Every appeal (unit 0), and once per unit it was whistled to; cohort counters
    by the day received, closing counters by the day closed."""
    tz = timezone.get_current_timezone()
    base = Appeal.objects.all()
    whistled = base.filter(whistles__isnull=False)
    unit = {"unit": Field("whistles__lead_unit_id")}
    received = {"day": TruncDate("created_at", tzinfo=tz), **APPEAL_PLACE}
    closed = {"day": TruncDate("closed_at", tzinfo=tz), **APPEAL_PLACE}
    return _insert_fine(cursor, AppealDay, [
        _fine_select(base, received, received_counters(), APPEAL_FIELDS),
        _fine_select(base.filter(closed_at__isnull=False), closed, closed_counters(), APPEAL_FIELDS),
        _fine_select(whistled, {**received, **unit}, received_counters(distinct=True), APPEAL_FIELDS),
        _fine_select(whistled.filter(closed_at__isnull=False), {**closed, **unit}, closed_counters(distinct=True),
                     APPEAL_FIELDS),
    ], APPEAL_FIELDS)


def _rebuild_whistle_day(cursor) -> int:
    """Whistles by the day blown and lead unit; unit answers by the day answered."""
    tz = timezone.get_current_timezone()
    return _insert_fine(cursor, WhistleDay, [
        _fine_select(_with_last_answer(Whistle.objects.all()),
                     {"day": TruncDate("created_at", tzinfo=tz), **WHISTLE_PLACE, "unit": Field("lead_unit_id")},
                     whistle_counters(), WHISTLE_FIELDS),
        _fine_select(Answer.objects.filter(F.ANSWERS_FIG.rows(_all_time())),
                     {"day": TruncDate("at", tzinfo=tz), **WHISTLE_PLACE, "unit": Field("unit_id")},
                     {"answers": Count("pk")}, WHISTLE_FIELDS),
    ], WHISTLE_FIELDS)


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"strftime('%Y-%m-01', {column})"


def _above_streets() -> str:
    """A VALUES list of (street, region) for every region above each street, as in
    the grid's path refresh_appeal adds to; '' when the tree has none."""
    pairs = []
    for pk, path in Region.objects.filter(level=Region.Level.STREET).values_list("pk", "path"):
        pairs += [(int(pk), int(x)) for x in path.strip("/").split("/") if x and int(x) != pk]
    return ", ".join(f"({a}, {b})" for a, b in pairs)


def _insert_coarse(cursor, model, fine, keys: dict, fields: tuple, where: str, above: str) -> int:
    """One kind of coarse row: `keys` maps each key column to an SQL expression
    over the fine row `d` (and `up.region` for the regions above a street)."""
    join = ""
    if "up.region" in keys.values():
        if not above:
            return 0
        join = f" JOIN (VALUES {above}) up (street, region) ON up.street = d.street" if connection.vendor == \
            "postgresql" else f" JOIN (SELECT column1 AS street, column2 AS region FROM (VALUES {above})) up " \
            "ON up.street = d.street"
    group = [e for e in keys.values() if not e.startswith(("'", "0"))]
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(keys)}, {', '.join(fields)}) "
        f"SELECT {', '.join(keys.values())}, {', '.join(f'SUM(d.{f})' for f in fields)} "
        f"FROM {fine._meta.db_table} d{join} WHERE {where} GROUP BY {', '.join(group)}")
    return cursor.rowcount


def _rebuild_appeal_rollup(cursor) -> int:
    """Coarse rows as grouped sums of the fine rows: the rows refresh_appeal adds to
    (appeal_rollup_keys): per region, month totals, by category, by channel and day
    totals; per unit the same for the whole city; per grid month totals."""
    above = _above_streets()
    month = _month("d.day")
    total = 0
    for region, where in (("0", "d.unit = 0"), ("d.street", "d.unit = 0"), ("d.community", "d.unit = 0"),
                          ("up.region", "d.unit = 0"), ("0", "d.unit > 0")):
        unit = "d.unit" if where == "d.unit > 0" else "0"
        for grain, start, category, channel in ((Grain.MONTH, month, "0", "''"), (Grain.MONTH, month, "d.category", "''"),
                                                (Grain.MONTH, month, "0", "d.channel"),
                                                (Grain.DAY, "d.day", "0", "''")):
            keys = {"region": region, "unit": unit, "grain": f"'{grain.value}'", "start": start, "category": category,
                    "channel": channel}
            total += _insert_coarse(cursor, AppealRollup, AppealDay, keys, APPEAL_FIELDS, where, above)
    keys = {"region": "d.grid", "unit": "0", "grain": f"'{Grain.MONTH.value}'", "start": month, "category": "0",
            "channel": "''"}
    return total + _insert_coarse(cursor, AppealRollup, AppealDay, keys, APPEAL_FIELDS, "d.unit = 0", above)


def _rebuild_whistle_rollup(cursor) -> int:
    """Per region and lead unit, month and day rows; per grid, month rows (whistle_rollup_keys)."""
    above = _above_streets()
    month = _month("d.day")
    total = 0
    for region in ("0", "d.street", "d.community", "up.region", "d.grid"):
        for grain, start in ((Grain.MONTH, month), (Grain.DAY, "d.day")):
            if region == "d.grid" and grain == Grain.DAY:
                continue
            keys = {"region": region, "grain": f"'{grain.value}'", "start": start, "unit": "d.unit"}
            total += _insert_coarse(cursor, WhistleRollup, WhistleDay, keys, WHISTLE_FIELDS, "1 = 1", above)
    return total


def _rebuild_pending(cursor) -> int:
    cursor.execute(
        f"INSERT INTO {PendingResponse._meta.db_table} (appeal_id, street, community, grid, category, channel, "
        "created_at, response_due, suspended) SELECT id, street_id, community_id, grid_id, category_id, channel, "
        f"created_at, response_due, status = %s FROM {Appeal._meta.db_table} WHERE responded_at IS NULL",
        [Status.SUSPENDED.value])
    return cursor.rowcount


def appeal_saved(sender, instance, created, **kwargs):
    if created:
        refresh_appeal(instance.pk)


def appeal_transitioned(*, appeal, **kwargs):
    refresh_appeal(appeal.pk)
