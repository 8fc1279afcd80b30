"""Likely duplicates (一事多诉): appeals near in place and time that say the same thing.

The lookup is bounded whatever the size of the platform: candidates come from the
index on (community, created_at), a window of WINDOW_DAYS either side and at most
MAX_CANDIDATES rows; only those are scored. Near means the same grid or within
RADIUS_M metres. Text similarity is on character bigrams (Chinese needs no word
segmentation for this), weighted by an IDF computed over the candidates, so
words every appeal around here uses ("小区", the street's name) count little:
half the weighted Jaccard of the titles, half the cosine of title + body.
"""

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from appeals.models import Appeal
from appeals.workflow import OPEN_STATES, Status
from core.crypto import mask_phone
from intelligence.text import normalize, tokenize

WINDOW_DAYS = 30
RECENT_CLOSED_DAYS = 7
RADIUS_M = 300
MAX_CANDIDATES = 400
THRESHOLD = 0.08
SHOW = 5

_NOT_WORD = re.compile(r"[\W_]+")
_PHONE = re.compile(r"1\d{10}")


def bigrams(text: str) -> frozenset[str]:
    """Overlapping character pairs inside each run of letters, digits or CJK."""
    grams = set()
    for run in _NOT_WORD.split(normalize(text)):
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
        if len(run) == 1:
            grams.add(run)
    return frozenset(grams)


@dataclass
class Doc:
    """One appeal's text as the similarity sees it."""

    key: object
    title: str
    body: str
    title_grams: frozenset = field(init=False)
    grams: frozenset = field(init=False)

    def __post_init__(self):
        self.title_grams = bigrams(self.title)
        self.grams = self.title_grams | bigrams(self.body)


def idf_of(docs: list[Doc]) -> dict[str, float]:
    """Smoothed inverse document frequency over these docs (as scikit-learn's smooth_idf)."""
    df: dict[str, int] = {}
    for doc in docs:
        for g in doc.grams:
            df[g] = df.get(g, 0) + 1
    n = len(docs)
    return {g: math.log((1 + n) / (1 + k)) + 1 for g, k in df.items()}


def similarity(a: Doc, b: Doc, idf: dict[str, float]) -> float:
    """0..1: half the IDF-weighted Jaccard of the titles, half the IDF cosine of the whole texts."""
    def w(g):
        return idf.get(g, 1.0)

    union = a.title_grams | b.title_grams
    title = sum(w(g) for g in a.title_grams & b.title_grams) / sum(w(g) for g in union) if union else 0.0
    norm = math.sqrt(sum(w(g) ** 2 for g in a.grams) * sum(w(g) ** 2 for g in b.grams))
    whole = sum(w(g) ** 2 for g in a.grams & b.grams) / norm if norm else 0.0
    return 0.5 * title + 0.5 * whole


def rank(query: Doc, candidates: list[Doc], *, threshold: float = THRESHOLD) -> list[tuple[Doc, float]]:
    """Candidates at or above the threshold, most similar first."""
    idf = idf_of([query, *candidates])
    scored = [(c, similarity(query, c, idf)) for c in candidates]
    return sorted([(c, s) for c, s in scored if s >= threshold], key=lambda cs: -cs[1])


def distance_m(lng1, lat1, lng2, lat2) -> float | None:
    if None in (lng1, lat1, lng2, lat2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


@dataclass
class Match:
    appeal: Appeal
    score: float
    same_grid: bool
    metres: float | None
    days: int
    reasons: list[str]
    words: list[str]

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def safe_title(self) -> str:
        """The title with any mobile number masked (shown to residents at intake)."""
        return _PHONE.sub(lambda m: mask_phone(m.group()), self.appeal.title)


def candidates(*, community_id, at: dt.datetime, exclude_pk=None, among=None):
    """The bounded candidate set: the community's root appeals of the window that are
    open or closed in the last RECENT_CLOSED_DAYS (merged ones live on in their parent)."""
    qs = (among if among is not None else Appeal.objects.all()).filter(
        community_id=community_id,
        created_at__gte=at - dt.timedelta(days=WINDOW_DAYS), created_at__lte=at + dt.timedelta(days=WINDOW_DAYS),
        parent__isnull=True,
    ).filter(Q(status__in=OPEN_STATES) | Q(status=Status.CLOSED, closed_at__gte=at - dt.timedelta(days=RECENT_CLOSED_DAYS)))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.only("id", "number", "title", "content", "grid_id", "lng", "lat", "created_at", "status", "street_id",
                   "version", "reporter_id").order_by("-created_at", "-id")[:MAX_CANDIDATES]


def likely_duplicates(*, title: str, content: str, grid, lng=None, lat=None, at: dt.datetime, exclude_pk=None,
                      among=None, limit: int = SHOW, threshold: float = THRESHOLD, explain: bool = True) -> list[Match]:
    """Appeals that are probably the same problem as this text at this place and time.

    `among` narrows the search to what the user may see (a queryset of appeals).
    """
    if grid is None or not (title or content):
        return []
    near = []
    for appeal in candidates(community_id=grid.parent_id, at=at, exclude_pk=exclude_pk, among=among):
        metres = distance_m(lng, lat, appeal.lng, appeal.lat)
        if appeal.grid_id == grid.pk or (metres is not None and metres <= RADIUS_M):
            near.append((appeal, metres))
    if not near:
        return []
    query = Doc(None, title, content)
    docs = {a.pk: Doc(a.pk, a.title, a.content) for a, _m in near}
    places = {a.pk: (a, m) for a, m in near}
    ranked = rank(query, list(docs.values()), threshold=threshold)[:limit]
    return [_match(query, places[doc.key][0], places[doc.key][1], score, grid, at, explain) for doc, score in ranked]


def _match(query: Doc, appeal: Appeal, metres, score: float, grid, at, explain: bool) -> Match:
    same_grid = appeal.grid_id == grid.pk
    days = abs((at - appeal.created_at).days)
    reasons = [_("Text %(p)d%% alike") % {"p": round(score * 100)}]
    if same_grid:
        reasons.append(_("Same grid"))
    if metres is not None:
        reasons.append(_("%(m)d m away") % {"m": round(metres)})
    apart = ngettext("%(d)d day apart", "%(d)d days apart", days) % {"d": days}
    reasons.append(_("Same day") if days == 0 else apart)
    if appeal.status == Status.CLOSED:
        reasons.append(_("Recently closed"))
    words = shared_words(query, appeal) if explain else []
    return Match(appeal=appeal, score=score, same_grid=same_grid, metres=metres, days=days, reasons=reasons,
                 words=words)


def shared_words(query: Doc, appeal: Appeal, limit: int = 5) -> list[str]:
    """Words (jieba) both texts use, longest first: what staff read as "why"."""
    mine = set(tokenize(f"{query.title} {query.body}"))
    theirs = set(tokenize(f"{appeal.title} {appeal.content}"))
    common = [w for w in mine & theirs if len(w) >= 2 and not w.isdigit()]
    return sorted(common, key=lambda w: (-len(w), w))[:limit]


def duplicates_of(appeal: Appeal, *, among=None, limit: int = SHOW, explain: bool = True) -> list[Match]:
    """Likely duplicates of an appeal already on the platform."""
    return likely_duplicates(title=appeal.title, content=appeal.content, grid=appeal.grid, lng=appeal.lng,
                             lat=appeal.lat, at=appeal.created_at, exclude_pk=appeal.pk, among=among, limit=limit,
                             explain=explain)
