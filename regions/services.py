"""Writes to the region tree: the GeoJSON grid import."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.strtree import STRtree
from shapely.validation import explain_validity

from core.audit import audit
from core.errors import ValidationFailed
from core.models import AuditLog

from .models import Region

# Shared edges are fine; overlaps bigger than this share of the smaller polygon are not.
OVERLAP_TOLERANCE = 1e-6


@dataclass
class FeatureError:
    index: int
    code: str
    message: str

    def __str__(self):
        return _("Feature %(i)d (%(code)s): %(msg)s") % {"i": self.index + 1, "code": self.code or "?", "msg": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[FeatureError] = field(default_factory=list)


def _check_feature(index, feature, levels) -> tuple[dict | None, list[FeatureError]]:
    errors = []
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, [FeatureError(index, "", _("not a GeoJSON Feature"))]
    props = feature.get("properties") or {}
    code = str(props.get("code") or "").strip()
    name = str(props.get("name") or "").strip()
    level = str(props.get("level") or Region.Level.GRID).strip()
    parent_code = str(props.get("parent_code") or "").strip()
    if level not in levels:
        errors.append(FeatureError(index, code, _("unknown level “%(level)s”") % {"level": level}))
        return None, errors
    expected = Region.CODE_LENGTH[level]
    if not code.isdigit() or len(code) != expected:
        errors.append(FeatureError(index, code, _("code must be %(n)d digits for level %(level)s") % {"n": expected, "level": level}))
    if not name:
        errors.append(FeatureError(index, code, _("name is missing")))
    if level != Region.Level.DISTRICT:
        if not parent_code:
            errors.append(FeatureError(index, code, _("parent_code is missing")))
        elif not code.startswith(parent_code):
            errors.append(FeatureError(index, code, _("code does not start with its parent's code %(p)s") % {"p": parent_code}))
    geom = None
    raw = feature.get("geometry")
    if raw is None:
        if level in (Region.Level.GRID, Region.Level.MICROGRID):
            errors.append(FeatureError(index, code, _("a grid needs a polygon")))
    else:
        try:
            geom = shape(raw)
        except Exception:  # shapely raises several types for malformed input
            errors.append(FeatureError(index, code, _("geometry cannot be read")))
        else:
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                errors.append(FeatureError(index, code, _("geometry must be a Polygon or MultiPolygon, not %(t)s") % {"t": geom.geom_type}))
            elif geom.is_empty or not geom.is_valid:
                errors.append(FeatureError(index, code, _("invalid polygon: %(why)s") % {"why": explain_validity(geom)}))
            else:
                minx, miny, maxx, maxy = geom.bounds
                if not (73 <= minx <= maxx <= 135.5 and 3 <= miny <= maxy <= 54):
                    errors.append(FeatureError(index, code, _("coordinates are outside China (expected WGS84 longitude, latitude)")))
    row = {"code": code, "name": name, "level": level, "parent_code": parent_code, "geom": geom, "raw": raw}
    return row, errors


def import_regions(collection: dict, *, actor=None) -> ImportResult:
    """Validate a whole FeatureCollection, then write all of it or nothing."""
    result = ImportResult()
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" or not isinstance(
            collection.get("features"), list):
        raise ValidationFailed(_("The file is not a GeoJSON FeatureCollection."), code="not_geojson")
    levels = set(Region.Level.values)
    rows = []
    codes_seen: dict[str, int] = {}
    for index, feature in enumerate(collection["features"]):
        row, errors = _check_feature(index, feature, levels)
        result.errors.extend(errors)
        if row is None:
            continue
        if row["code"] in codes_seen:
            result.errors.append(FeatureError(index, row["code"], _("code repeats feature %(i)d") % {"i": codes_seen[row["code"]] + 1}))
        codes_seen.setdefault(row["code"], index)
        row["index"] = index
        rows.append(row)

    in_file = {r["code"] for r in rows}
    existing_codes = set(Region.objects.filter(code__in={r["parent_code"] for r in rows}).values_list("code", flat=True))
    for row in rows:
        if row["parent_code"] and row["parent_code"] not in in_file and row["parent_code"] not in existing_codes:
            result.errors.append(FeatureError(row["index"], row["code"], _("parent %(p)s does not exist") % {"p": row["parent_code"]}))

    _check_overlaps(rows, result)
    if result.errors:
        raise ValidationFailed(
            _("The file has %(n)d problem(s); nothing was imported.") % {"n": len(result.errors)},
            code="import_rejected", details={"errors": [str(e) for e in result.errors]},
        )

    depth = Region.DEPTH
    with transaction.atomic():
        for row in sorted(rows, key=lambda r: depth[r["level"]]):
            parent = Region.objects.get(code=row["parent_code"]) if row["parent_code"] else None
            geom = row["geom"]
            defaults = {"name": row["name"], "level": row["level"], "parent": parent, "geometry": row["raw"]}
            if geom is not None:
                minx, miny, maxx, maxy = geom.bounds
                centroid = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
                defaults.update(min_lng=minx, min_lat=miny, max_lng=maxx, max_lat=maxy,
                                centroid_lng=round(centroid.x, 6), centroid_lat=round(centroid.y, 6))
            _region, created = Region.objects.update_or_create(code=row["code"], defaults=defaults)
            if created:
                result.created += 1
            else:
                result.updated += 1
        audit(actor=actor, action=AuditLog.Action.IMPORT, object_type="regions.region",
              object_repr=_("GeoJSON import"), after={"created": result.created, "updated": result.updated})
    return result


def _check_overlaps(rows, result: ImportResult) -> None:
    """Polygons of one level must not overlap each other, in the file or in the database."""
    by_level: dict[str, list[tuple[str, int, object]]] = {}
    for row in rows:
        if row["geom"] is not None and row["geom"].is_valid:
            by_level.setdefault(row["level"], []).append((row["code"], row["index"], row["geom"]))
    for level, items in by_level.items():
        codes = {c for c, _i, _g in items}
        for region in Region.objects.filter(level=level, geometry__isnull=False).exclude(code__in=codes):
            try:
                items.append((region.code, -1, shape(region.geometry)))
            except Exception:  # a broken stored polygon must not block fixing it
                continue
        geoms = [g for _c, _i, g in items]
        tree = STRtree(geoms)
        for a_pos, (code, index, geom) in enumerate(items):
            if index < 0:
                continue
            for b_pos in tree.query(geom):
                if b_pos == a_pos:
                    continue
                other_code, other_index, other = items[b_pos]
                if other_index >= 0 and b_pos < a_pos:
                    continue  # reported once, on the first of the pair
                overlap = geom.intersection(other).area
                if overlap > OVERLAP_TOLERANCE * min(geom.area, other.area):
                    result.errors.append(FeatureError(index, code, _("overlaps %(other)s") % {"other": other_code}))
