"""Duplicate lookup (一事多诉): quality on a labelled set from the shared data, and speed at a million open appeals.

    python bench/duplicates.py [--data ../shared/data/appeals-2020] [--appeals 1000000]
        [--database sqlite|postgres] [--path /tmp/linli_dup_bench.sqlite3] [--url ...] [--probes 200] [--skip-load]

Quality. `hot.jsonl` has no duplicate labels, so the labelled set is built by a
fixed, reproducible rule (LABEL RULE below), not by the method under test:

* a *topic cluster* is every message whose title names one of TOPICS' places or
  bodies (an estate, a school, a company) and whose title + body names its issue
  (e.g. 丽发新城 + 搅拌站); a message matching two topics is left out;
* a *resubmission cluster* is every other group of ≥ 2 messages with the same
  title once punctuation and spaces are removed;
* positives: query → candidate pairs in the same cluster, at most WINDOW_DAYS apart
  (the lookup's own time window; pairs further apart are never candidates);
* negatives: a labelled query against every other labelled message in the window,
  and against BACKGROUND messages drawn at random (seeded) from those in no cluster.
  Pairs of two background messages are not judged (they may be duplicates nobody labelled).

hot.jsonl has no coordinates, so every message counts as "near"; what is measured
is the text similarity and the threshold of `intelligence.duplicates`.

Speed. Loads `--appeals` open appeals (bulk insert, texts drawn from hot.jsonl,
one year, 12 streets × 10 communities × 6 grids) into a throwaway database and
times `likely_duplicates` for random probes at random grids and dates.
"""

import argparse
import collections
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "appeals-2020"
BACKGROUND = 600
SEED = 6
# LABEL RULE: (topic, place or body named in the title, issue named in title + body or None).
TOPICS = [
    ("丽发新城搅拌站", r"丽发新城", r"搅拌站"), ("伊景园滨河苑车位", r"伊景园|滨河苑", r"车位"),
    ("魅力之城油烟", r"魅力之城", r"油烟|餐饮|门面"), ("58车贷", r"58车贷", None),
    ("经济学院实习", r"经济学院", r"实习|打工"), ("茶场村拆迁", r"茶场村", r"拆迁|征地|规划"),
    ("辉煌国际城商铺餐饮", r"辉煌国际城", r"饭店|餐饮|烟道|商铺"), ("温斯顿退费", r"温斯顿", r"退费|退款"),
    ("中海国际施工噪音", r"中海国际", r"施工|噪音"), ("泉星公园", r"泉星公园", None),
    ("时代年华装修", r"时代年华", r"装修|精装"), ("金域蓝湾质量", r"金域蓝湾", r"质量|精装"),
    ("圣力华苑两证", r"圣力华苑", r"两证"), ("北辰三角洲群租", r"北辰三角洲", r"群租"),
    ("翡翠华庭麻将", r"翡翠华庭", r"麻将"),
]
THRESHOLDS = [0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3]


def read_jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def when(text: str) -> dt.datetime:
    return dt.datetime.strptime(text.strip(), "%Y/%m/%d %H:%M:%S")


def label(rows: list[dict]) -> dict[int, str]:
    """Row index → cluster name, by the LABEL RULE."""
    topics: dict[int, set] = collections.defaultdict(set)
    for name, place, issue in TOPICS:
        for i, r in enumerate(rows):
            if re.search(place, r["title"]) and (issue is None or re.search(issue, r["title"] + r["body"])):
                topics[i].add(name)
    clusters = {i: next(iter(names)) for i, names in topics.items() if len(names) == 1}
    by_title = collections.defaultdict(list)
    for i, r in enumerate(rows):
        if i not in topics:
            by_title[re.sub(r"[\W_]+", "", r["title"])].append(i)
    for title, ids in by_title.items():
        if len(ids) >= 2:
            clusters.update({i: f"同题:{title}" for i in ids})
    return clusters


def quality(rows: list[dict], *, background: int = BACKGROUND, thresholds=THRESHOLDS, seed: int = SEED) -> dict:
    """Precision, recall and F1 of the lookup's text ranking at each threshold on the labelled pairs."""
    from intelligence.duplicates import WINDOW_DAYS, Doc, rank

    clusters = label(rows)
    labelled = sorted(clusters)
    rest = [i for i in range(len(rows)) if i not in clusters]
    bg = random.Random(seed).sample(rest, min(background, len(rest)))
    universe = labelled + bg
    docs = {i: Doc(i, rows[i]["title"], rows[i]["body"]) for i in universe}
    times = {i: when(rows[i]["time"]) for i in universe}
    window = dt.timedelta(days=WINDOW_DAYS)
    scores = []  # (score, is_duplicate)
    for i in labelled:
        cands = [docs[j] for j in universe if j != i and abs(times[j] - times[i]) <= window]
        for doc, score in rank(docs[i], cands, threshold=0.0):
            scores.append((score, clusters.get(doc.key) == clusters[i]))
    positives = sum(1 for _s, y in scores if y)
    table = []
    for th in thresholds:
        tp = sum(1 for s, y in scores if y and s >= th)
        fp = sum(1 for s, y in scores if not y and s >= th)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / positives if positives else 0.0
        table.append({"threshold": th, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                      "tp": tp, "fp": fp})
    return {"labelled": len(labelled), "clusters": len(set(clusters.values())), "background": len(bg),
            "pairs": len(scores), "positives": positives, "table": table}


def load(n: int, rows: list[dict], *, seed: int = SEED, streets: int = 12, communities: int = 10, grids: int = 6,
         end: dt.datetime | None = None, batch: int = 50_000) -> dict:
    """`n` open appeals over the year before `end`, bulk-inserted; returns the grids for probing."""
    from bench.generate import Loader
    from django.db import connection, transaction
    from django.utils import timezone

    from appeals.models import Appeal, Category
    from regions.models import Region

    rng = random.Random(seed)
    end = end or timezone.now()
    district, _ = Region.objects.get_or_create(code="DUP0", defaults={"name": "查重基准区", "level": Region.Level.DISTRICT})
    places = []
    for s in range(streets):
        street, _ = Region.objects.get_or_create(code=f"DUP0{s:03d}", defaults={
            "name": f"查重第{s + 1}街道", "level": Region.Level.STREET, "parent": district})
        for c in range(communities):
            community, _ = Region.objects.get_or_create(code=f"DUP0{s:03d}{c:03d}", defaults={
                "name": f"{street.name}第{c + 1}社区", "level": Region.Level.COMMUNITY, "parent": street})
            for g in range(grids):
                lng, lat = 106.7 + s * 0.05 + g * 0.005, 39.6 + c * 0.01
                grid, _ = Region.objects.get_or_create(code=f"DUP0{s:03d}{c:03d}{g:03d}", defaults={
                    "name": f"{community.name}第{g + 1}网格", "level": Region.Level.GRID, "parent": community,
                    "centroid_lng": lng, "centroid_lat": lat})
                places.append((grid, community.pk, street.pk, lng, lat))
    category, _ = Category.objects.get_or_create(code="dupbench", defaults={"name": "查重基准"})
    texts = [(r["title"][:120], r["body"][:600] or r["title"]) for r in rows]
    start_pk = (Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    seconds = 365 * 86400
    t0 = time.perf_counter()
    with Loader(connection, [Appeal], drop_indexes=False) as loader:
        for first in range(0, n, batch):
            chunk = []
            for k in range(first, min(n, first + batch)):
                grid, community_id, street_id, lng, lat = places[rng.randrange(len(places))]
                title, body = texts[rng.randrange(len(texts))]
                created = end - dt.timedelta(seconds=rng.randrange(seconds))
                pk = start_pk + k
                chunk.append({"id": pk, "number": f"DUP{pk:012d}", "title": title, "content": body,
                              "category_id": category.pk, "channel": "resident",
                              "status": "submitted" if k % 3 else "accepted", "street_id": street_id,
                              "community_id": community_id, "grid_id": grid.pk,
                              "lng": lng + rng.uniform(-0.002, 0.002), "lat": lat + rng.uniform(-0.002, 0.002),
                              "created_at": created, "updated_at": created})
            with transaction.atomic():
                loader.write(Appeal, chunk)
    return {"grids": [p[0] for p in places], "seconds": time.perf_counter() - t0, "end": end}


def speed(rows: list[dict], grids: list, end: dt.datetime, *, probes: int = 200, seed: int = SEED) -> dict:
    """Milliseconds per lookup for `probes` random texts at random grids and moments of the loaded year."""
    from intelligence.duplicates import likely_duplicates

    rng = random.Random(seed + 1)
    times, found = [], []
    for _ in range(probes):
        r = rows[rng.randrange(len(rows))]
        grid = grids[rng.randrange(len(grids))]
        at = end - dt.timedelta(seconds=rng.randrange(365 * 86400))
        t0 = time.perf_counter()
        matches = likely_duplicates(title=r["title"], content=r["body"], grid=grid, lng=grid.centroid_lng,
                                    lat=grid.centroid_lat, at=at)
        times.append((time.perf_counter() - t0) * 1000)
        found.append(len(matches))
    times.sort()
    return {"probes": probes, "mean_ms": statistics.fmean(times), "median_ms": times[len(times) // 2],
            "p95_ms": times[int(len(times) * 0.95) - 1 if len(times) > 1 else 0], "max_ms": times[-1],
            "mean_found": statistics.fmean(found)}


def print_quality(q: dict) -> None:
    print(f"Labelled set: {q['labelled']} messages in {q['clusters']} clusters + {q['background']} background; "
          f"{q['pairs']} query→candidate pairs within the window, {q['positives']} duplicates")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6} {'TP':>6} {'FP':>6}")
    for row in q["table"]:
        print(f"{row['threshold']:>9.2f} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} "
              f"{row['tp']:>6} {row['fp']:>6}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_DATA), help="folder holding hot.jsonl (default %(default)s)")
    p.add_argument("--appeals", type=int, default=1_000_000)
    p.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--path", default="/tmp/linli_dup_bench.sqlite3", help="SQLite file (deleted first)")
    p.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/linli_dup_bench")
    p.add_argument("--probes", type=int, default=200)
    p.add_argument("--skip-load", action="store_true", help="only the quality part")
    args = p.parse_args()

    if args.database == "sqlite":
        Path(args.path).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.path).resolve()}"
    else:
        os.environ["DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    if args.database == "postgres" and not args.skip_load:
        from bench.generate import _create_pg_database

        _create_pg_database(fresh=True)
    rows = read_jsonl(Path(args.data) / "hot.jsonl")
    from intelligence.duplicates import THRESHOLD

    t0 = time.perf_counter()
    print_quality(quality(rows))
    print(f"(the platform's threshold is {THRESHOLD}; quality part {time.perf_counter() - t0:.1f} s)")
    if args.skip_load:
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    loaded = load(args.appeals, rows)
    print(f"Loaded {args.appeals:,} open appeals into {args.database} in {loaded['seconds']:.1f} s "
          f"({args.appeals / loaded['seconds']:,.0f} rows/s)")
    s = speed(rows, loaded["grids"], loaded["end"], probes=args.probes)
    print(f"Lookup at {args.appeals:,} open appeals, {s['probes']} probes: mean {s['mean_ms']:.1f} ms, "
          f"median {s['median_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms, max {s['max_ms']:.1f} ms; "
          f"{s['mean_found']:.2f} likely duplicates per probe")


if __name__ == "__main__":
    main()
