"""What a user may see: the scopes of their roles, computed once per request."""

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Role, RoleAssignment


@dataclass
class Scopes:
    """Region ids by level and unit ids, per role."""

    roles: set[str] = field(default_factory=set)
    by_role: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    units: set[int] = field(default_factory=set)
    buildings: set[int] = field(default_factory=set)
    is_admin: bool = False

    def regions(self, role: str, level: str) -> set[int]:
        return self.by_role.get(role, {}).get(level, set())

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles - {Role.RESIDENT, Role.PARTY_MEMBER}) or self.is_admin


def user_scopes(user) -> Scopes:
    cached = getattr(user, "_linli_scopes", None)
    if cached is not None:
        return cached
    scopes = Scopes()
    if user is None or not user.is_authenticated:
        return scopes
    scopes.is_admin = user.is_superuser
    for ra in RoleAssignment.objects.filter(user=user).select_related("region"):
        scopes.roles.add(ra.role)
        if ra.role == Role.ADMIN:
            scopes.is_admin = True
        if ra.region_id:
            scopes.by_role.setdefault(ra.role, {}).setdefault(ra.region.level, set()).add(ra.region_id)
        if ra.unit_id:
            scopes.units.add(ra.unit_id)
        if ra.building_id:
            scopes.buildings.add(ra.building_id)
    if not scopes.roles and not scopes.is_admin:
        scopes.roles.add(Role.RESIDENT)  # anyone with an account may report and follow their own
    user._linli_scopes = scopes
    return scopes


def home_url_name(user) -> str:
    """Where a user lands after log-in: their most senior workbench."""
    scopes = user_scopes(user)
    if scopes.is_admin or Role.STREET_STAFF in scopes.roles or Role.COMMUNITY_STAFF in scopes.roles:
        return "appeals:workbench"
    if Role.UNIT_HANDLER in scopes.roles:
        return "appeals:unit_workbench"
    if Role.GRID_WORKER in scopes.roles or Role.BUILDING_HEAD in scopes.roles:
        return "appeals:my_tasks"
    return "core:me"


def leaders_of(*, unit_id: int | None = None, region_ids: list[int] | None = None):
    """Users marked as leader at the given unit or regions (督办 goes to them too)."""
    from .models import User

    qs = User.objects.none()
    if unit_id:
        qs = User.objects.filter(roles__unit_id=unit_id, roles__is_leader=True)
    if region_ids:
        qs = qs | User.objects.filter(roles__region_id__in=region_ids, roles__is_leader=True)
    return qs.distinct()


def role_assignments(user) -> list[RoleAssignment]:
    """The user's roles with their scopes, for showing who they are."""
    if user is None or not user.is_authenticated:
        return []
    return list(RoleAssignment.objects.filter(user=user).select_related(
        "region", "unit", "party_org", "building__estate").order_by("role", "id"))


def managed_communities(user):
    """Communities a user runs day-to-day work for: their own as community
    staff, every community of their street as street staff, all for admins.
    Services, volunteering, points and 双报到 all scope staff writes by this."""
    from regions.models import Region

    scopes = user_scopes(user)
    qs = Region.objects.filter(level=Region.Level.COMMUNITY)
    if scopes.is_admin:
        return qs
    q = Q(pk__in=scopes.regions(Role.COMMUNITY_STAFF, Region.Level.COMMUNITY))
    q |= Q(parent_id__in=scopes.regions(Role.STREET_STAFF, Region.Level.STREET))
    return qs.filter(q)


def managed_community_ids(user) -> set[int]:
    """managed_communities' ids, read once and cached on the user like its scopes: for rules
    checked row by row (an export's reveal rule), which would otherwise query per row."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_linli_managed_ids", None)
    if cached is None:
        cached = user._linli_managed_ids = set(managed_communities(user).values_list("pk", flat=True))
    return cached


def manages_community(user, community) -> bool:
    if community is None or user is None or not user.is_authenticated:
        return False
    community_id = community.pk if hasattr(community, "pk") else community
    return managed_communities(user).filter(pk=community_id).exists()


def home_community(user):
    """The community a person lives in (through their household's building),
    or None for an account with no registered household."""
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    household = getattr(person, "household", None)
    if household is None:
        return None
    return household.building.grid.parent
