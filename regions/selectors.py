"""Place look-ups: which grid holds a point, and the region tree."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from core.errors import NotFound, ValidationFailed

from .models import Region

# The People's Republic lies within these bounds; anything else is a typo or swapped axes.
CHINA_LNG = (73.0, 135.5)
CHINA_LAT = (3.0, 54.0)


def check_coordinates(lng, lat) -> tuple[float, float]:
    try:
        lng_f, lat_f = float(lng), float(lat)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The location is not a valid pair of coordinates."), code="bad_coordinates")
    if lng_f != lng_f or lat_f != lat_f or not (-180 <= lng_f <= 180 and -90 <= lat_f <= 90):
        raise ValidationFailed(_("The location is not a valid pair of coordinates."), code="bad_coordinates")
    if not (CHINA_LNG[0] <= lng_f <= CHINA_LNG[1] and CHINA_LAT[0] <= lat_f <= CHINA_LAT[1]):
        raise ValidationFailed(_("The location is outside China; check longitude and latitude."), code="bad_coordinates")
    return lng_f, lat_f


def grid_at(lng, lat) -> Region | None:
    """The grid (or micro-grid's grid) whose polygon contains the point."""
    lng_f, lat_f = check_coordinates(lng, lat)
    candidates = Region.objects.filter(
        level=Region.Level.GRID, min_lng__lte=lng_f, max_lng__gte=lng_f, min_lat__lte=lat_f, max_lat__gte=lat_f
    ).select_related("parent__parent")
    point = Point(lng_f, lat_f)
    for region in candidates:
        if region.geometry and shape(region.geometry).covers(point):
            return region
    return None


def locate(lng, lat) -> Region:
    grid = grid_at(lng, lat)
    if grid is None:
        raise ValidationFailed(
            _("This place is outside every grid we serve. Move the pin into the street, or give the address instead."),
            code="outside_grids",
        )
    return grid


def grids(street: Region | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(level=Region.Level.GRID).select_related("parent")
    if street is not None:
        qs = qs.filter(path__startswith=street.path)
    return qs


def communities() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.COMMUNITY).select_related("parent")


def regions(level: str | None = None) -> QuerySet[Region]:
    """The region tree, optionally one level of it (public geography: not scoped)."""
    qs = Region.objects.select_related("parent")
    return qs.filter(level=level) if level else qs


def region_by_code(code: str) -> Region:
    region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None:
        raise NotFound()
    return region
