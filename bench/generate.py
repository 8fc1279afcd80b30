"""A city-sized appeal history for the dashboard benchmark.

    python bench/generate.py --appeals 2000000 --database sqlite [--path /tmp/linli-bench.sqlite3]
    python bench/generate.py --appeals 2000000 --database postgres [--url postgres://postgres@127.0.0.1:5432/linli_bench]

Builds a district of streets, communities and grids, a category tree and units,
then `--appeals` appeals over `--years` years with their events, whistles,
answers and ratings, written with bulk inserts, and finally rebuilds the
rollups. Distributions: categories (Zipf-like), channels (hotline-heavy, as in
seed 002), grids (log-normal load), seasonality (summer peak, Spring Festival
dip), weekday and hour of day; outcomes as the seeds report them (rejected,
merged, whistled and returned, rework, reopened, suspended, rated, open at the end).
The database must be empty of appeals (`--reset` deletes what is there).
"""

import argparse
import datetime as dt
import functools
import itertools
import json
import operator
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHANNELS = [("hotline_12345", 46), ("resident", 24), ("patrol", 16), ("walk_in", 5), ("building_head", 4),
            ("visit", 2), ("mediation", 1), ("deliberation", 1), ("open311", 1)]
CATEGORY_TREE = {
    "市政设施": ["路灯", "道路破损", "井盖", "排水堵塞", "公厕"],
    "环境卫生": ["垃圾清运", "乱堆乱放", "油烟", "噪音扰民", "绿化养护"],
    "物业管理": ["电梯故障", "停车管理", "物业服务", "房屋漏水", "供暖"],
    "公共安全": ["消防通道", "违章搭建", "安全隐患", "电动车充电"],
    "民生服务": ["低保救助", "养老服务", "就业咨询", "医保社保", "户籍证明"],
    "邻里纠纷": ["邻里矛盾", "宠物扰民", "高空抛物"],
    "市场监管": ["占道经营", "食品安全", "价格投诉"],
}
UNITS = ["城管执法中队", "市政管护所", "自来水公司", "供热公司", "供电公司", "市场监管所", "派出所", "住建局",
         "民政所", "人社所", "环卫所", "园林所", "交警中队", "消防救援站", "燃气公司", "卫健办"]
MONTH_WEIGHT = [0.75, 0.7, 0.95, 1.0, 1.05, 1.15, 1.25, 1.25, 1.05, 0.95, 0.95, 0.9]  # summer peak, festival dip
WEEKDAY_WEIGHT = [1.15, 1.1, 1.05, 1.05, 1.0, 0.75, 0.7]
HOUR_WEIGHT = [1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 7, 9, 9, 8, 6, 6, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1.5]


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--appeals", type=int, default=200_000)
    p.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--path", default="/tmp/linli-bench.sqlite3",
                   help="SQLite file (big: keep it out of the repository)")
    p.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/linli_bench", help="PostgreSQL URL")
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--end", default="2025-06-30", help="last day of the history (YYYY-MM-DD)")
    p.add_argument("--streets", type=int, default=12)
    p.add_argument("--communities", type=int, default=10, help="per street")
    p.add_argument("--grids", type=int, default=6, help="per community")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--batch", type=int, default=20_000, help="appeals per transaction")
    p.add_argument("--reset", action="store_true", help="delete existing appeals and bench regions first")
    p.add_argument("--no-rollups", action="store_true")
    p.add_argument("--keep-indexes", action="store_true",
                   help="keep the secondary indexes during the load (by default they are dropped and made again)")
    return p.parse_args(argv)


def setup(args) -> None:
    if args.database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.path).resolve()}"
    else:
        os.environ["DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")  # a local benchmark database, not a deployment
    import django

    django.setup()


def main() -> None:
    args = parse()
    setup(args)
    from django.core.management import call_command

    if args.database == "postgres":
        _create_pg_database()
    call_command("migrate", run_syncdb=True, verbosity=0)
    generate(args)


def _create_pg_database(*, fresh: bool = False) -> None:
    """The configured PostgreSQL database, made when it is missing; with `fresh`, dropped first
    (a throwaway database, as the SQLite file is)."""
    import psycopg
    from django.db import connection

    name = connection.settings_dict["NAME"]
    admin = dict(connection.get_connection_params(), dbname="postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _weighted(rng, pairs):
    items = [a for a, _w in pairs]
    cum = list(itertools.accumulate(w for _a, w in pairs))
    return lambda k=1: rng.choices(items, cum_weights=cum, k=k)


class Loader:
    """Raw bulk writes, no ORM objects: executemany of plain tuples on SQLite
    (synchronous off, a large cache, no rollback journal outside a test), COPY
    on PostgreSQL (foreign-key triggers off for the load: the generator makes
    the rows consistent). On an empty database the secondary indexes are
    dropped for the load and made again at the end, which is cheaper than
    keeping them sorted row by row."""

    def __init__(self, connection, models, drop_indexes: bool):
        self.connection, self.models, self.drop_indexes = connection, list(models), drop_indexes
        self.indexes: list[tuple[str, str]] = []
        self.columns = {m: [(f.attname, f.column, f.get_internal_type(), _plain_default(f))
                            for f in m._meta.concrete_fields] for m in self.models}

    def __enter__(self):
        c = self.connection
        c.ensure_connection()
        self.tuning = not c.in_atomic_block  # never inside a test's transaction
        with c.cursor() as cur:
            if c.vendor == "sqlite" and self.tuning:
                for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
                    cur.execute(f"PRAGMA {pragma}")
            if c.vendor == "postgresql":
                cur.execute("SET session_replication_role = replica")
            if self.drop_indexes:
                self.indexes = [ix for m in self.models for ix in _secondary_indexes(cur, c.vendor, m._meta.db_table)]
                for name, _sql in self.indexes:
                    cur.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        c = self.connection
        with c.cursor() as cur:
            if c.vendor == "postgresql":
                cur.execute("RESET session_replication_role")
                if self.indexes and self.tuning:
                    cur.execute("SET maintenance_work_mem = '1GB'")
            for _name, sql in self.indexes:
                cur.execute(sql)
            if c.vendor == "sqlite" and self.tuning:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
        return False

    def write(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        cols = self.columns[model]
        table = model._meta.db_table
        names = ", ".join(f'"{column}"' for _a, column, _t, _d in cols)
        sqlite = self.connection.vendor == "sqlite"
        # JSON arrives as text (the generator serialises each distinct value once).
        convert = [i for i, (_a, _c, kind, _d) in enumerate(cols) if kind == "DateTimeField"] if sqlite else []
        defaults = {attname: default for attname, _c, _t, default in cols}
        pick = operator.itemgetter(*defaults)
        tuples = []
        for row in rows:
            values = pick({**defaults, **row})
            if convert:
                values = list(values)
                for i in convert:
                    if values[i] is not None:
                        values[i] = _sqlite_datetime(values[i])
            tuples.append(values)
        raw = self.connection.connection
        if sqlite:
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})", tuples)
        else:
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in tuples:
                    copy.write_row(values)


def _plain_default(field):
    value = field.get_default()
    return None if value is None and field.null else value


def _sqlite_datetime(value: dt.datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime: naive UTC text."""
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return str(value)[:-6]  # without "+00:00"


@functools.cache
def _json(**data) -> str:
    """Event data as JSON text, made once per distinct value."""
    return json.dumps(data)


def _secondary_indexes(cursor, vendor: str, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes that back no constraint."""
    if vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                       "AND sql IS NOT NULL", [table])
    else:
        cursor.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                       "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s AND t.relkind = 'r' "
                       "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid)", [table])
    return list(cursor.fetchall())


def generate(args) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from appeals.models import Answer, Appeal, AppealEvent, Category, Rating, Whistle
    from people.models import Unit
    from regions.models import Region

    rng = random.Random(args.seed)
    tz = timezone.get_current_timezone()
    if Appeal.objects.exists():
        if not args.reset:
            sys.exit("The database already holds appeals; use --reset to delete them, or another --path/--url.")
        with connection.cursor() as c:
            for model in (Rating, Answer):
                c.execute(f"DELETE FROM {model._meta.db_table}")
            c.execute(f"DELETE FROM {Whistle.helper_units.through._meta.db_table}")
            for model in (Whistle, AppealEvent):
                c.execute(f"DELETE FROM {model._meta.db_table}")
            c.execute("DELETE FROM appeals_attachment")
            c.execute("DELETE FROM appeals_supervision")
            c.execute(f"UPDATE {Appeal._meta.db_table} SET parent_id = NULL")
            c.execute(f"DELETE FROM {Appeal._meta.db_table}")

    # ---- the city
    t0 = time.perf_counter()
    district, _ = Region.objects.get_or_create(code="BENCH0", defaults={"name": "基准测试区", "level": Region.Level.DISTRICT})
    grids = []
    for s in range(args.streets):
        street, _ = Region.objects.get_or_create(code=f"BENCH0{s:03d}", defaults={
            "name": f"第{s + 1}街道", "level": Region.Level.STREET, "parent": district})
        for c in range(args.communities):
            community, _ = Region.objects.get_or_create(code=f"BENCH0{s:03d}{c:03d}", defaults={
                "name": f"第{s + 1}街道第{c + 1}社区", "level": Region.Level.COMMUNITY, "parent": street})
            for g in range(args.grids):
                lng, lat = 106.7 + s * 0.05 + g * 0.005, 39.6 + c * 0.01
                grid, _ = Region.objects.get_or_create(code=f"BENCH0{s:03d}{c:03d}{g:03d}", defaults={
                    "name": f"{community.name}第{g + 1}网格", "level": Region.Level.GRID, "parent": community,
                    "centroid_lng": lng, "centroid_lat": lat})
                grids.append((grid.pk, community.pk, street.pk, lng, lat))
    units = [Unit.objects.get_or_create(name=f"{n}（基准）", defaults={"kind": Unit.Kind.DEPARTMENT})[0].pk for n in UNITS]
    leaves = []
    for i, (parent_name, children) in enumerate(CATEGORY_TREE.items()):
        parent, _ = Category.objects.get_or_create(code=f"bench{i}", defaults={"name": parent_name})
        for j, name in enumerate(children):
            leaf, _ = Category.objects.get_or_create(code=f"bench{i}_{j}", defaults={
                "name": name, "parent": parent, "default_unit_id": units[(i * 5 + j) % len(units)]})
            leaves.append(leaf.pk)
    print(f"city: {len(grids)} grids, {len(leaves)} categories, {len(units)} units ({time.perf_counter() - t0:.1f} s)")

    pick_channel = _weighted(rng, CHANNELS)
    pick_category = _weighted(rng, [(c, 1 / (i + 1) ** 0.8) for i, c in enumerate(leaves)])
    pick_grid = _weighted(rng, [(g, rng.lognormvariate(0, 0.6)) for g in grids])
    end_day = dt.date.fromisoformat(args.end)
    first_day = end_day - dt.timedelta(days=365 * args.years)
    days = [first_day + dt.timedelta(days=i) for i in range((end_day - first_day).days + 1)]
    pick_day = _weighted(rng, [(d, MONTH_WEIGHT[d.month - 1] * WEEKDAY_WEIGHT[d.weekday()]
                                * (1 + 0.15 * (d - first_day).days / len(days))) for d in days])
    pick_hour = _weighted(rng, list(enumerate(HOUR_WEIGHT)))
    # Times are made in local time and kept in UTC (a fixed offset: cheap arithmetic and writes).
    now = timezone.make_aware(dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(9))).astimezone(dt.UTC)

    start_id = (Appeal.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    ids = {"event": _next_id(AppealEvent), "whistle": _next_id(Whistle), "answer": _next_id(Answer),
           "rating": _next_id(Rating)}
    totals = dict(appeals=0, events=0, whistles=0, answers=0, ratings=0)
    started = time.perf_counter()
    n_left = args.appeals
    next_id = start_id
    recent_by_street: dict[int, int] = {}
    models = {"appeals": Appeal, "events": AppealEvent, "whistles": Whistle, "answers": Answer, "ratings": Rating}
    loader = Loader(connection, models.values(), drop_indexes=not args.keep_indexes and start_id == 1)
    with loader:
        while n_left > 0:
            size = min(args.batch, n_left)
            batch = {k: [] for k in models}
            for day in sorted(pick_day(size)):
                pk = next_id
                next_id += 1
                grid, community, street, lng, lat = pick_grid()[0]
                created = timezone.make_aware(dt.datetime.combine(day, dt.time(pick_hour()[0], rng.randrange(60))),
                                              tz).astimezone(dt.UTC)
                batch["appeals"].append(_one_appeal(
                    rng, pk, created, now, grid, community, street, lng, lat, pick_category()[0], pick_channel()[0],
                    units, recent_by_street, ids, batch["events"], batch["whistles"], batch["answers"],
                    batch["ratings"]))
            with transaction.atomic():
                for kind, model in models.items():
                    loader.write(model, batch[kind])
                    totals[kind] += len(batch[kind])
            n_left -= size
            rows = sum(totals.values())
            elapsed = time.perf_counter() - started
            print(f"\r{totals['appeals']:,} appeals, {rows:,} rows, {rows / elapsed:,.0f} rows/s", end="", flush=True)
        print()
        loaded = time.perf_counter()
    print(f"indexes back in {time.perf_counter() - loaded:.1f} s")
    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as c:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models.values())):
                c.execute(sql)
            if not connection.in_atomic_block:
                c.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    rows = sum(totals.values())
    print(f"inserted {totals} = {rows:,} rows in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s, "
          f"{totals['appeals'] / elapsed:,.0f} appeals/s)")
    result = {"rows": totals, "insert_seconds": elapsed}
    if not args.no_rollups:
        from insights import rollups

        t = time.perf_counter()
        counts = rollups.rebuild()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as c:
                c.execute("ANALYZE")
        result.update(rollups=counts, rebuild_seconds=time.perf_counter() - t)
        print(f"rollups rebuilt in {result['rebuild_seconds']:.1f} s: {counts}")
    return result


def _next_id(model) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


def _take(ids, kind) -> int:
    value = ids[kind]
    ids[kind] += 1
    return value


def _one_appeal(rng, pk, created, now, grid, community, street, lng, lat, category, channel, units, recent, ids,
                events, whistles, answers, ratings) -> dict:
    """One appeal's whole life, with the fields the loop would have left on it."""
    from appeals.workflow import Level, Satisfaction, Status

    H = dt.timedelta(hours=1)
    a = dict(id=pk, number=f"B{pk:010d}", title="群众诉求", content="群众反映的问题，详见工单。", category_id=category,
             channel=channel, street_id=street, community_id=community, grid_id=grid, lng=lng, lat=lat,
             created_at=created, updated_at=created, response_due=created + 24 * H, level=Level.GRID,
             reporter_name="居民", reporter_phone="")
    t = created

    def event(action, frm, to, at, data=None):
        events.append(dict(id=_take(ids, "event"), appeal_id=pk, action=action, from_status=frm, to_status=to,
                           actor_name="系统生成", role="street_staff", at=at, data=data or _json()))

    event("submit", "", Status.SUBMITTED, t, _json(channel=channel))
    age_days = (now - created).total_seconds() / 86400
    r = rng.random()
    respond = t + H * rng.choice([0.5, 1, 2, 3, 6, 12, 20, 30])
    if age_days < 1.5 and r < 0.5:  # recent: still waiting
        a["status"] = Status.SUBMITTED
        return a
    a["responded_at"] = respond
    if r < 0.05:
        a.update(status=Status.REJECTED, closed_at=respond, updated_at=respond)
        event("reject", Status.SUBMITTED, Status.REJECTED, respond)
        return a
    if r < 0.08 and recent.get(street):
        a.update(status=Status.MERGED, closed_at=respond, updated_at=respond, parent_id=recent[street])
        event("merge", Status.SUBMITTED, Status.MERGED, respond)
        return a
    recent[street] = pk
    a.update(accepted_at=respond, resolve_due=respond + dt.timedelta(days=7))
    event("accept", Status.SUBMITTED, Status.ACCEPTED, respond)
    t = respond
    unit = None
    if rng.random() < 0.14:  # whistled to a unit (and sometimes returned first)
        first = rng.choice(units)
        w_at = t + H * rng.choice([2, 5, 24])
        if rng.random() < 0.08:
            whistles.append(dict(id=_take(ids, "whistle"), appeal_id=pk, lead_unit_id=first, deadline=w_at + 5 * 24 * H,
                                 created_at=w_at, state="returned", returned_at=w_at + 5 * H, return_reason="非本单位职责"))
            event("whistle", Status.ACCEPTED, Status.WHISTLED, w_at)
            event("return", Status.WHISTLED, Status.ACCEPTED, w_at + 5 * H)
            w_at += 24 * H
            first = rng.choice([u for u in units if u != first])
        unit = first
        deadline = w_at + 5 * 24 * H
        whistle = dict(id=_take(ids, "whistle"), appeal_id=pk, lead_unit_id=unit, deadline=deadline, created_at=w_at,
                       state="claimed", claimed_at=w_at + 3 * H)
        whistles.append(whistle)
        event("whistle", Status.ACCEPTED, Status.WHISTLED, w_at)
        event("claim", Status.WHISTLED, Status.CLAIMED, w_at + 3 * H)
        a.update(lead_unit_id=unit, level=Level.UNIT, resolve_due=deadline)
        t = w_at + 3 * H
    else:
        event("handle", Status.ACCEPTED, Status.IN_PROGRESS, t + H)
        t += H
    holder = Status.CLAIMED if unit else Status.IN_PROGRESS
    if rng.random() < 0.01:
        a.update(status=Status.SUSPENDED, suspended_from=holder, suspended_at=t + H)
        event("suspend", holder, Status.SUSPENDED, t + H)
        return a
    rework = reopen = 0
    for _round in range(3):
        done = t + H * rng.choice([4, 20, 48, 96, 150, 260])
        if done > now:  # still being handled
            a.update(status=holder, is_overdue=bool(a["resolve_due"] < now))
            return a
        answers.append(dict(id=_take(ids, "answer"), appeal_id=pk, whistle_id=whistle["id"] if unit else None,
                            unit_id=unit, text="已处理完毕", at=done))
        if unit:
            whistle["state"] = "answered"
        a.update(handled_at=done, handled_on_time=done <= a["resolve_due"])
        event("answer" if unit else "resolve", holder, Status.VERIFYING, done)
        t = done + H * rng.choice([2, 6, 24])
        if t > now:
            a["status"] = Status.VERIFYING
            return a
        if rng.random() < 0.06:
            rework += 1
            a["rework_count"] = rework
            event("fail", Status.VERIFYING, holder, t)
            a.update(handled_at=None, handled_on_time=None, resolve_due=t + 5 * 24 * H)
            if unit:
                whistle.update(state="claimed", deadline=a["resolve_due"])
            continue
        event("pass", Status.VERIFYING, Status.REVISITING, t)
        t += H * rng.choice([4, 24, 48])
        if t > now:
            a["status"] = Status.REVISITING
            return a
        if rng.random() < 0.1:
            a.update(status=Status.CLOSED, closed_at=t)
            event("close", Status.REVISITING, Status.CLOSED, t)
            break
        s = rng.choices([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.DISSATISFIED], [78, 16, 6])[0]
        ratings.append(dict(id=_take(ids, "rating"), appeal_id=pk, satisfaction=s, at=t))
        a["satisfaction"] = s
        if s == Satisfaction.DISSATISFIED and _round < 2:
            reopen += 1
            a["reopen_count"] = reopen
            event("rate", Status.REVISITING, holder, t, _json(satisfaction=s))
            a.update(handled_at=None, handled_on_time=None, resolve_due=t + 5 * 24 * H)
            if unit:
                whistle.update(state="claimed", deadline=a["resolve_due"])
            continue
        a.update(status=Status.CLOSED, closed_at=t)
        event("rate", Status.REVISITING, Status.CLOSED, t, _json(satisfaction=s))
        break
    else:
        a["status"] = holder
    a.update(rework_count=rework, reopen_count=reopen, updated_at=t)
    return a


if __name__ == "__main__":
    main()
