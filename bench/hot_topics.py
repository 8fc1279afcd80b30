"""Hot topics (热点) on the shared hot.jsonl: the clustering of `intelligence.hot` on real messages.

    python bench/hot_topics.py [--data ../shared/data/appeals-2020] [--start 2019-07-01] [--end 2020-01-10] [--top 15]

Each message is an item with its public likes as support and the district named
in its text (A3区, K2县…) as its place. The period [start, end) is compared
with the period of the same length just before it. Prints the top topics with
their count, previous count, trend, likes, places, keywords and representative
title; then how the labelled same-topic clusters of bench/duplicates.py (its
LABEL RULE) come out: for each, the share of its messages that land in its
largest topic (purity of the grouping from the labels' side).
"""

import argparse
import collections
import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.duplicates import DEFAULT_DATA, TOPICS, label, read_jsonl, when  # noqa: E402

_PLACE = re.compile(r"[A-Z]\d+[区县]")


def items_of(rows: list[dict]):
    from intelligence.hot import Item

    out = []
    for i, r in enumerate(rows):
        place = _PLACE.search(r["title"] + r["body"])
        out.append(Item(key=i, title=r["title"], body=r["body"], at=when(r["time"]),
                        place=place.group() if place else "A市", support=int(r.get("likes") or 0)))
    return out


def run(rows: list[dict], *, start: dt.datetime, end: dt.datetime, top: int = 15) -> dict:
    """The top topics of [start, end) and, for each labelled cluster, how much of it one topic holds."""
    from intelligence.hot import neighbours, star_clusters, topics

    items = items_of(rows)
    t0 = time.perf_counter()
    found = topics(items, start=start, end=end, limit=top)
    seconds = time.perf_counter() - t0
    # Over the whole file: where do the labelled clusters' messages go?
    clusters = star_clusters(items, neighbours(items))
    where = {i: k for k, members in enumerate(clusters) for i in members}
    labels = label(rows)
    purity = {}
    for name, *_rest in TOPICS:
        members = [i for i, lab in labels.items() if lab == name]
        if members:
            biggest = collections.Counter(where[i] for i in members).most_common(1)[0][1]
            purity[name] = (biggest, len(members))
    return {"topics": found, "seconds": seconds, "items": len(items), "purity": purity}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_DATA), help="folder holding hot.jsonl (default %(default)s)")
    p.add_argument("--start", default="2019-07-01")
    p.add_argument("--end", default="2020-01-10")
    p.add_argument("--top", type=int, default=15)
    args = p.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    rows = read_jsonl(Path(args.data) / "hot.jsonl")
    start, end = dt.datetime.fromisoformat(args.start), dt.datetime.fromisoformat(args.end)
    result = run(rows, start=start, end=end, top=args.top)
    print(f"{result['items']} messages; period {args.start} – {args.end} against the same length before; "
          f"clustered in {result['seconds']:.1f} s")
    print(f"{'#':>2} {'count':>5} {'prev':>4} {'trend':>7} {'likes':>6}  places / keywords / representative title")
    for n, t in enumerate(result["topics"], 1):
        places = "、".join(f"{p}×{c}" for p, c in t.places[:3])
        print(f"{n:>2} {t.count:>5} {t.previous:>4} {t.trend:>7} {t.support:>6}  {places} / "
              f"{' '.join(t.keywords)} / {t.title}")
    print("Labelled clusters (bench/duplicates.py LABEL RULE): share in their largest topic over the whole file")
    for name, (biggest, total) in result["purity"].items():
        print(f"  {name}: {biggest}/{total} = {biggest / total:.0%}")


if __name__ == "__main__":
    main()
