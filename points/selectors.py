"""Reads of the points app, scoped to what the user may see.

A person "belongs" to a community through their household's building; staff
also see people who earned or spent points in one of their communities (a
volunteer from elsewhere who served there), since that community's ledger
names them anyway.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import home_community, managed_communities, user_scopes
from core.errors import NotFound
from regions.models import Region

from .models import PointsAccount, PointsEntry, PointsRule, Redemption, Reward, Source

# ---------------------------------------------------------------- one person's points


def balance(user) -> int:
    """The person's balance: the running copy of the sum of their entries."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    value = PointsAccount.objects.filter(user=user).values_list("balance", flat=True).first()
    return value or 0


def entries(user) -> QuerySet[PointsEntry]:
    """The person's ledger, newest first, each entry knowing whether (and by which entry) it was reversed."""
    reversal = PointsEntry.objects.filter(reverses=OuterRef("pk")).values("pk")[:1]
    return (PointsEntry.objects.filter(account__user=user)
            .select_related("community", "reverses")
            .annotate(reversed_by=Subquery(reversal))
            .order_by("-created_at", "-id"))


def redemptions_of(user) -> QuerySet[Redemption]:
    return Redemption.objects.filter(account__user=user).select_related("reward__community").order_by("-created_at", "-id")


def can_reverse(entry: PointsEntry) -> bool:
    """Whether the entry could still be reversed from a ledger screen (ignoring permissions and balance)."""
    return (entry.kind != PointsEntry.Kind.REVERSAL and entry.source != Source.REDEMPTION
            and getattr(entry, "reversed_by", None) is None)


# ---------------------------------------------------------------- people, for staff

def people_of(actor) -> QuerySet[User]:
    """People staff may serve at the counter and adjust: living in one of their
    communities, or with points booked there."""
    communities = managed_communities(actor).values("pk")
    booked_here = PointsEntry.objects.filter(account__user=OuterRef("pk"), community__in=communities)
    return User.objects.filter(
        Q(person__household__building__grid__parent__in=communities) | Exists(booked_here),
        person__isnull=False, is_active=True)


def is_counter_staff(user) -> bool:
    return managed_communities(user).exists()


def person_for_staff(actor, user_id) -> User:
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        raise NotFound()
    user = people_of(actor).filter(pk=pk).select_related(
        "person__household__building__grid__parent", "points_account").first()
    if user is None:
        raise NotFound()
    return user


@dataclass
class PersonRow:
    user: User
    name: str
    phone_masked: str
    community: Region | None
    balance: int


def person_row(user: User) -> PersonRow:
    person = user.person
    account = getattr(user, "points_account", None)
    return PersonRow(user=user, name=person.name if person else user.display_name,
                     phone_masked=person.phone_masked if person else "", community=home_community(user),
                     balance=account.balance if account else 0)


# ---------------------------------------------------------------- catalogue and counter

def rewards_of(community_ids, *, active_only: bool = True) -> QuerySet[Reward]:
    qs = Reward.objects.filter(community_id__in=community_ids).select_related("community")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("community__code", "points", "name", "id")


def catalogue(user, community="") -> tuple[list[Region], Region | None, QuerySet[Reward]]:
    """The catalogue page and its Excel export: the communities the staff member manages, the
    one asked for (the first when absent or not theirs) and all its items, withdrawn ones too."""
    communities = list(managed_communities(user).order_by("code"))
    chosen = next((c for c in communities if str(c.pk) == str(community or "")), communities[0] if communities else None)
    if chosen is None:
        return communities, None, Reward.objects.none()
    return communities, chosen, rewards_of([chosen.pk], active_only=False)


def visible_rewards(user, community: Region | None = None) -> QuerySet[Reward]:
    """Active items of a community's catalogue are public; staff also see the
    inactive ones of their communities. Without a community: the user's home
    catalogue, plus every catalogue they manage."""
    managed = set(managed_communities(user).values_list("pk", flat=True))
    if community is not None:
        return rewards_of([community.pk], active_only=community.pk not in managed)
    home = home_community(user)
    q = Q(community_id__in=managed)
    if home is not None:
        q |= Q(community_id=home.pk, is_active=True)
    return Reward.objects.filter(q).select_related("community").order_by("community__code", "points", "name", "id")


def counter_redemptions(actor, *, limit: int = 20) -> list[Redemption]:
    """The latest redemptions at the counters of the actor's communities."""
    return list(Redemption.objects.filter(reward__community__in=managed_communities(actor))
                .select_related("reward__community", "account__user__person", "served_by")
                .order_by("-created_at", "-id")[:limit])


def visible_redemptions(user) -> QuerySet[Redemption]:
    """A person's own redemptions, plus those at the counters they run."""
    return (Redemption.objects.filter(Q(account__user=user) | Q(reward__community__in=managed_communities(user)))
            .select_related("reward__community", "account__user", "served_by").order_by("-created_at", "-id"))


def get_redemption(user, pk) -> Redemption:
    found = visible_redemptions(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound()
    return found


def get_entry(user, pk) -> PointsEntry:
    """One entry the user may see: their own, or of a person they serve."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    entry = entries_visible_to(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound()
    return entry


def entries_visible_to(user) -> QuerySet[PointsEntry]:
    reversal = PointsEntry.objects.filter(reverses=OuterRef("pk")).values("pk")[:1]
    return (PointsEntry.objects.filter(Q(account__user=user) | Q(account__user__in=people_of(user)))
            .select_related("community", "reverses", "account__user").annotate(reversed_by=Subquery(reversal)))


# ---------------------------------------------------------------- rules

RULE_SOURCE_LABELS = {
    "own": _("Own rule"),
    Region.Level.STREET: _("Street rule"),
    Region.Level.DISTRICT: _("District rule"),
    "default": _("Default"),
}


def _chain(region: Region | None) -> list[Region]:
    """The region and its ancestors, nearest first, in one query."""
    if region is None:
        return []
    ids = [int(p) for p in (region.path or "").strip("/").split("/") if p.isdigit()]
    if not ids:
        chain, node = [], region
        while node is not None:
            chain.append(node)
            node = node.parent if node.parent_id else None
        return chain
    by_id = Region.objects.in_bulk(ids)
    return [by_id[i] for i in reversed(ids) if i in by_id]


def rule_table(region: Region | None) -> list[dict]:
    """Every rule key of a region: its own value (or None), the value that
    applies, and where that value comes from (own / street / default)."""
    chain = _chain(region)
    rules: dict[tuple[int, str], int] = {
        (r.region_id, r.key): r.points for r in PointsRule.objects.filter(region__in=[r.pk for r in chain])}
    rows = []
    for key in PointsRule.Key:
        row = {"key": key.value, "label": key.label, "own": rules.get((region.pk, key.value)) if region else None,
               "effective": PointsRule.DEFAULTS[key], "source": "default", "source_region": None}
        for node in chain:
            if (node.pk, key.value) in rules:
                row["effective"] = rules[(node.pk, key.value)]
                row["source"] = "own" if node.pk == region.pk else node.level
                row["source_region"] = node
                break
        row["source_label"] = RULE_SOURCE_LABELS.get(row["source"], row["source"])
        rows.append(row)
    return rows


def effective_rule(region: Region | None, key: str) -> dict:
    key = PointsRule.Key(key)
    return next(row for row in rule_table(region) if row["key"] == key.value)


def rule_regions(actor) -> list[Region]:
    """Regions whose rules the actor may set: their streets first, then their communities."""
    scopes = user_scopes(actor)
    streets = Region.objects.filter(level=Region.Level.STREET)
    if not scopes.is_admin:
        streets = streets.filter(pk__in=scopes.regions(Role.STREET_STAFF, Region.Level.STREET))
    return list(streets.order_by("code")) + list(managed_communities(actor).select_related("parent").order_by("code"))


def region_by_ref(ref) -> Region:
    """A region by its code (as everywhere in the API) or its numeric id."""
    ref = str(ref).strip()
    region = Region.objects.filter(code=ref).first()
    if region is None and ref.isdigit() and len(ref) < 6:
        region = Region.objects.filter(pk=int(ref)).first()
    if region is None:
        raise NotFound()
    return region


# ---------------------------------------------------------------- figures

def _moment(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def figures(community_ids: list[int] | None, start, end) -> list[dict]:
    """Points figures of some communities (None: all) for [start, end); dates
    count from local midnight, None is unbounded. Flows are attributed by the
    community that booked the entry; snapshots are as of now."""
    start, end = _moment(start), _moment(end)
    entries_qs = PointsEntry.objects.all()
    redemptions = Redemption.objects.filter(status=Redemption.Status.DONE)
    accounts = PointsAccount.objects.all()
    rewards = Reward.objects.filter(is_active=True)
    if community_ids is not None:
        ids = list(community_ids)
        entries_qs = entries_qs.filter(community_id__in=ids)
        redemptions = redemptions.filter(reward__community_id__in=ids)
        accounts = accounts.filter(user__person__household__building__grid__parent_id__in=ids)
        rewards = rewards.filter(community_id__in=ids)
    period = Q()
    if start is not None:
        period &= Q(created_at__gte=start)
    if end is not None:
        period &= Q(created_at__lt=end)
    issued = entries_qs.filter(period, kind=PointsEntry.Kind.CREDIT).aggregate(n=Sum("amount"))["n"] or 0
    spent = entries_qs.filter(period, kind=PointsEntry.Kind.DEBIT, source=Source.REDEMPTION,
                              reversal__isnull=True).aggregate(n=Sum("amount"))["n"] or 0
    return [
        {"key": "points_issued", "label": _("Points issued"), "value": issued,
         "definition": _("Points credited in the period for orders, activities, awards and staff grants. "
                         "Reversals are not counted.")},
        {"key": "points_redeemed", "label": _("Points redeemed"), "value": -spent,
         "definition": _("Points spent on Love Supermarket redemptions made in the period, "
                         "leaving out redemptions cancelled since.")},
        {"key": "redemptions", "label": _("Redemptions"), "value": redemptions.filter(period).count(),
         "definition": _("Redemptions made in the period and not cancelled.")},
        {"key": "points_outstanding", "label": _("Points outstanding"),
         "value": accounts.aggregate(n=Sum("balance"))["n"] or 0,
         "definition": _("Points residents of these communities hold now and can still spend.")},
        {"key": "rewards_in_stock", "label": _("Rewards in stock"), "value": rewards.aggregate(n=Sum("stock"))["n"] or 0,
         "definition": _("Items of offered rewards on the shelves of the Love Supermarket now.")},
    ]
