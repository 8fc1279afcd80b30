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

`rebuild` recomputes everything with grouped queries (after bulk loads).
"""

import datetime as dt
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models import F as Field
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from appeals.models import Answer, Appeal, Whistle
from regions.models import Region

from . import figures as F
from .models import AppealDay, AppealRollup, Grain, PendingResponse, WhistleDay, WhistleRollup

APPEAL_FIELDS = ("received", "accepted", "handled", "responded", "responded_in_time", "accepted_closed", "rated",
                 "satisfied", "received_closed", "closed_on_time", "reworked", "closed", "solved_by_whistle")
WHISTLE_FIELDS = ("whistles", "answered", "answered_on_time", "returned", "answers")
FINE_KEY = ("day", "grid", "category", "channel", "unit")
BATCH = 5000


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

@transaction.atomic
def rebuild(*, verbose=None) -> dict:
    """Recompute every rollup row from the raw tables; returns row counts."""
    _paths.clear()
    for model in (AppealDay, WhistleDay, AppealRollup, WhistleRollup, PendingResponse):
        model.objects.all().delete()
    tz = timezone.get_current_timezone()
    say = verbose or (lambda msg: None)

    # Fine appeal rows: every appeal (unit 0) and once per unit it was whistled to.
    place = ("street_id", "community_id", "grid_id", "category_id", "channel")
    fine: dict[tuple, dict] = {}

    def add(rows, unit_field=None):
        for r in rows:
            key = (r["day"], r["grid_id"], r["category_id"], r["channel"], r[unit_field] if unit_field else 0)
            slot = fine.setdefault(key, {"street": r["street_id"], "community": r["community_id"]})
            for f in APPEAL_FIELDS:
                if f in r:
                    slot[f] = slot.get(f, 0) + r[f]

    base = Appeal.objects.order_by()
    add(base.annotate(day=TruncDate("created_at", tzinfo=tz)).values("day", *place).annotate(**received_counters()))
    add(base.filter(closed_at__isnull=False).annotate(day=TruncDate("closed_at", tzinfo=tz))
        .values("day", *place).annotate(**closed_counters()))
    whistled = base.filter(whistles__isnull=False)
    add(whistled.annotate(day=TruncDate("created_at", tzinfo=tz), u=F_unit())
        .values("day", *place, "u").annotate(**received_counters(distinct=True)), "u")
    add(whistled.filter(closed_at__isnull=False).annotate(day=TruncDate("closed_at", tzinfo=tz), u=F_unit())
        .values("day", *place, "u").annotate(**closed_counters(distinct=True)), "u")
    _bulk(AppealDay, (AppealDay(day=k[0], grid=k[1], category=k[2], channel=k[3], unit=k[4], **v)
                      for k, v in fine.items()))
    say(f"AppealDay: {len(fine)} rows")
    fine.clear()

    wfine: dict[tuple, dict] = {}
    wplace = ("appeal__street_id", "appeal__community_id", "appeal__grid_id", "appeal__category_id", "appeal__channel")

    def wadd(rows, unit_field):
        for r in rows:
            key = (r["day"], r["appeal__grid_id"], r["appeal__category_id"], r["appeal__channel"], r[unit_field])
            slot = wfine.setdefault(key, {"street": r["appeal__street_id"], "community": r["appeal__community_id"]})
            for f in WHISTLE_FIELDS:
                if f in r:
                    slot[f] = slot.get(f, 0) + r[f]

    wadd(_with_last_answer(Whistle.objects.order_by()).annotate(day=TruncDate("created_at", tzinfo=tz))
         .values("day", *wplace, "lead_unit_id").annotate(**whistle_counters()), "lead_unit_id")
    wadd(Answer.objects.order_by().filter(F.ANSWERS_FIG.rows(_all_time())).annotate(day=TruncDate("at", tzinfo=tz))
         .values("day", *wplace, "unit_id").annotate(answers=Count("pk")), "unit_id")
    _bulk(WhistleDay, (WhistleDay(day=k[0], grid=k[1], category=k[2], channel=k[3], unit=k[4], **v)
                       for k, v in wfine.items()))
    say(f"WhistleDay: {len(wfine)} rows")
    wfine.clear()

    counts = {"appeal_day": AppealDay.objects.count(), "whistle_day": WhistleDay.objects.count()}
    counts["appeal_rollup"] = _rebuild_appeal_rollup()
    counts["whistle_rollup"] = _rebuild_whistle_rollup()
    _bulk(PendingResponse, (PendingResponse(
        appeal_id=r["pk"], street=r["street_id"], community=r["community_id"], grid=r["grid_id"],
        category=r["category_id"], channel=r["channel"], created_at=r["created_at"], response_due=r["response_due"],
        suspended=r["status"] == "suspended") for r in Appeal.objects.order_by().filter(responded_at__isnull=True).values(
        "pk", *place, "created_at", "response_due", "status").iterator(chunk_size=BATCH)))
    counts["pending_response"] = PendingResponse.objects.count()
    say(f"rollups: {counts}")
    return counts


def F_unit():
    return Field("whistles__lead_unit_id")


def _rebuild_appeal_rollup() -> int:
    """Coarse rows as grouped sums of the fine rows: the same rows refresh_appeal adds to."""
    sums = {f: Sum(f) for f in APPEAL_FIELDS}
    total = 0
    month = TruncMonth("day")
    region_exprs = {"0": None, "street": "street", "community": "community"}
    # Regions above the street (a district) are summed over their streets' grids.
    district_of = _district_map()
    for grain, start in ((Grain.MONTH, month), (Grain.DAY, None)):
        for label, region_field in region_exprs.items():
            sets = [((), 0, "")] if grain == Grain.DAY else [((), 0, ""), (("category",), None, ""), (("channel",), 0, None)]
            for dims, cat, ch in sets:
                for unit_rows in (False, True):
                    if unit_rows and region_field is not None:
                        continue
                    qs = AppealDay.objects.order_by().filter(unit__gt=0) if unit_rows else \
                        AppealDay.objects.order_by().filter(unit=0)
                    group = ["s"] + ([region_field] if region_field else []) + list(dims) + (["unit"] if unit_rows else [])
                    qs = qs.annotate(s=start if start is not None else _day())
                    rows = qs.values(*group).annotate(**sums)
                    total += _bulk(AppealRollup, (AppealRollup(
                        grain=grain, start=_as_date(r["s"]), region=r[region_field] if region_field else 0,
                        unit=r["unit"] if unit_rows else 0, category=r.get("category", 0) if cat is None else 0,
                        channel=r.get("channel", "") if ch is None else "",
                        **{f: r[f] for f in APPEAL_FIELDS}) for r in rows))
        if district_of:
            total += _district_rollup(AppealRollup, AppealDay, grain, start, district_of, sums, APPEAL_FIELDS)
    # Grid level: month totals only.
    rows = AppealDay.objects.order_by().filter(unit=0).annotate(s=month).values("s", "grid").annotate(**sums)
    total += _bulk(AppealRollup, (AppealRollup(grain=Grain.MONTH, start=_as_date(r["s"]), region=r["grid"], unit=0,
                                               **{f: r[f] for f in APPEAL_FIELDS}) for r in rows))
    return total


def _rebuild_whistle_rollup() -> int:
    sums = {f: Sum(f) for f in WHISTLE_FIELDS}
    total = 0
    month = TruncMonth("day")
    district_of = _district_map()
    for grain, start in ((Grain.MONTH, month), (Grain.DAY, None)):
        for region_field in (None, "street", "community") + (("grid",) if grain == Grain.MONTH else ()):
            qs = WhistleDay.objects.order_by().annotate(s=start if start is not None else _day())
            group = ["s", "unit"] + ([region_field] if region_field else [])
            rows = qs.values(*group).annotate(**sums)
            total += _bulk(WhistleRollup, (WhistleRollup(
                grain=grain, start=_as_date(r["s"]), region=r[region_field] if region_field else 0, unit=r["unit"],
                **{f: r[f] for f in WHISTLE_FIELDS}) for r in rows))
        if district_of:
            total += _district_rollup(WhistleRollup, WhistleDay, grain, start, district_of, sums, WHISTLE_FIELDS)
    return total


def _district_map() -> dict[int, int]:
    """street id → the region above it, when the tree has one."""
    out = {}
    for pk, path in Region.objects.filter(level=Region.Level.STREET).values_list("pk", "path"):
        ids = [int(x) for x in path.strip("/").split("/") if x]
        if len(ids) > 1:
            out[pk] = ids[-2]
    return out


def _district_rollup(model, fine_model, grain, start, district_of, sums, fields) -> int:
    """Rows for the regions above the street, summed from their streets' rows."""
    is_appeal = model is AppealRollup
    qs = fine_model.objects.order_by()
    if is_appeal:
        qs = qs.filter(unit=0)
    qs = qs.annotate(s=start if start is not None else _day())
    acc: dict[tuple, Counter] = defaultdict(Counter)
    sets = ([((), 0, "")] if grain == Grain.DAY or not is_appeal
            else [((), 0, ""), (("category",), None, ""), (("channel",), 0, None)])
    for dims, cat, ch in sets:
        group = ["s", "street"] + list(dims) + ([] if is_appeal else ["unit"])
        for r in qs.values(*group).annotate(**sums):
            district = district_of.get(r["street"])
            if district is None:
                continue
            if is_appeal:
                key = (district, 0, grain, _as_date(r["s"]), r.get("category", 0) if cat is None else 0,
                       r.get("channel", "") if ch is None else "")
            else:
                key = (district, grain, _as_date(r["s"]), r["unit"])
            acc[key].update({f: r[f] for f in fields})
    if is_appeal:
        objs = (model(region=k[0], unit=k[1], grain=k[2], start=k[3], category=k[4], channel=k[5],
                      **{f: v.get(f, 0) for f in fields}) for k, v in acc.items())
    else:
        objs = (model(region=k[0], grain=k[1], start=k[2], unit=k[3], **{f: v.get(f, 0) for f in fields})
                for k, v in acc.items())
    return _bulk(model, objs)


def _day():
    return Field("day")


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _bulk(model, objs) -> int:
    n = 0
    batch = []
    for obj in objs:
        batch.append(obj)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            n += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        n += len(batch)
    return n


def appeal_saved(sender, instance, created, **kwargs):
    if created:
        refresh_appeal(instance.pk)


def appeal_transitioned(*, appeal, **kwargs):
    refresh_appeal(appeal.pk)
