"""Time the dashboard from the rollups against the naive GROUP BY over the raw tables.

    python bench/dashboard.py --database sqlite [--path /tmp/linli-bench.sqlite3]
    python bench/dashboard.py --database postgres [--url postgres://postgres@127.0.0.1:5432/linli_bench]

For the whole city and for its busiest street, over the last full quarter and
over the whole history, builds what the dashboard shows — the cards, categories,
channels, communities, units, grids, 12 weeks and 12 months — once from
insights.aggregates and once from insights.figures (the naive queries), checks
they are equal, and prints the best of `--repeat` runs of each and their ratio.
Run it against a database made by bench/generate.py.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--path", default="/tmp/linli-bench.sqlite3",
                   help="SQLite file (big: keep it out of the repository)")
    p.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/linli_bench")
    p.add_argument("--repeat", type=int, default=3)
    return p.parse_args()


def main():
    args = parse()
    os.environ["DATABASE_URL"] = (f"sqlite:///{Path(args.path).resolve()}" if args.database == "sqlite" else args.url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log in memory while timing
    if measure(args.repeat, say=print) is None:
        sys.exit("No appeals: run bench/generate.py first.")


def measure(repeat: int = 3, say=lambda line: None) -> list[dict] | None:
    """Time both sides for each scope and period; one dict per line of the table."""
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from appeals.models import Appeal
    from insights import aggregates as A
    from insights import figures as F
    from regions.models import Region

    last = Appeal.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is None:
        return None
    now = last + dt.timedelta(hours=12)
    today = timezone.localtime(now).date()
    quarter_end = today.replace(day=1)
    quarter_start = (quarter_end - dt.timedelta(days=85)).replace(day=1)
    periods = {"last quarter": F.make_period(quarter_start, quarter_end, now),
               "all history": F.make_period(None, today + dt.timedelta(days=1), now)}
    busiest = Appeal.objects.order_by().values("street_id").annotate(n=Count("pk")).order_by("-n").first()
    street = Region.objects.get(pk=busiest["street_id"])
    scopes = {"city": None, f"street {street.name}": street}

    def rollup_dashboard(scope, period):
        return (A.figures(scope, period), A.by_category(scope, period), A.by_channel(scope, period),
                A.by_community(scope, period), A.by_unit(scope, period), A.by_grid(scope, period),
                A.by_week(scope, until=today, now=now), A.by_month(scope, until=today, now=now))

    def naive_dashboard(scope, period):
        appeals = A.as_scope(scope).appeals()
        grids = A.naive_grid_rows(appeals, period)
        return (F.compute(appeals, period), F.by_category(appeals, period), F.by_channel(appeals, period),
                F.by_community(appeals, period), F.by_unit(appeals, period),
                A.grid_breakdown(grids, F.BY_COMMUNITY_COLUMNS, ""), F.by_week(appeals, until=today, now=now),
                A.by_month_naive(appeals, until=today, now=now))

    def best(fn):
        times = []
        for _i in range(repeat):
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        return min(times), result

    say(f"{connection.vendor}, {Appeal.objects.count():,} appeals, best of {repeat}")
    say(f"{'scope':<22} {'period':<13} {'backend':<10} {'rollup s':>9} {'naive s':>9} {'ratio':>7}  equal")
    lines = []
    for sname, scope in scopes.items():
        for pname, period in periods.items():
            r_time, r = best(lambda: rollup_dashboard(scope, period))
            n_time, nv = best(lambda: naive_dashboard(scope, period))
            line = {"scope": sname, "period": pname, "backend": connection.vendor, "rollup": r_time, "naive": n_time,
                    "ratio": r_time / n_time, "equal": _plain_all(r) == _plain_all(nv)}
            lines.append(line)
            say(f"{sname:<22} {pname:<13} {connection.vendor:<10} {r_time:9.3f} {n_time:9.3f} "
                f"{line['ratio']:7.3f}  {line['equal']}")
    return lines


def _plain_all(parts) -> list:
    return [_plain(x) for x in parts]


def _plain(x):
    from insights import figures as F

    if isinstance(x, F.Figures):
        return {k: (v.count, v.hits) for k, v in x.items()}
    if isinstance(x, F.Breakdown):
        return [(r.label, [(c.count, c.hits) for c in r.cells], r.bar) for r in x.rows]
    return [(w.start, w.received.count, w.closed.count) for w in x]


if __name__ == "__main__":
    main()
