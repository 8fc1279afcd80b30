"""Reads of mediation: who may see and act on a dispute, queues, repeats, figures."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.selectors import user_scopes
from appeals.workflow import Status as AppealStatus
from core.errors import NotFound
from regions.models import Region

from .models import Agreement, Dispute, DisputeEvent, FollowUp, Party, Referral
from .workflow import (
    LEVEL_ORDER,
    OPEN_STATES,
    REPEAT_WINDOW_DAYS,
    TRANSITIONS,
    Action,
    DisputeRole,
    Level,
    Risk,
    Status,
    next_level,
)

FOLLOW_UP_SOON_DAYS = 3


# ---------------------------------------------------------------- scope

def visible_disputes(user) -> QuerySet[Dispute]:
    """Staff of the dispute's grid, community or street, its mediators, the
    unit it is referred to, and whoever recorded it. Residents see none:
    a dispute names both sides."""
    if user is None or not user.is_authenticated:
        return Dispute.objects.none()
    scopes = user_scopes(user)
    if scopes.is_admin:
        return Dispute.objects.all()
    q = Q(recorded_by=user) | Q(mediators__user=user)
    q |= Q(street_id__in=scopes.regions(Role.STREET_STAFF, Region.Level.STREET))
    q |= Q(community_id__in=scopes.regions(Role.COMMUNITY_STAFF, Region.Level.COMMUNITY))
    q |= Q(grid_id__in=scopes.regions(Role.GRID_WORKER, Region.Level.GRID))
    if scopes.units:
        q |= Q(referrals__unit_id__in=scopes.units)
    return Dispute.objects.filter(pk__in=Dispute.objects.filter(q).values("pk"))


def get_dispute(user, pk) -> Dispute:
    if not str(pk).isdigit():
        raise NotFound()
    dispute = visible_disputes(user).select_related("community", "grid", "street", "source_appeal").filter(
        pk=pk).first()
    if dispute is None:
        raise NotFound()
    return dispute


def can_record(user) -> bool:
    """Grid workers, community and street staff may record disputes."""
    scopes = user_scopes(user)
    return scopes.is_admin or bool(scopes.roles & {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF})


def is_handler(user, dispute: Dispute, level: str | None = None) -> bool:
    """Holds the dispute at `level` (its own by default) or above."""
    if user is None or not user.is_authenticated:
        return False
    scopes = user_scopes(user)
    if scopes.is_admin:
        return True
    level = level or dispute.level
    if dispute.street_id in scopes.regions(Role.STREET_STAFF, Region.Level.STREET):
        return True
    if level in (Level.GRID, Level.COMMUNITY) and \
            dispute.community_id in scopes.regions(Role.COMMUNITY_STAFF, Region.Level.COMMUNITY):
        return True
    return level == Level.GRID and dispute.grid_id is not None and \
        dispute.grid_id in scopes.regions(Role.GRID_WORKER, Region.Level.GRID)


def is_supervisor(user, dispute: Dispute) -> bool:
    """Community staff of its community or street staff of its street: they may set the risk by hand."""
    scopes = user_scopes(user)
    return scopes.is_admin or dispute.street_id in scopes.regions(Role.STREET_STAFF, Region.Level.STREET) or \
        dispute.community_id in scopes.regions(Role.COMMUNITY_STAFF, Region.Level.COMMUNITY)


def dispute_roles(user, dispute: Dispute) -> set[str]:
    roles: set[str] = set()
    if user is None or not user.is_authenticated:
        return roles
    if is_handler(user, dispute):
        roles.add(DisputeRole.HANDLER)
    if dispute.mediators.filter(user=user).exists():
        roles.add(DisputeRole.MEDIATOR)
    if dispute.recorded_by_id == user.pk:
        roles.add(DisputeRole.RECORDER)
    units = user_scopes(user).units
    if units and dispute.referrals.filter(unit_id__in=units, feedback_at__isnull=True).exists():
        roles.add(DisputeRole.PARTNER)
    return roles


def permitted_role(user, dispute: Dispute, action) -> str | None:
    """The role under which `user` may take `action` now, or None."""
    transition = TRANSITIONS[Action(action)]
    if dispute.status not in transition.sources:
        return None
    if transition.action == Action.ESCALATE and next_level(dispute.level) is None:
        return None
    roles = dispute_roles(user, dispute)
    for role in (DisputeRole.HANDLER, DisputeRole.MEDIATOR, DisputeRole.PARTNER):
        if role in roles and role in transition.roles:
            return role
    return None


def available_actions(dispute: Dispute, user) -> list[Action]:
    return [a for a in TRANSITIONS if permitted_role(user, dispute, a) is not None]


def refusal(user, dispute: Dispute, action: Action) -> str:
    transition = TRANSITIONS[action]
    if DisputeRole.HANDLER in transition.roles and dispute.level != Level.GRID and not is_handler(user, dispute):
        return _("The dispute has been escalated to the %(level)s; staff there act on it now.") % {
            "level": Level(dispute.level).label}
    if transition.roles == frozenset({DisputeRole.HANDLER}):
        return _("Only staff holding this dispute can do this.")
    return _("Only staff holding this dispute or its mediators can do this.")


def can_reveal_phone(user, dispute: Dispute) -> bool:
    roles = dispute_roles(user, dispute)
    return bool(roles & {DisputeRole.HANDLER, DisputeRole.MEDIATOR}) or is_supervisor(user, dispute)


def can_record_session(user, dispute: Dispute) -> bool:
    return dispute.status in (Status.ACCEPTED, Status.MEDIATING) and \
        bool(dispute_roles(user, dispute) & {DisputeRole.HANDLER, DisputeRole.MEDIATOR})


def can_record_follow_up(user, dispute: Dispute) -> bool:
    return dispute.status == Status.FOLLOWING_UP and \
        bool(dispute_roles(user, dispute) & {DisputeRole.HANDLER, DisputeRole.MEDIATOR})


def can_add_mediator(user, dispute: Dispute) -> bool:
    return dispute.status in OPEN_STATES and is_handler(user, dispute)


def timeline(dispute: Dispute) -> QuerySet[DisputeEvent]:
    return dispute.events.select_related("actor").order_by("at", "id")


def current_agreement(dispute: Dispute) -> Agreement | None:
    return dispute.agreements.order_by("-sequence").first()


def open_referral(dispute: Dispute) -> Referral | None:
    return dispute.referrals.filter(feedback_at__isnull=True).order_by("-referred_at", "-id").first()


def latest_follow_up(dispute: Dispute) -> FollowUp | None:
    return dispute.follow_ups.order_by("-visited_at", "-id").first()


# ---------------------------------------------------------------- repeats

def _party_keys(parties) -> list[set]:
    """One key set per party: person, phone blind index, name. Any shared key means the same person."""
    from core.crypto import blind_index

    keys = []
    for p in parties:
        get = p.get if isinstance(p, dict) else (lambda k, default=None, _p=p: getattr(_p, k, default))
        ks = set()
        if get("person_id"):
            ks.add(("person", int(get("person_id"))))
        phone_index = get("phone_index") or (blind_index(get("phone")) if get("phone") else "")
        if phone_index:
            ks.add(("phone", phone_index))
        if get("name"):
            ks.add(("name", get("name")))
        if ks:
            keys.append(ks)
    return keys


def prior_incidents(community_id: int, parties, now: dt.datetime, exclude_id: int | None = None) -> list[Dispute]:
    """Earlier disputes in the same community within the window between the
    same parties: at least two of ours (or our only one) appear in it."""
    ours = _party_keys(parties)
    if not ours:
        return []
    need = min(2, len(ours))
    flat_q = Q()
    for ks in ours:
        for kind, value in ks:
            flat_q |= {"person": Q(person_id=value), "phone": Q(phone_index=value), "name": Q(name=value)}[kind]
    since = now - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    candidates = Dispute.objects.filter(community_id=community_id, created_at__gte=since, created_at__lte=now,
                                        parties__in=Party.objects.filter(flat_q)).distinct()
    if exclude_id:
        candidates = candidates.exclude(pk=exclude_id)
    found = []
    for dispute in candidates.prefetch_related("parties").order_by("created_at", "id")[:50]:
        theirs = _party_keys(list(dispute.parties.all()))
        matched = sum(1 for ks in ours if any(ks & t for t in theirs))
        if matched >= need:
            found.append(dispute)
    return found


# ---------------------------------------------------------------- queues

def staff_disputes(user) -> QuerySet[Dispute]:
    return visible_disputes(user).select_related("community", "grid")


def order_by_risk(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    from django.db.models import Case, IntegerField, Value, When

    rank = Case(When(risk_level=Risk.HIGH, then=Value(0)), When(risk_level=Risk.MEDIUM, then=Value(1)),
                default=Value(2), output_field=IntegerField())
    return qs.annotate(risk_rank=rank).order_by("risk_rank", "-created_at", "-id")


def workbench_queues(user, *, now: dt.datetime | None = None, community: str = "", risk: str = "",
                     status: str = "") -> dict[str, QuerySet[Dispute]]:
    """My open disputes high risk first, follow-ups due soon, referrals waiting for feedback."""
    now = now or timezone.now()
    qs = staff_disputes(user)
    if community and str(community).isdigit():
        qs = qs.filter(community_id=int(community))
    if risk in Risk.values:
        qs = qs.filter(risk_level=risk)
    open_qs = qs.filter(status__in=OPEN_STATES)
    if status in Status.values:
        open_qs = qs.filter(status=status)
    soon = timezone.localtime(now).date() + dt.timedelta(days=FOLLOW_UP_SOON_DAYS)
    return {
        "open": order_by_risk(open_qs),
        "follow_ups": qs.filter(status=Status.FOLLOWING_UP, follow_up_due__lte=soon).order_by("follow_up_due", "id"),
        "referrals": qs.filter(status=Status.REFERRED).order_by("status_since", "id"),
        "alerts": order_by_risk(qs.filter(status__in=OPEN_STATES, risk_level=Risk.HIGH)),
    }


def workbench_communities(user) -> QuerySet[Region]:
    from accounts.selectors import managed_communities

    return managed_communities(user)


def recordable_grids(user) -> QuerySet[Region]:
    """Grids a user may place a dispute in."""
    scopes = user_scopes(user)
    grids = Region.objects.filter(level=Region.Level.GRID).select_related("parent")
    if scopes.is_admin:
        return grids
    q = Q(pk__in=scopes.regions(Role.GRID_WORKER, Region.Level.GRID))
    q |= Q(parent_id__in=scopes.regions(Role.COMMUNITY_STAFF, Region.Level.COMMUNITY))
    q |= Q(parent__parent_id__in=scopes.regions(Role.STREET_STAFF, Region.Level.STREET))
    return grids.filter(q)


def staff_of(region_ids, role: str) -> list[User]:
    return list(User.objects.filter(roles__role=role, roles__region_id__in=list(region_ids)).distinct())


def dispute_url(dispute: Dispute) -> str:
    return reverse("mediation:detail", args=[dispute.pk])


def disputes_for_appeal(appeal) -> QuerySet[Dispute]:
    return Dispute.objects.filter(source_appeal_id=appeal.pk).order_by("created_at", "id")


def overdue_follow_ups(now: dt.datetime) -> QuerySet[Dispute]:
    return Dispute.objects.filter(status=Status.FOLLOWING_UP,
                                  follow_up_due__lt=timezone.localtime(now).date())


# ---------------------------------------------------------------- figures

FIGURES = [
    ("received", gettext_lazy("Disputes received"),
     gettext_lazy("Disputes recorded in the period, from any source.")),
    ("mediated", gettext_lazy("Disputes mediated"),
     gettext_lazy("Disputes whose mediation started in the period (调解群众身边的纠纷).")),
    ("agreements", gettext_lazy("Agreements reached"),
     gettext_lazy("Disputes that reached a mediation agreement in the period.")),
    ("agreement_rate", gettext_lazy("Agreement rate (%)"),
     gettext_lazy("Of the disputes whose mediation started in the period and has ended (agreement, referral or "
                  "withdrawal), the share that reached an agreement.")),
    ("high_risk", gettext_lazy("High-risk disputes"),
     gettext_lazy("Disputes recorded in the period that are high risk now.")),
    ("referrals", gettext_lazy("Referrals to linkage partners"),
     gettext_lazy("Referrals to the court, police, petition office or volunteer mediation in the period.")),
    ("follow_ups_done", gettext_lazy("Follow-up visits done"),
     gettext_lazy("Follow-up visits recorded in the period.")),
    ("follow_ups_overdue", gettext_lazy("Follow-ups overdue"),
     gettext_lazy("Disputes waiting for a follow-up visit past its due date, now.")),
    ("closed_in_community", gettext_lazy("Settled within the community"),
     gettext_lazy("Disputes closed in the period without leaving the grid or community (小事不出社区).")),
]


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """The mediation part of the figures page; a value of None means “no value”."""
    qs = Dispute.objects.all()
    if community_ids is not None:
        qs = qs.filter(community_id__in=list(community_ids))

    def within(field_name, prefix=""):
        q = Q(**{f"{prefix}{field_name}__isnull": False})
        if start is not None:
            q &= Q(**{f"{prefix}{field_name}__gte": start})
        if end is not None:
            q &= Q(**{f"{prefix}{field_name}__lt": end})
        return q

    has_referral = Exists(Referral.objects.filter(dispute=OuterRef("pk")))
    started = qs.filter(within("mediation_started_at")).annotate(referred=has_referral)
    ended = started.filter(Q(agreed_at__isnull=False) | Q(referred=True) | Q(status=Status.WITHDRAWN))
    counts = qs.aggregate(
        received=Count("id", filter=within("created_at")),
        agreements=Count("id", filter=within("agreed_at")),
        high_risk=Count("id", filter=within("created_at") & Q(risk_level=Risk.HIGH)),
        closed_in_community=Count("id", filter=within("closed_at") & Q(status=Status.CLOSED,
                                                                        level__in=LEVEL_ORDER[:2])),
    )
    values = dict(counts)
    values["mediated"] = started.count()
    ended_count = ended.count()
    agreed_count = ended.filter(agreed_at__isnull=False).count()
    values["agreement_rate"] = round(1000 * agreed_count / ended_count) / 10 if ended_count else None
    values["referrals"] = Referral.objects.filter(dispute__in=qs).filter(within("referred_at")).count()
    values["follow_ups_done"] = FollowUp.objects.filter(dispute__in=qs).filter(within("visited_at")).count()
    values["follow_ups_overdue"] = overdue_follow_ups(timezone.now()).filter(pk__in=qs.values("pk")).count()
    return [{"key": key, "label": label, "value": values[key], "definition": definition}
            for key, label, definition in FIGURES]


# ---------------------------------------------------------------- team and appeals

def can_record_in(user, community: Region, grid: Region | None) -> bool:
    """Grid workers in their own grids (or their grids' community when no grid is
    named), community and street staff anywhere in what they run."""
    scopes = user_scopes(user)
    if scopes.is_admin:
        return True
    if community.parent_id in scopes.regions(Role.STREET_STAFF, Region.Level.STREET):
        return True
    if community.pk in scopes.regions(Role.COMMUNITY_STAFF, Region.Level.COMMUNITY):
        return True
    my_grids = scopes.regions(Role.GRID_WORKER, Region.Level.GRID)
    if grid is not None:
        return grid.pk in my_grids
    return Region.objects.filter(pk__in=my_grids, parent_id=community.pk).exists()


def can_be_mediator(user, dispute: Dispute) -> bool:
    """An account on the team works in the dispute's street: staff, grid workers,
    or a resident / party member / volunteer living there."""
    from accounts.models import RoleAssignment

    region_ids = [dispute.street_id, dispute.community_id] + list(
        Region.objects.filter(parent_id=dispute.community_id).values_list("pk", flat=True)) + list(
        Region.objects.filter(parent_id=dispute.street_id).values_list("pk", flat=True))
    if user_scopes(user).is_admin:
        return True
    if RoleAssignment.objects.filter(user=user, region_id__in=region_ids).exists():
        return True
    person = getattr(user, "person", None)
    household = getattr(person, "household", None) if person else None
    return household is not None and household.building.grid.parent.parent_id == dispute.street_id


def mediator_candidates(dispute: Dispute) -> QuerySet[User]:
    """Accounts working in the dispute's community or street, for the assign form."""
    region_ids = [dispute.street_id, dispute.community_id] + list(
        Region.objects.filter(parent_id=dispute.community_id).values_list("pk", flat=True))
    return User.objects.filter(is_active=True, roles__region_id__in=region_ids,
                               roles__role__in=[Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF,
                                                Role.BUILDING_HEAD]).distinct().order_by("username")


CONVERTIBLE_APPEAL_STATES = frozenset({AppealStatus.ACCEPTED, AppealStatus.IN_PROGRESS})


def can_convert_appeal(user, appeal) -> bool:
    """Show “Mediate as a dispute” on the appeal page: the appeal is accepted or in
    progress at grid or community level, not mediated yet, and the user is its
    grid worker or community staff and may handle or resolve it."""
    from appeals.selectors import permitted_role as appeal_role
    from appeals.workflow import Action as AppealAction
    from appeals.workflow import Level as AppealLevel

    if user is None or not user.is_authenticated or appeal is None:
        return False
    if appeal.status not in CONVERTIBLE_APPEAL_STATES or appeal.level not in (AppealLevel.GRID, AppealLevel.COMMUNITY):
        return False
    if Dispute.objects.filter(source_appeal_id=appeal.pk).exclude(status=Status.WITHDRAWN).exists():
        return False
    needed = AppealAction.HANDLE if appeal.status == AppealStatus.ACCEPTED else AppealAction.RESOLVE
    return appeal_role(user, appeal, needed) in (Role.GRID_WORKER, Role.COMMUNITY_STAFF)
