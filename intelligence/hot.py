"""Hot topics (热点): what many people raise at once in a scope and period.

Appeals of the period and of the one before it (same length) are clustered
together by text: TF-IDF over character bigrams of the title and of title +
body, both without the hotline's set phrases (text.strip_boilerplate: 市民来电反映,
3号楼, 小区), cosine similarity averaged as in `duplicates.similarity`, then star
clustering — the appeal with the most similar neighbours becomes a centre and
takes its unassigned neighbours, and so on — which, unlike single linkage,
never chains unrelated appeals through intermediate ones. A topic reports its
count this period and the last, the places, the support (附议 plus merged
duplicates, or public likes in the shared data) and a representative title
(the member most similar to the others).
"""

import collections
import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, AppealSupport
from appeals.workflow import Status
from intelligence.duplicates import bigrams
from intelligence.text import content_words, strip_boilerplate, without_opening

CLUSTER_THRESHOLD = 0.2
MIN_COUNT = 2        # a topic is at least two appeals this period...
MIN_SUPPORT = 10     # ...or one appeal that many people supported
MAX_ITEMS = 5000     # the most recent appeals of the two periods that are clustered (bounded work)
LIMIT = 10
_BLOCK = 500


@dataclass
class Item:
    """One appeal (or message) as the clustering sees it."""

    key: object
    title: str
    body: str
    at: dt.datetime
    place: str = ""
    community: str = ""
    support: int = 0


@dataclass
class Topic:
    title: str
    keywords: list[str]
    count: int
    previous: int
    support: int
    places: list[tuple[str, int]]
    communities: list[tuple[str, int]]
    items: list[Item] = field(default_factory=list)
    heat: float = 0.0

    @property
    def trend(self) -> str:
        if self.previous == 0:
            return "new"
        if self.count > self.previous:
            return "rising"
        return "falling" if self.count < self.previous else "steady"

    @property
    def trend_label(self) -> str:
        return str(TREND_LABELS[self.trend])

    @property
    def change(self) -> str:
        if self.previous == 0:
            return "+%d" % self.count
        return "%+d%%" % round((self.count - self.previous) * 100 / self.previous)


TREND_LABELS = {"new": _("New topic"), "rising": _("Rising"), "steady": _("Steady"), "falling": _("Falling")}


def _matrix(texts: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lambda t: sorted(bigrams(t)), sublinear_tf=True)
    return vectorizer.fit_transform(texts)


def neighbours(items: list[Item], threshold: float = CLUSTER_THRESHOLD) -> list[dict[int, float]]:
    """For each item, the others at or above the threshold with their similarity (blockwise, sparse)."""
    if not items:
        return []
    titles = _matrix([strip_boilerplate(i.title) or i.title for i in items])
    whole = _matrix([strip_boilerplate(f"{i.title} {i.body}") or i.title for i in items])
    out: list[dict[int, float]] = []
    for first in range(0, len(items), _BLOCK):
        block = (titles[first:first + _BLOCK] @ titles.T) * 0.5 + (whole[first:first + _BLOCK] @ whole.T) * 0.5
        block = block.tocsr()
        for r in range(block.shape[0]):
            row = block.getrow(r)
            me = first + r
            out.append({int(c): float(v) for c, v in zip(row.indices, row.data) if v >= threshold and c != me})
    return out


def star_clusters(items: list[Item], near: list[dict[int, float]]) -> list[list[int]]:
    """Indexes of items grouped into clusters, biggest first; every item in exactly one cluster."""
    order = sorted(range(len(items)), key=lambda i: (-len(near[i]), -items[i].support, i))
    assigned: dict[int, int] = {}
    clusters: list[list[int]] = []
    for centre in order:
        if centre in assigned:
            continue
        members = [centre] + sorted(j for j in near[centre] if j not in assigned)
        for j in members:
            assigned[j] = len(clusters)
        clusters.append(members)
    clusters.sort(key=lambda c: -len(c))
    return clusters


def _keywords(items: list[Item], limit: int = 4) -> list[str]:
    counts = collections.Counter()
    for item in items:
        counts.update({w for w in content_words(item.title) if not w.isascii()})
    need = max(2, math.ceil(len(items) / 3)) if len(items) > 1 else 1
    return [w for w, n in counts.most_common(limit * 3) if n >= need][:limit]


def _representative(members: list[int], items: list[Item], near: list[dict[int, float]]) -> Item:
    """The member most similar to the rest (ties: most support, then the earliest)."""
    group = set(members)
    return items[max(members, key=lambda i: (sum(v for j, v in near[i].items() if j in group),
                                              items[i].support, -items[i].at.timestamp()))]


def topics(items: list[Item], *, start: dt.datetime, end: dt.datetime, threshold: float = CLUSTER_THRESHOLD,
           limit: int = LIMIT, min_count: int = MIN_COUNT, min_support: int = MIN_SUPPORT) -> list[Topic]:
    """The hot topics of [start, end) among `items`, which may also hold the previous period
    (same length, just before `start`) for the trend. Most heat first: count this period, plus
    the growth over the previous one, plus log2 of the support."""
    near = neighbours(items, threshold)
    clusters = star_clusters(items, near)
    previous_start = start - (end - start)
    out = []
    for members in clusters:
        current = [items[i] for i in members if start <= items[i].at < end]
        before = [items[i] for i in members if previous_start <= items[i].at < start]
        support = sum(i.support for i in current)
        if not current or (len(current) < min_count and support < min_support):
            continue
        rep = _representative([i for i in members if start <= items[i].at < end], items, near)
        topic = Topic(
            title=without_opening(rep.title), keywords=_keywords(current), count=len(current), previous=len(before),
            support=support,
            places=collections.Counter(i.place for i in current if i.place).most_common(5),
            communities=collections.Counter(i.community for i in current if i.community).most_common(5),
            items=sorted(current, key=lambda i: (-i.support, i.at)),
        )
        topic.heat = topic.count + max(0, topic.count - topic.previous) + math.log2(1 + support)
        out.append(topic)
    out.sort(key=lambda t: (-t.heat, -t.count, t.title))
    return out[:limit]


# ---------------------------------------------------------------- on the platform

def appeal_items(appeals, *, start: dt.datetime, end: dt.datetime) -> list[Item]:
    """Root appeals (not rejected) of this period and the previous one, with their support:
    附议 rows plus the duplicates merged into them."""
    previous_start = start - (end - start)
    rows = list(appeals.filter(created_at__gte=previous_start, created_at__lt=end, parent__isnull=True)
                .exclude(status=Status.REJECTED).select_related("grid", "community")
                .only("id", "number", "title", "content", "created_at", "grid__name", "community__name")
                .order_by("-created_at", "-id")[:MAX_ITEMS])
    ids = [a.pk for a in rows]
    supports = dict(AppealSupport.objects.filter(appeal_id__in=ids).values("appeal_id")
                    .annotate(n=Count("id")).values_list("appeal_id", "n"))
    merged = dict(Appeal.objects.filter(parent_id__in=ids).values("parent_id").annotate(n=Count("id"))
                  .values_list("parent_id", "n"))
    return [Item(key=a, title=a.title, body=a.content, at=a.created_at, place=a.grid.name, community=a.community.name,
                 support=supports.get(a.pk, 0) + merged.get(a.pk, 0)) for a in rows]


def hot_topics(appeals, *, start: dt.datetime, end: dt.datetime, limit: int = LIMIT) -> list[Topic]:
    """Hot topics among `appeals` (already scoped to what the reader may see) in [start, end)."""
    return topics(appeal_items(appeals, start=start, end=end), start=start, end=end, limit=limit)
