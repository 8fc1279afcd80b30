"""Reads behind the figures page: who may see it, which regions and units they
may narrow it to, the scoped appeals, and the working-day calendar gaps."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import user_scopes
from appeals.models import Appeal, Whistle
from appeals.selectors import visible_appeals
from appeals.workflow import OPEN_STATES
from core.calendar import PACKAGE_YEARS, missing_years
from people.models import Unit
from regions.models import Region

SCOPE_LEVELS = (Region.Level.STREET, Region.Level.COMMUNITY, Region.Level.GRID)
# Roles whose region scope (at any level) shows appeals, as in appeals.selectors.visible_appeals.
_REGION_SCOPED_ROLES = (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.BUILDING_HEAD)
CALENDAR_LOOKAHEAD_DAYS = 60


def can_see_figures(user) -> bool:
    """Any region or unit role, or an administrator; not residents or party members as such."""
    if user is None or not user.is_authenticated:
        return False
    return user_scopes(user).is_staff_member


def scope_regions(user) -> list[Region]:
    """The streets, communities and grids the user may narrow the figures to, in tree order."""
    scopes = user_scopes(user)
    levels = [str(level) for level in SCOPE_LEVELS]
    if scopes.is_admin:
        return list(Region.objects.filter(level__in=levels).order_by("code"))
    ids: set[int] = set()
    for role in _REGION_SCOPED_ROLES:
        for level in levels:
            ids |= scopes.regions(role, level)
    if not ids:
        return []
    paths = list(Region.objects.filter(pk__in=ids).values_list("path", flat=True))
    subtree = Q()
    for path in paths:
        subtree |= Q(path__startswith=path)
    return list(Region.objects.filter(subtree, level__in=levels).order_by("code"))


def scope_units(user) -> QuerySet[Unit]:
    """Units the user may narrow the figures to: all active units for the street
    and administrators, their own units for a department handler."""
    scopes = user_scopes(user)
    if scopes.is_admin or Role.STREET_STAFF in scopes.roles:
        return Unit.objects.filter(is_active=True).order_by("name")
    if scopes.units:
        return Unit.objects.filter(pk__in=scopes.units).order_by("name")
    return Unit.objects.none()


def resolve_region(region) -> Region | None:
    """A Region, its id, or its path ("/1/4/")."""
    if region in (None, ""):
        return None
    if isinstance(region, Region):
        return region
    if isinstance(region, str) and region.startswith("/"):
        return Region.objects.filter(path=region).first()
    if str(region).isdigit():
        return Region.objects.filter(pk=int(region)).first()
    return None


def resolve_unit(unit) -> Unit | None:
    if unit in (None, ""):
        return None
    if isinstance(unit, Unit):
        return unit
    if str(unit).isdigit():
        return Unit.objects.filter(pk=int(unit)).first()
    return None


def region_filter(region: Region) -> Q:
    if region.level == Region.Level.STREET:
        return Q(street_id=region.pk)
    if region.level == Region.Level.COMMUNITY:
        return Q(community_id=region.pk)
    if region.level == Region.Level.GRID:
        return Q(grid_id=region.pk)
    return Q(grid__path__startswith=region.path)


def scoped_appeals(user, *, region=None, unit=None) -> QuerySet[Appeal]:
    """What the user can see (never more), narrowed to a region subtree and/or to
    appeals whistled to a unit as lead unit."""
    qs = visible_appeals(user)
    if region not in (None, ""):
        resolved = resolve_region(region)
        qs = qs.filter(region_filter(resolved)) if resolved is not None else qs.none()
    if unit not in (None, ""):
        resolved_unit = resolve_unit(unit)
        if resolved_unit is None:
            return qs.none()
        qs = qs.filter(pk__in=Whistle.objects.filter(lead_unit=resolved_unit).values("appeal_id"))
    return qs


def calendar_gaps(appeals: QuerySet[Appeal], *, now=None) -> list[int]:
    """Years the working-day calendar does not know, among the next 60 days and the
    resolution deadlines of open appeals. Years the chinese-calendar package knows
    are loaded on demand by core.calendar, so they are not gaps."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    years = set(range(today.year, (today + dt.timedelta(days=CALENDAR_LOOKAHEAD_DAYS)).year + 1))
    years |= set(
        appeals.filter(status__in=OPEN_STATES, resolve_due__isnull=False)
        .annotate(due_year=ExtractYear("resolve_due")).values_list("due_year", flat=True).distinct().order_by()
    )
    return [year for year in missing_years(years) if year not in PACKAGE_YEARS]


def community_ids(user, region: Region | None) -> list[int] | None:
    """The communities the service figures cover: the chosen area's (a grid
    counts its community), else every community the user may see; None = all."""
    if region is not None:
        if region.level == Region.Level.COMMUNITY:
            return [region.pk]
        if region.level in (Region.Level.GRID, Region.Level.MICROGRID):
            community = region.ancestor(Region.Level.COMMUNITY)
            return [community.pk] if community else []
        return list(Region.objects.filter(path__startswith=region.path, level=Region.Level.COMMUNITY)
                    .values_list("pk", flat=True))
    if user_scopes(user).is_admin:
        return None
    return [r.pk for r in scope_regions(user) if r.level == Region.Level.COMMUNITY]
