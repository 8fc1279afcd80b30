"""Reads of appeals, always scoped to the user. The only way views and the API
obtain appeals; scoping lives here once and is tested as a matrix."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import user_scopes
from core.errors import NotFound
from people.models import Unit

from .models import Appeal, AppealEvent, Attachment, Category, Whistle
from .workflow import LEVELS_FOR_ROLE, TRANSITIONS, Action, Status


def _region_q(scopes, role) -> Q | None:
    q = None
    for level, field in (("street", "street_id__in"), ("community", "community_id__in"), ("grid", "grid_id__in")):
        ids = scopes.regions(role, level)
        if ids:
            part = Q(**{field: ids})
            q = part if q is None else q | part
    return q


def visible_appeals(user) -> QuerySet[Appeal]:
    """Street staff see the street, community staff the community, a grid worker
    the grid, a building head the building, a unit what was whistled to it, a
    resident their own (and the appeals theirs were merged into)."""
    if user is None or not user.is_authenticated:
        return Appeal.objects.none()
    scopes = user_scopes(user)
    if scopes.is_admin:
        return Appeal.objects.all()
    merged_into = Appeal.objects.filter(reporter=user, parent__isnull=False).values("parent_id")
    q = Q(reporter=user) | Q(id__in=merged_into)
    for role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.BUILDING_HEAD):
        part = _region_q(scopes, role)
        if part is not None:
            q |= part
    if scopes.buildings:
        q |= Q(building_id__in=scopes.buildings)
    if scopes.units:
        whistled = Whistle.objects.filter(Q(lead_unit_id__in=scopes.units) | Q(helper_units__in=scopes.units)).values("appeal_id")
        q |= Q(id__in=whistled)
    return Appeal.objects.filter(q)


def supportable_appeals(user) -> QuerySet[Appeal]:
    """What a person may support (我也遇到 / 附议): the appeals they may see, and those of the
    community they live in (a neighbour's problem is theirs to co-sign, as with matters)."""
    from accounts.selectors import home_community

    visible = visible_appeals(user)
    home = home_community(user)
    if home is None:
        return visible
    return Appeal.objects.filter(Q(pk__in=visible.values("pk")) | Q(community_id=home.pk))


def get_appeal(user, pk: int) -> Appeal:
    if not str(pk).isdigit():
        raise NotFound()
    appeal = visible_appeals(user).filter(pk=pk).select_related(
        "category", "grid", "community", "street", "lead_unit", "parent", "reporter", "building__estate"
    ).first()
    if appeal is None:
        raise NotFound()
    return appeal


def acting_roles(user, appeal: Appeal) -> set[str]:
    """The roles `user` holds over this particular appeal."""
    if user is None or not user.is_authenticated:
        return set()
    scopes = user_scopes(user)
    roles: set[str] = set()
    if appeal.reporter_id == user.id:
        roles.add(Role.RESIDENT)
    if appeal.street_id in scopes.regions(Role.STREET_STAFF, "street"):
        roles.add(Role.STREET_STAFF)
    if appeal.community_id in scopes.regions(Role.COMMUNITY_STAFF, "community") or \
            appeal.street_id in scopes.regions(Role.COMMUNITY_STAFF, "street"):
        roles.add(Role.COMMUNITY_STAFF)
    if appeal.grid_id in scopes.regions(Role.GRID_WORKER, "grid") or \
            appeal.community_id in scopes.regions(Role.GRID_WORKER, "community"):
        roles.add(Role.GRID_WORKER)
    if appeal.lead_unit_id and appeal.lead_unit_id in scopes.units and Role.UNIT_HANDLER in scopes.roles:
        roles.add(Role.UNIT_HANDLER)
    return roles


def permitted_role(user, appeal: Appeal, action: Action) -> str | None:
    """The role under which `user` may take `action` now, or None."""
    transition = TRANSITIONS[action]
    if appeal.status not in transition.sources:
        return None
    for role in sorted(acting_roles(user, appeal) & transition.roles, key=_seniority):
        if transition.level_bound and role in LEVELS_FOR_ROLE and appeal.level not in LEVELS_FOR_ROLE[role]:
            continue
        if action == Action.RATE and role == Role.RESIDENT and appeal.reporter_id != user.id:
            continue
        return role
    return None


_ORDER = [Role.RESIDENT, Role.UNIT_HANDLER, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF]


def _seniority(role: str) -> int:
    return _ORDER.index(role) if role in _ORDER else len(_ORDER)


def available_actions(appeal: Appeal, user) -> list[Action]:
    """What the UI shows as buttons and the API lists as choices."""
    return [action for action in TRANSITIONS if permitted_role(user, appeal, action)]


LIST_RELATED = ("category", "grid", "community", "lead_unit")


def filter_appeals(qs: QuerySet[Appeal], *, status: str = "", overdue: str = "", category: str = "", grid: str = "",
                   community: str = "", unit: str = "", channel: str = "", date_from: dt.date | None = None,
                   date_to: dt.date | None = None, q: str = "") -> QuerySet[Appeal]:
    """One filter for the workbench page and the API list."""
    if status == "open":
        qs = qs.exclude(status__in=[Status.CLOSED, Status.REJECTED, Status.MERGED])
    elif status:
        qs = qs.filter(status=status)
    if overdue in ("1", "true", "yes"):
        qs = qs.filter(is_overdue=True)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if grid:
        qs = qs.filter(grid__code=grid)
    if community:
        qs = qs.filter(community__code=community)
    if unit:
        qs = qs.filter(lead_unit_id=unit) if str(unit).isdigit() else qs.filter(lead_unit__name=unit)
    if channel:
        qs = qs.filter(channel=channel)
    if date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=timezone.get_current_timezone()))
    if date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min,
                                                          tzinfo=timezone.get_current_timezone()))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q) | Q(number__icontains=q) | Q(address__icontains=q))
    return qs.select_related(*LIST_RELATED)


def grid_worker_tasks(user) -> dict[str, QuerySet[Appeal]]:
    """A grid worker's phone screen: what waits for them in their grids."""
    scopes = user_scopes(user)
    grids = scopes.regions(Role.GRID_WORKER, "grid")
    base = Appeal.objects.filter(grid_id__in=grids).select_related(*LIST_RELATED)
    return {
        "to_accept": base.filter(status=Status.SUBMITTED, level="grid"),
        "to_handle": base.filter(status__in=[Status.ACCEPTED, Status.IN_PROGRESS], level="grid"),
        "to_verify": base.filter(status=Status.VERIFYING),
        "overdue": base.filter(is_overdue=True),
    }


def unit_tasks(user) -> dict[str, QuerySet[Appeal]]:
    """A department's workbench."""
    units = user_scopes(user).units
    base = Appeal.objects.filter(lead_unit_id__in=units).select_related(*LIST_RELATED)
    returned_ids = Whistle.objects.filter(lead_unit_id__in=units, state=Whistle.State.RETURNED).values("appeal_id")
    return {
        "to_claim": base.filter(status=Status.WHISTLED),
        "to_answer": base.filter(status=Status.CLAIMED),
        "overdue": base.filter(is_overdue=True, status__in=[Status.WHISTLED, Status.CLAIMED]),
        "returned": Appeal.objects.filter(id__in=returned_ids).select_related(*LIST_RELATED),
        "helping": Appeal.objects.filter(whistles__helper_units__in=units, status__in=[Status.WHISTLED, Status.CLAIMED])
        .select_related(*LIST_RELATED).distinct(),
    }


def timeline(appeal: Appeal) -> QuerySet[AppealEvent]:
    return appeal.events.select_related("actor").prefetch_related("attachments")


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent", "default_unit")


def duplicate_candidates(user, appeal: Appeal, limit: int = 10) -> QuerySet[Appeal]:
    """Open appeals in the same grid and category: what staff may merge this into."""
    return visible_appeals(user).filter(grid_id=appeal.grid_id, category_id=appeal.category_id).exclude(
        pk=appeal.pk).exclude(status__in=[Status.REJECTED, Status.MERGED]).filter(parent__isnull=True)[:limit]


def active_units() -> QuerySet[Unit]:
    """Units appeals can be routed or whistled to."""
    return Unit.objects.filter(is_active=True).select_related("street")


def appeal_attachment(appeal: Appeal, attachment_id: int) -> Attachment:
    """A photo of an appeal the user has already obtained through `get_appeal`."""
    attachment = appeal.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    return attachment
