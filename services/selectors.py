"""Reads of service orders and providers, always scoped to the user. The only
way views and the API obtain orders; who may do what to an order is decided
here once (`order_roles`, `permitted_role`) and used by services, pages and API."""

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import managed_communities, managed_community_ids, user_scopes
from core.errors import NotFound
from core.records import ServiceRecord
from regions.models import Region

from .models import OrderEvent, OrderPhoto, Provider, ServiceOrder, Skill
from .workflow import (
    FINISHED_STATES,
    HELD_STATES,
    LAPSE_ACTIONS,
    OPEN_STATES,
    SYSTEM_ACTIONS,
    TRANSITIONS,
    Action,
    Kind,
    OrderRole,
    Status,
    allowed_from,
)

# Waiting for dispatch longer than this shows as overdue on the workbench.
DISPATCH_WAIT = dt.timedelta(hours=24)
LIST_RELATED = ("community", "grid", "provider__user", "requester")


# ---------------------------------------------------------------- who is who

UNSET = object()  # "look the provider up"; None means "the user has none"


def _provider(user, provider):
    return provider_of(user) if provider is UNSET else provider


def provider_of(user) -> Provider | None:
    if user is None or not user.is_authenticated:
        return None
    return Provider.objects.filter(user=user).first()


def is_staff_for(user, community_id) -> bool:
    if user is None or not user.is_authenticated or community_id is None:
        return False
    return community_id in managed_community_ids(user)


def is_any_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and managed_community_ids(user))


def _area(provider: Provider) -> tuple[set[int], set[int], set[int]]:
    """(communities, grids, communities of those grids) of a provider's service area."""
    cached = getattr(provider, "_area", None)
    if cached is None:
        communities, grids, grid_parents = set(), set(), set()
        for pk, level, parent_id in provider.service_area.values_list("id", "level", "parent_id"):
            if level == Region.Level.COMMUNITY:
                communities.add(pk)
            elif level == Region.Level.GRID:
                grids.add(pk)
                grid_parents.add(parent_id)
        cached = provider._area = (communities, grids, grid_parents)
    return cached


def _serving_q(provider: Provider) -> Q:
    """Orders inside a provider's service area: their community, or their grid
    (an order placed only by community counts for the community's grid providers)."""
    communities, grids, grid_parents = _area(provider)
    return (Q(community_id__in=communities) | Q(grid_id__in=grids)
            | Q(grid__isnull=True, community_id__in=grid_parents))


def provider_serves(provider: Provider, order: ServiceOrder) -> bool:
    communities, grids, grid_parents = _area(provider)
    if order.community_id in communities or (order.grid_id and order.grid_id in grids):
        return True
    return order.grid_id is None and order.community_id in grid_parents


def serving_providers(order: ServiceOrder) -> QuerySet[Provider]:
    """Active providers whose area covers the order."""
    q = Q(service_area=order.community_id)
    if order.grid_id:
        q |= Q(service_area=order.grid_id)
    else:
        q |= Q(service_area__parent_id=order.community_id, service_area__level=Region.Level.GRID)
    ids = Provider.objects.filter(q).values("pk")
    return Provider.objects.filter(pk__in=ids, is_active=True).select_related("user")


def order_roles(user, order: ServiceOrder, provider=UNSET) -> set[str]:
    """The roles `user` holds over this particular order."""
    if user is None or not user.is_authenticated:
        return set()
    roles: set[str] = set()
    if order.requester_id == user.id:
        roles.add(OrderRole.REQUESTER)
    if is_staff_for(user, order.community_id):
        roles.add(OrderRole.STAFF)
    provider = _provider(user, provider)
    if provider is not None:
        if order.provider_id == provider.pk:
            roles.add(OrderRole.PROVIDER)
        if provider.is_active and order.requester_id != user.id and provider_serves(provider, order):
            roles.add(OrderRole.SERVING_PROVIDER)
    return roles


_SENIORITY = [OrderRole.REQUESTER, OrderRole.PROVIDER, OrderRole.SERVING_PROVIDER, OrderRole.STAFF]


def permitted_role(user, order: ServiceOrder, action, provider=UNSET) -> str | None:
    """The role under which `user` may take `action` on the order now, or None."""
    action = Action(action)
    if action in SYSTEM_ACTIONS:
        return None
    transition = TRANSITIONS[action]
    if order.status not in transition.sources:
        return None
    provider = _provider(user, provider)
    roles = order_roles(user, order, provider) & transition.roles
    for role in sorted(roles, key=_SENIORITY.index):
        if order.status not in allowed_from(transition, role):
            continue
        if action == Action.ACCEPT and not provider.is_active:
            continue
        return role
    return None


def available_actions(order: ServiceOrder, user) -> list[Action]:
    """What the page shows as buttons and the API lists as choices."""
    if user is None or not user.is_authenticated:
        return []
    provider = provider_of(user)
    return [a for a in TRANSITIONS if a not in SYSTEM_ACTIONS and permitted_role(user, order, a, provider)]


def refusal(user, order: ServiceOrder, action: Action) -> str:
    """Why `user` may not take `action` (the state allows it): a message that says what to do instead."""
    provider = provider_of(user)
    roles = order_roles(user, order, provider)
    if action == Action.CLAIM:
        if order.requester_id == user.id:
            return _("You cannot claim your own request.")
        if provider is None:
            return _("Register as a provider first to claim orders.")
        if provider.is_pending:
            return _("Your provider profile is waiting for approval by community staff.")
        if not provider.is_active:
            return _("Your provider profile is not active.")
        return _("This order is outside your service area.")
    if action == Action.CANCEL and OrderRole.REQUESTER in roles:
        return _("The order has been accepted; ask community staff to cancel it.")
    if action == Action.ACCEPT and OrderRole.PROVIDER in roles:
        return _("Your provider profile is not active.")
    return _("You may not “%(action)s” this order.") % {"action": action.label}


# ---------------------------------------------------------------- orders the user may see

def visible_orders(user, provider=UNSET) -> QuerySet[ServiceOrder]:
    """Staff see their communities' orders; a requester their own; a provider
    what they hold and the open orders of their area; anyone logged in the
    open wishes of the public wall."""
    if user is None or not user.is_authenticated:
        return ServiceOrder.objects.none()
    if user_scopes(user).is_admin:
        return ServiceOrder.objects.all()
    q = Q(requester=user) | Q(recorded_by=user) | Q(status=Status.OPEN, kind=Kind.WISH)
    managed = managed_community_ids(user)
    if managed:
        q |= Q(community_id__in=managed)
    provider = _provider(user, provider)
    if provider is not None:
        q |= Q(provider=provider)
        if provider.is_active:
            q |= Q(status=Status.OPEN) & _serving_q(provider)
    return ServiceOrder.objects.filter(q)


def get_order(user, pk) -> ServiceOrder:
    if not str(pk).isdigit():
        raise NotFound()
    order = visible_orders(user).filter(pk=pk).select_related(
        "community__parent", "grid", "household__building__estate", "provider__user", "requester", "appeal",
        "recorded_by", "dispatched_by").first()
    if order is None:
        raise NotFound()
    return order


def can_see_personal(user, order: ServiceOrder) -> bool:
    """Requester's name, masked phone and household: for the requester, staff and
    the provider holding the order; not for people browsing the board or wall."""
    if user is None or not user.is_authenticated:
        return False
    if user_scopes(user).is_admin or order.requester_id == user.id or is_staff_for(user, order.community_id):
        return True
    if order.recorded_by_id == user.id:
        return True
    provider = provider_of(user)
    return provider is not None and order.provider_id == provider.pk


def can_reveal_phone(user, order: ServiceOrder) -> bool:
    """The full number, logged: staff of the community, and the provider while they hold or work the order."""
    if not order.requester_phone or user is None or not user.is_authenticated:
        return False
    if user_scopes(user).is_admin or is_staff_for(user, order.community_id):
        return True
    provider = provider_of(user)
    return (provider is not None and order.provider_id == provider.pk
            and order.status in (Status.DISPATCHED, Status.ACCEPTED, Status.DONE))


def can_tick_items(user, order: ServiceOrder) -> bool:
    """Errand checklist: staff while the order is open, the provider while working on it."""
    if order.kind != Kind.ERRAND or user is None or not user.is_authenticated:
        return False
    if is_staff_for(user, order.community_id) or user_scopes(user).is_admin:
        return order.status in OPEN_STATES
    provider = provider_of(user)
    return provider is not None and order.provider_id == provider.pk and order.status == Status.ACCEPTED


def timeline(order: ServiceOrder) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor", "provider__user").prefetch_related("photos")


def order_photo(order: ServiceOrder, photo_id) -> OrderPhoto:
    """A photo of an order the user has already obtained through `get_order`."""
    photo = order.photos.filter(pk=photo_id).first() if str(photo_id).isdigit() else None
    if photo is None:
        raise NotFound()
    return photo


def filter_orders(qs: QuerySet[ServiceOrder], *, kind: str = "", status: str = "", community: str = "",
                  q: str = "") -> QuerySet[ServiceOrder]:
    """One filter for the workbench page and the API list. `status=open_all` means any unfinished state."""
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    if status == "open_all":
        qs = qs.filter(status__in=OPEN_STATES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if community:
        qs = qs.filter(community__code=community)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q) | Q(number__icontains=q))
    return qs.select_related(*LIST_RELATED)


def my_orders(user) -> QuerySet[ServiceOrder]:
    return visible_orders(user).filter(requester=user).select_related(*LIST_RELATED).order_by("-created_at", "-id")


# ---------------------------------------------------------------- providers' screens

def board_orders(user, kind: str = "") -> QuerySet[ServiceOrder]:
    """Open orders the user's provider profile may claim."""
    provider = provider_of(user)
    if provider is None or not provider.is_active:
        return ServiceOrder.objects.none()
    qs = ServiceOrder.objects.filter(status=Status.OPEN).filter(_serving_q(provider)).exclude(requester=user)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("community", "grid").prefetch_related("skills").order_by("-status_since", "-id")


def jobs(user) -> dict[str, QuerySet[ServiceOrder]]:
    """A provider's orders by state."""
    provider = provider_of(user)
    if provider is None:
        return {}
    base = ServiceOrder.objects.filter(provider=provider).select_related("community", "grid")
    return {
        "dispatched": base.filter(status=Status.DISPATCHED).order_by("respond_due"),
        "accepted": base.filter(status=Status.ACCEPTED).order_by("finish_due"),
        "done": base.filter(status=Status.DONE).order_by("-done_at"),
        "confirmed": base.filter(status=Status.CONFIRMED).order_by("-confirmed_at")[:30],
    }


def wall(community: str = "") -> tuple[QuerySet[ServiceOrder], QuerySet[ServiceOrder]]:
    """公开微心愿墙: the open wishes, and those recently fulfilled. Public: no personal data leaves here."""
    base = ServiceOrder.objects.filter(kind=Kind.WISH).select_related("community")
    if community:
        base = base.filter(community__code=community)
    open_wishes = base.filter(status=Status.OPEN).order_by("-status_since", "-id")
    fulfilled = base.filter(status__in=FINISHED_STATES).select_related("provider__user").order_by("-done_at", "-id")
    return open_wishes, fulfilled


def wall_communities() -> QuerySet[Region]:
    ids = ServiceOrder.objects.filter(kind=Kind.WISH).values("community_id")
    return Region.objects.filter(pk__in=ids).order_by("code")


# ---------------------------------------------------------------- staff

def staff_orders(user) -> QuerySet[ServiceOrder]:
    if user_scopes(user).is_admin:
        return ServiceOrder.objects.all()
    return ServiceOrder.objects.filter(community_id__in=managed_community_ids(user))


def overdue_q(now: dt.datetime) -> Q:
    """Dispatched and not accepted in time, accepted and not done in time (until
    the sweep returns them), or waiting for dispatch for more than a day."""
    return (Q(status=Status.DISPATCHED, respond_due__lt=now) | Q(status=Status.ACCEPTED, finish_due__lt=now)
            | Q(status=Status.REQUESTED, status_since__lt=now - DISPATCH_WAIT))


QUEUES = [
    ("overdue", gettext_lazy("Overdue")),
    ("to_dispatch", gettext_lazy("To dispatch")),
    ("on_board", gettext_lazy("On the board")),
    ("waiting", gettext_lazy("Waiting for the provider")),
    ("in_progress", gettext_lazy("In progress")),
    ("to_confirm", gettext_lazy("Done, waiting for confirmation")),
]
QUEUE_STATUS = {"to_dispatch": Status.REQUESTED, "on_board": Status.OPEN, "waiting": Status.DISPATCHED,
                "in_progress": Status.ACCEPTED, "to_confirm": Status.DONE}


def workbench_queues(user, *, community: str = "", kind: str = "", now: dt.datetime | None = None
                     ) -> dict[str, QuerySet[ServiceOrder]]:
    now = now or timezone.now()
    base = filter_orders(staff_orders(user), kind=kind, community=community).prefetch_related("skills")
    queues = {"overdue": base.filter(overdue_q(now)).order_by("status_since", "id")}
    for key, status in QUEUE_STATUS.items():
        queues[key] = base.filter(status=status).order_by("status_since", "id")
    return queues


def returned_order_ids(order_ids) -> set[int]:
    """Orders among these that a provider gave back (declined, released, no-show, timed out)."""
    return set(OrderEvent.objects.filter(order_id__in=list(order_ids), action__in=LAPSE_ACTIONS)
               .values_list("order_id", flat=True))


def managed_community_list(user) -> list[Region]:
    return list(managed_communities(user).order_by("code"))


def staff_providers(user, *, state: str = "") -> QuerySet[Provider]:
    """Providers serving (or living in) the communities the user manages."""
    qs = Provider.objects.all()
    if not user_scopes(user).is_admin:
        managed = managed_community_ids(user)
        served = Provider.objects.filter(
            Q(service_area__in=managed) | Q(service_area__parent_id__in=managed)
            | Q(user__person__household__building__grid__parent_id__in=managed)).values("pk")
        qs = qs.filter(pk__in=served)
    if state == "pending":
        qs = qs.filter(approved_at__isnull=True)
    elif state == "active":
        qs = qs.filter(is_active=True)
    elif state == "inactive":
        qs = qs.filter(is_active=False, approved_at__isnull=False)
    return qs.select_related("user").prefetch_related("skills", "service_area").order_by("approved_at", "-created_at")


def provider_communities(provider: Provider) -> set[int]:
    """Communities whose staff look after this provider: its area's, and its home's."""
    communities, _grids, grid_parents = _area(provider)
    ids = set(communities) | set(grid_parents)
    person = getattr(provider.user, "person", None)
    household = getattr(person, "household", None) if person else None
    if household is not None:
        ids.add(household.building.grid.parent_id)
    return ids


def can_manage_provider(user, provider: Provider) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user_scopes(user).is_admin or bool(provider_communities(provider) & managed_community_ids(user))


# ---------------------------------------------------------------- suggestions

@dataclass
class Suggestion:
    provider: Provider
    score: float
    skill_match: float | None
    matched_skills: list[str]
    distance_km: float | None
    load: int
    reliability: float
    done: int
    lapses: int
    reasons: list[str] = field(default_factory=list)


WEIGHTS = {"skills": 0.40, "distance": 0.25, "load": 0.15, "reliability": 0.20}
NEUTRAL = 0.5


def haversine_km(lng1, lat1, lng2, lat2) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def reliability_score(done: int, lapses: int) -> float:
    """Share of kept orders, smoothed as if every provider started with two
    kept and one lapsed: a newcomer scores 2/3, never 0 or 1."""
    return (done + 2) / (done + lapses + 3)


def provider_stats(provider_ids) -> dict[int, tuple[int, int, int]]:
    """{provider id: (orders in hand, orders done or confirmed, lapses)} in three queries."""
    ids = list(provider_ids)
    load = dict(ServiceOrder.objects.filter(provider_id__in=ids, status__in=HELD_STATES)
                .values("provider_id").annotate(n=Count("id")).values_list("provider_id", "n"))
    done = dict(ServiceOrder.objects.filter(provider_id__in=ids, status__in=FINISHED_STATES)
                .values("provider_id").annotate(n=Count("id")).values_list("provider_id", "n"))
    lapses = dict(OrderEvent.objects.filter(provider_id__in=ids, action__in=LAPSE_ACTIONS)
                  .values("provider_id").annotate(n=Count("id")).values_list("provider_id", "n"))
    return {pk: (load.get(pk, 0), done.get(pk, 0), lapses.get(pk, 0)) for pk in ids}


def skill_label(skill: Skill) -> str:
    if skill.name_en and (get_language() or "").startswith("en"):
        return skill.name_en
    return skill.name


def suggest_providers(order: ServiceOrder, limit: int = 5) -> list[Suggestion]:
    """Active providers serving the order's area, best first.

    score = 0.40·skills + 0.25·distance + 0.15·load + 0.20·reliability, each part in [0, 1]:

    * skills: share of the order's needed skills the provider has (1 when it needs none);
    * distance: 1 / (1 + km / 2) between the order and the provider's home or shop
      (haversine; 0 km → 1, 2 km → 0.5, 6 km → 0.25); unknown on either side → 0.5;
    * load: 1 / (1 + orders dispatched to or accepted by them and not yet done);
    * reliability: (done + 2) / (done + lapses + 3), where done counts their orders done
      or confirmed and lapses their declines, give-backs, no-shows and timeouts.

    Ties go to the provider registered first. The requester is never suggested.
    """
    providers = list(serving_providers(order).prefetch_related("skills").order_by("created_at", "id"))
    if order.requester_id:
        providers = [p for p in providers if p.user_id != order.requester_id]
    needed = {s.pk: s for s in order.skills.all()}
    stats = provider_stats(p.pk for p in providers)
    result = []
    for p in providers:
        load, done, lapses = stats[p.pk]
        have = [needed[s.pk] for s in p.skills.all() if s.pk in needed]
        skill_match = len(have) / len(needed) if needed else None
        distance = None
        if None not in (order.lng, order.lat, p.lng, p.lat):
            distance = haversine_km(order.lng, order.lat, p.lng, p.lat)
        reliability = reliability_score(done, lapses)
        parts = {
            "skills": 1.0 if skill_match is None else skill_match,
            "distance": NEUTRAL if distance is None else 1 / (1 + distance / 2),
            "load": 1 / (1 + load),
            "reliability": reliability,
        }
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        reasons = []
        if needed:
            reasons.append(_("Skills %(have)d/%(need)d%(names)s") % {
                "have": len(have), "need": len(needed),
                "names": f" ({'、'.join(skill_label(s) for s in have)})" if have else ""})
        reasons.append(_("%(km)s km away") % {"km": f"{distance:.1f}"} if distance is not None
                       else _("Distance unknown"))
        reasons.append(_("%(n)d orders in hand") % {"n": load})
        reasons.append(_("Reliability %(pct)d%% (%(done)d done, %(lapses)d returned)") % {
            "pct": round(reliability * 100), "done": done, "lapses": lapses})
        result.append(Suggestion(provider=p, score=round(score, 4), skill_match=skill_match,
                                 matched_skills=[s.code for s in have], distance_km=distance, load=load,
                                 reliability=reliability, done=done, lapses=lapses, reasons=reasons))
    result.sort(key=lambda s: -s.score)  # stable: ties keep registration order
    return result[:limit]


# ---------------------------------------------------------------- appeals

def can_convert_appeal(user, appeal) -> bool:
    """Show “Turn into a service order” on the appeal page: the appeal is accepted or
    in progress at grid or community level, not converted yet, and the user is its
    grid worker or community staff and may handle or resolve it."""
    from appeals.selectors import permitted_role as appeal_role
    from appeals.workflow import Action as AppealAction
    from appeals.workflow import Level
    from appeals.workflow import Status as AppealStatus

    if user is None or not user.is_authenticated or appeal is None:
        return False
    if appeal.status not in (AppealStatus.ACCEPTED, AppealStatus.IN_PROGRESS):
        return False
    if appeal.level not in (Level.GRID, Level.COMMUNITY):
        return False
    if ServiceOrder.objects.filter(appeal_id=appeal.pk).exists():
        return False
    needed = AppealAction.HANDLE if appeal.status == AppealStatus.ACCEPTED else AppealAction.RESOLVE
    return appeal_role(user, appeal, needed) in (Role.GRID_WORKER, Role.COMMUNITY_STAFF)


def order_for_appeal(appeal) -> ServiceOrder | None:
    """The service order an appeal was turned into, if any (for a link on the appeal page)."""
    if appeal is None:
        return None
    return ServiceOrder.objects.filter(appeal_id=appeal.pk).first()


# ---------------------------------------------------------------- other apps

def order_url(order) -> str:
    return reverse("services:detail", args=[order.pk if hasattr(order, "pk") else order])


def service_records(user_ids, start: dt.datetime, end: dt.datetime) -> list[ServiceRecord]:
    """Orders done (or done and confirmed) by these users' provider profiles in [start, end), for 双报到."""
    orders = ServiceOrder.objects.filter(
        status__in=FINISHED_STATES, provider__user_id__in=list(user_ids), done_at__gte=start, done_at__lt=end,
    ).values_list("pk", "provider__user_id", "done_at", "kind", "title").order_by("done_at", "pk")
    return [ServiceRecord(user_id=uid, at=at, kind=kind, title=title, url=order_url(pk))
            for pk, uid, at, kind, title in orders]


FIGURES = [
    ("orders_received", gettext_lazy("Orders received"),
     gettext_lazy("Service orders, micro-wishes and errands requested in the period.")),
    ("orders_handled", gettext_lazy("Orders handled"),
     gettext_lazy("Orders of any kind reported done in the period (confirmed or not).")),
    ("wishes_posted", gettext_lazy("Micro-wishes posted"), gettext_lazy("Micro-wishes requested in the period.")),
    ("wishes_fulfilled", gettext_lazy("Micro-wishes fulfilled"),
     gettext_lazy("Micro-wishes reported done in the period.")),
    ("errands_done", gettext_lazy("Errands done"), gettext_lazy("Errands (代办) reported done in the period.")),
    ("services_done", gettext_lazy("Services done"), gettext_lazy("Service orders reported done in the period.")),
    ("avg_rating", gettext_lazy("Average rating"),
     gettext_lazy("Mean of the 1–5 ratings given to orders confirmed in the period; automatic confirmations "
                  "carry no rating.")),
    ("on_time_rate", gettext_lazy("Done on time"),
     gettext_lazy("Share of the orders done in the period that were done by their finish deadline (%).")),
    ("open_orders", gettext_lazy("Open orders now"),
     gettext_lazy("Orders not yet done, confirmed or cancelled, at this moment.")),
]


def _one_decimal(value) -> float:
    """Rounded half up, as people round (3.25 → 3.3)."""
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """The services part of the figures page; a value of None means “no value”."""
    from django.db.models import Avg

    qs = ServiceOrder.objects.all()
    if community_ids is not None:
        qs = qs.filter(community_id__in=list(community_ids))

    def within(field_name):
        q = Q()
        if start is not None:
            q &= Q(**{f"{field_name}__gte": start})
        if end is not None:
            q &= Q(**{f"{field_name}__lt": end})
        return q

    created, done, confirmed = within("created_at"), within("done_at"), within("confirmed_at")
    done_q = done & Q(done_at__isnull=False)
    counts = qs.aggregate(
        orders_received=Count("id", filter=created),
        orders_handled=Count("id", filter=done_q),
        wishes_posted=Count("id", filter=created & Q(kind=Kind.WISH)),
        wishes_fulfilled=Count("id", filter=done_q & Q(kind=Kind.WISH)),
        errands_done=Count("id", filter=done_q & Q(kind=Kind.ERRAND)),
        services_done=Count("id", filter=done_q & Q(kind=Kind.SERVICE)),
        on_time=Count("id", filter=done_q & Q(finish_due__isnull=False, done_at__lte=F("finish_due"))),
        with_due=Count("id", filter=done_q & Q(finish_due__isnull=False)),
        avg_rating=Avg("rating", filter=confirmed & Q(rating__isnull=False)),
        open_orders=Count("id", filter=Q(status__in=OPEN_STATES)),
    )
    values = dict(counts)
    values["avg_rating"] = _one_decimal(counts["avg_rating"]) if counts["avg_rating"] is not None else None
    values["on_time_rate"] = _one_decimal(100 * counts["on_time"] / counts["with_due"]) if counts["with_due"] else None
    return [{"key": key, "label": label, "value": values[key], "definition": definition}
            for key, label, definition in FIGURES]


def active_skills() -> QuerySet[Skill]:
    return Skill.objects.all()
