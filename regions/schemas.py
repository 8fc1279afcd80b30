"""API shapes of places."""

from typing import Any

from ninja import Schema

from core.api import choice_of

from .models import Region


class RegionRef(Schema):
    code: str
    name: str


class RegionOut(Schema):
    code: str
    name: str
    level: choice_of(Region.Level)  # type: ignore[valid-type]
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id else None


class RegionDetailOut(RegionOut):
    geometry: dict[str, Any] | None = None
    centroid: list[float] | None = None
    bbox: list[float] | None = None

    @staticmethod
    def resolve_centroid(obj: Region) -> list[float] | None:
        if obj.centroid_lng is None or obj.centroid_lat is None:
            return None
        return [obj.centroid_lng, obj.centroid_lat]

    @staticmethod
    def resolve_bbox(obj: Region) -> list[float] | None:
        box = [obj.min_lng, obj.min_lat, obj.max_lng, obj.max_lat]
        return None if any(v is None for v in box) else box


class LocateOut(Schema):
    grid: RegionRef
    community: RegionRef
    street: RegionRef

    @staticmethod
    def resolve_grid(obj: Region) -> Region:
        return obj

    @staticmethod
    def resolve_community(obj: Region) -> Region:
        return obj.parent

    @staticmethod
    def resolve_street(obj: Region) -> Region:
        return obj.parent.parent
