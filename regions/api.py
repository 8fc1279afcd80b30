"""Places: the region tree, one region's polygon, and which grid holds a point."""

from django.http import HttpRequest
from ninja import Query, Router

from core.api import choice_of, errors

from . import selectors
from .models import Region
from .schemas import LocateOut, RegionDetailOut, RegionOut

router = Router(tags=["regions"])


@router.get("/regions", response={200: list[RegionOut], **errors(400)}, summary="List regions")
def list_regions(request: HttpRequest, level: choice_of(Region.Level) | None = None):  # type: ignore[valid-type]
    """Every region, or one level of the tree (`?level=grid`), ordered by code."""
    return selectors.regions(level)


@router.get("/regions/{code}", response={200: RegionDetailOut, **errors(404)}, summary="One region with its polygon")
def get_region(request: HttpRequest, code: str):
    """`geometry` is a GeoJSON Polygon or MultiPolygon in WGS84 (longitude first)."""
    return selectors.region_by_code(code)


@router.get("/locate", response={200: LocateOut, **errors(400)}, summary="Which grid holds a point")
def locate(request: HttpRequest, lng: float = Query(..., description="longitude, WGS84"),
           lat: float = Query(..., description="latitude, WGS84")):
    """400 `bad_coordinates` for a point that is not a coordinate pair in China;
    400 `outside_grids` for a point outside every grid served."""
    return selectors.locate(lng, lat)
