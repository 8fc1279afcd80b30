#!/usr/bin/env python3
"""Build demo/data/fenghuangling.geojson: a synthetic 凤凰岭街道 with 6 communities and 83 grids.

The geometry is synthetic, modelled on the published facts about 凤凰岭街道
(海勃湾区, 乌海市, 内蒙古): one street, six communities, 83 grids. The street
outline is an irregular polygon of about 3.6 km x 2.8 km centred near
lng 106.815, lat 39.672. Communities are Voronoi cells of six jittered seeds
clipped to the outline; grids are Voronoi cells of a jittered, slightly
rotated lattice (one relaxation step) clipped to their community, so blocks
look like irregular city blocks rather than a square lattice.

Topology is made exact by noding every grid edge together once with snap
rounding on a 1e-6 degree grid (the output precision) and polygonizing the
result: neighbouring grids then share identical vertices, grids tile their
community exactly, and communities tile the street. The script re-reads the
written file and asserts every invariant.

Deterministic: fixed seed, no network, depends only on shapely.

    .venv/bin/python demo/tools/make_grids.py
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, shape
from shapely.geometry.polygon import orient
from shapely.strtree import STRtree

SEED = 20240521
OUT = Path(__file__).resolve().parents[1] / "data" / "fenghuangling.geojson"

LNG0, LAT0 = 106.815, 39.672  # street centre (approximate real position)
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LNG = 111_320.0 * math.cos(math.radians(LAT0))
GRID = 1e-6  # output precision in degrees (6 decimals)
ROTATION_DEG = 9.0  # road grid of the district runs a little off north

STREET = {"code": "150302004", "name": "凤凰岭街道", "level": "street", "parent_code": "150302"}
# (name, number of grids, community seed in metres from the street centre)
COMMUNITIES = [
    ("长青社区", 16, (-1150.0, 700.0)),
    ("蓝天社区", 15, (50.0, 760.0)),
    ("新城社区", 14, (1200.0, 650.0)),
    ("凤凰岭社区", 13, (-1200.0, -600.0)),
    ("海达社区", 13, (-50.0, -650.0)),
    ("团结社区", 12, (1150.0, -620.0)),
]

# Irregular street outline in metres (x east, y north) around the centre.
OUTLINE_M = [
    (-1750, -1150), (-1180, -1260), (-600, -1350), (450, -1300), (980, -1330),
    (1500, -1200), (1800, -500), (1690, 260), (1850, 900), (1300, 1400),
    (760, 1330), (300, 1350), (-500, 1450), (-1400, 1250), (-1800, 600),
    (-1650, -200), (-1900, -700),
]


def to_deg(x: float, y: float) -> tuple[float, float]:
    return (LNG0 + x / M_PER_DEG_LNG, LAT0 + y / M_PER_DEG_LAT)


def to_m(lng: float, lat: float) -> tuple[float, float]:
    return ((lng - LNG0) * M_PER_DEG_LNG, (lat - LAT0) * M_PER_DEG_LAT)


def poly_to_deg(p: Polygon) -> Polygon:
    return shapely.transform(p, lambda a: _vec(a, to_deg))


def poly_to_m(p):
    return shapely.transform(p, lambda a: _vec(a, to_m))


def _vec(arr, fn):
    out = np.empty_like(arr)
    for i, (x, y) in enumerate(arr):
        out[i] = fn(x, y)
    return out


def voronoi_cells(points: list[tuple[float, float]], clip: Polygon) -> list[Polygon]:
    """Voronoi cells of points (same order as points), clipped to clip."""
    env = clip.envelope.buffer(2000)
    vor = shapely.voronoi_polygons(MultiPoint(points), extend_to=env, ordered=True)
    cells = [g.intersection(clip) for g in vor.geoms]
    assert len(cells) == len(points)
    return cells


def lattice_points(rng: random.Random, region: Polygon, n: int) -> list[tuple[float, float]]:
    """Exactly n jittered lattice points inside region (rotated lattice, then one relaxation)."""
    theta = math.radians(ROTATION_DEG + rng.uniform(-4, 4))
    ct, st = math.cos(theta), math.sin(theta)
    c = region.centroid
    inner = region.buffer(-60)
    base = math.sqrt(region.area / n)
    for attempt in range(400):
        aspect = rng.uniform(0.8, 1.35)  # blocks are often longer one way
        ox, oy = rng.random(), rng.random()
        lo, hi = 0.5 * base, 1.6 * base
        for _ in range(40):  # bisection on spacing for exactly n points
            s = (lo + hi) / 2
            sx, sy = s * aspect, s / aspect
            k = int(3000 / min(sx, sy)) + 2
            pts = []
            for i in range(-k, k + 1):
                for j in range(-k, k + 1):
                    u = (i + ox) * sx + (j % 2) * 0.18 * sx  # slight row offset
                    v = (j + oy) * sy
                    x = c.x + u * ct - v * st
                    y = c.y + u * st + v * ct
                    if inner.contains(Point(x, y)):
                        pts.append((x, y))
            if len(pts) == n:
                break
            if len(pts) > n:
                lo = s
            else:
                hi = s
        if len(pts) != n:
            continue
        # jitter, then one damped Lloyd step so no cell is a sliver
        jit = 0.28 * base
        pts = [(x + rng.uniform(-jit, jit), y + rng.uniform(-jit, jit)) for x, y in pts]
        pts = [p if inner.contains(Point(p)) else (inner.centroid.x, inner.centroid.y) for p in pts]
        if len(set(pts)) != n:
            continue
        cells = voronoi_cells(pts, region)
        moved = []
        for (x, y), cell in zip(pts, cells):
            cc = cell.centroid
            moved.append((x + 0.5 * (cc.x - x), y + 0.5 * (cc.y - y)))
        cells = voronoi_cells(moved, region)
        if not all(isinstance(g, Polygon) and not g.is_empty for g in cells):
            continue
        areas = [g.area for g in cells]
        if min(areas) < 0.35 * region.area / n or max(areas) > 2.4 * region.area / n:
            continue
        return moved
    raise RuntimeError("could not place lattice points")


def build():
    rng = random.Random(SEED)
    street_m = Polygon(OUTLINE_M)
    assert street_m.is_valid

    seeds = [(x + rng.uniform(-120, 120), y + rng.uniform(-120, 120)) for _, _, (x, y) in COMMUNITIES]
    comm_m = voronoi_cells(seeds, street_m)
    for g in comm_m:
        assert isinstance(g, Polygon), g.geom_type

    # float grid cells in metres, per community
    cells_m: list[tuple[int, Polygon]] = []
    for ci, ((_name, n, _seed), cpoly) in enumerate(zip(COMMUNITIES, comm_m)):
        pts = lattice_points(rng, cpoly, n)
        for cell in voronoi_cells(pts, cpoly):
            cells_m.append((ci, cell))

    # to degrees, then node all edges once with snap rounding and polygonize
    cells_deg = [(ci, poly_to_deg(c)) for ci, c in cells_m]
    lines = [LineString(c.exterior.coords) for _, c in cells_deg]
    noded = shapely.union_all(lines, grid_size=GRID)
    faces = list(shapely.polygonize(list(noded.geoms)).geoms)
    assert len(faces) == len(cells_deg), (len(faces), len(cells_deg))

    # match faces to cells by overlap
    tree = STRtree([c for _, c in cells_deg])
    grid_geoms: list[Polygon | None] = [None] * len(cells_deg)
    for f in faces:
        idx = tree.query(f)
        best = max(idx, key=lambda i: f.intersection(cells_deg[i][1]).area)
        assert grid_geoms[best] is None
        grid_geoms[best] = f
    assert all(g is not None for g in grid_geoms)

    features = []
    comm_features = []
    grid_features = []
    for ci, (name, n, _seed) in enumerate(COMMUNITIES):
        ccode = f"{STREET['code']}{ci + 1:03d}"
        mine = [g for (k, _), g in zip(cells_deg, grid_geoms) if k == ci]
        assert len(mine) == n
        # number grids north-west first: rows of ~one block height, west to east
        block_h = math.sqrt(comm_m[ci].area / n) / M_PER_DEG_LAT
        top = max(g.bounds[3] for g in mine)

        def order(g):
            c = g.centroid
            return (int((top - c.y) / block_h), c.x)

        mine.sort(key=order)
        for si, g in enumerate(mine, start=1):
            c = g.centroid
            grid_features.append(
                {
                    "code": f"{ccode}{si:03d}",
                    "name": f"{name}第{si:02d}网格",
                    "level": "grid",
                    "parent_code": ccode,
                    "centroid": [round(c.x, 6), round(c.y, 6)],
                    "geom": g,
                }
            )
        cgeom = shapely.union_all(mine, grid_size=GRID)
        comm_features.append(
            {"code": ccode, "name": name, "level": "community", "parent_code": STREET["code"], "geom": cgeom}
        )
    sgeom = shapely.union_all([c["geom"] for c in comm_features], grid_size=GRID)
    street_feature = dict(STREET, geom=sgeom)

    for item in [street_feature] + comm_features + grid_features:
        geom = item.pop("geom")
        assert isinstance(geom, Polygon), (item["code"], geom.geom_type)
        geom = orient(geom, 1.0)  # RFC 7946: exterior counter-clockwise
        coords = [[[round(x, 6), round(y, 6)] for x, y in ring.coords] for ring in [geom.exterior, *geom.interiors]]
        features.append({"type": "Feature", "properties": item, "geometry": {"type": "Polygon", "coordinates": coords}})
    return {"type": "FeatureCollection", "name": "fenghuangling", "features": features}


def area_km2(g) -> float:
    return poly_to_m(g).area / 1e6


def verify(path: Path) -> None:
    fc = json.loads(path.read_text(encoding="utf-8"))
    feats = fc["features"]
    by_level: dict[str, list] = {"street": [], "community": [], "grid": []}
    for f in feats:
        p = f["properties"]
        g = shape(f["geometry"])
        assert f["geometry"]["type"] == "Polygon"
        assert g.is_valid, (p["code"], shapely.is_valid_reason(g))
        for ring in f["geometry"]["coordinates"]:
            for x, y in ring:
                assert round(x, 6) == x and round(y, 6) == y
        by_level[p["level"]].append((p, g))
    streets, comms, grids = by_level["street"], by_level["community"], by_level["grid"]
    assert len(streets) == 1 and len(comms) == 6 and len(grids) == 83, [len(v) for v in by_level.values()]
    sp, sg = streets[0]
    assert sp == STREET
    assert [p["code"] for p, _ in comms] == [f"150302004{i:03d}" for i in range(1, 7)]
    assert [p["name"] for p, _ in comms] == [c[0] for c in COMMUNITIES]
    codes = [f["properties"]["code"] for f in feats]
    assert len(codes) == len(set(codes)), "duplicate codes"

    max_overlap = 0.0
    max_gap = 0.0
    for level_items in (comms, grids):
        geoms = [g for _, g in level_items]
        tree = STRtree(geoms)
        for i, g in enumerate(geoms):
            for j in tree.query(g):
                if j > i:
                    max_overlap = max(max_overlap, g.intersection(geoms[j]).area)
    assert max_overlap == 0.0, max_overlap

    counts = []
    for cp, cg in comms:
        assert cp["parent_code"] == STREET["code"] and cp["level"] == "community"
        mine = [(p, g) for p, g in grids if p["parent_code"] == cp["code"]]
        counts.append(len(mine))
        for k, (p, g) in enumerate(mine, start=1):
            assert p["code"] == f"{cp['code']}{k:03d}" and len(p["code"]) == 15, p["code"]
            assert p["name"] == f"{cp['name']}第{k:02d}网格"
            assert g.contains(Point(p["centroid"])), p["code"]
        u = shapely.union_all([g for _, g in mine])
        gap = u.symmetric_difference(cg).area
        max_gap = max(max_gap, gap)
        assert gap < 1e-9, (cp["code"], gap)
    u = shapely.union_all([g for _, g in comms])
    gap = u.symmetric_difference(sg).area
    max_gap = max(max_gap, gap)
    assert gap < 1e-9, gap
    assert sum(counts) == 83
    c = sg.centroid
    assert abs(c.x - LNG0) < 0.01 and abs(c.y - LAT0) < 0.01, (c.x, c.y)

    garea = sorted(area_km2(g) for _, g in grids)
    print(f"features: 1 street, {len(comms)} communities, {len(grids)} grids; grids per community {counts}")
    print(f"street area {area_km2(sg):.2f} km2, centroid [{c.x:.6f}, {c.y:.6f}], bounds {[round(v, 6) for v in sg.bounds]}")
    for cp, cg in comms:
        print(f"  {cp['code']} {cp['name']}: {area_km2(cg):.3f} km2")
    print(f"grid area km2: min {garea[0]:.3f} median {garea[len(garea) // 2]:.3f} max {garea[-1]:.3f}")
    print(f"max pairwise overlap area {max_overlap} deg2; max |union(children) xor parent| {max_gap:.3g} deg2")
    print("all invariants hold")


def main() -> int:
    fc = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    # one feature per line: small diffs, still compact
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"')
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    verify(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
