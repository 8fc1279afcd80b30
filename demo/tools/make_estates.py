#!/usr/bin/env python3
"""Build demo/data/estates.json: estates (小区) and their buildings (楼栋) in 凤凰岭街道.

Reads demo/data/fenghuangling.geojson (run make_grids.py first) and places
3-6 estates in each community. 工行南小区, 亿信国际小区 and 三金B区 (长青社区)
are named in the published report on 凤凰岭街道 (red-property model estates);
every other estate name and every property company is invented but plausible.
Following the report, all 蓝天社区 estates have a property company and most
新城社区 estates are 无物业小区 looked after by the community
(property_company null, no_property true).

Each estate gets a point inside one grid of its community; its buildings are
scattered around that point inside the same grid. 工行南小区 is deliberately
placed across a grid edge (the report says its grids follow its buildings),
so a few of its buildings lie in the neighbouring grid. Every building's
grid_code is computed by point-in-polygon against the written geometry.

Deterministic: fixed seed, depends only on shapely.

    .venv/bin/python demo/tools/make_estates.py
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.strtree import STRtree

SEED = 20240522
DATA = Path(__file__).resolve().parents[1] / "data"
GEOJSON = DATA / "fenghuangling.geojson"
OUT = DATA / "estates.json"

LAT0 = 39.672
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LNG = 111_320.0 * math.cos(math.radians(LAT0))

# kind: "old" walk-ups (5-6 floors, 1980s-90s), "mid" (6-11 floors), "high" (high-rise)
# (name, kind, buildings, built_year, property company or None, spans grids)
PC_CHANGQING = "乌海市长青红色物业服务有限公司"
PC_YIXIN = "内蒙古亿信物业服务有限公司"
PC_SANJIN = "乌海市三金物业管理有限公司"
PC_LANTIAN = "乌海市蓝天物业服务有限公司"
PC_JINTAI = "乌海市金泰物业管理有限公司"
PC_HUAYU = "内蒙古华宇物业服务有限公司"
PC_FENGHUANG = "乌海市凤凰物业管理有限公司"
PC_HAIDA = "乌海市海达物业服务有限公司"
PC_ANJU = "乌海市安居物业服务有限公司"

ESTATES = {
    "150302004001": [  # 长青社区
        ("工行南小区", "old", 14, 1996, PC_CHANGQING, True),
        ("亿信国际小区", "high", 12, 2013, PC_YIXIN, False),
        ("三金B区", "mid", 10, 2004, PC_SANJIN, False),
        ("三金A区", "mid", 9, 2002, PC_SANJIN, False),
        ("长青小区", "old", 11, 1991, None, False),
        ("电业局家属院", "old", 6, 1988, None, False),
    ],
    "150302004002": [  # 蓝天社区: every estate has a property company
        ("蓝天小区", "old", 16, 1995, PC_LANTIAN, False),
        ("阳光嘉苑", "high", 10, 2011, PC_HUAYU, False),
        ("金泰花园", "mid", 13, 2006, PC_JINTAI, False),
        ("馨雅苑", "mid", 8, 2009, PC_LANTIAN, False),
        ("盛世华庭", "high", 7, 2016, PC_HUAYU, False),
        ("林荫小区", "old", 12, 1993, PC_ANJU, False),
    ],
    "150302004003": [  # 新城社区: mostly 无物业小区 hosted by the community
        ("新城小区", "old", 18, 1989, None, False),
        ("粮食局家属院", "old", 5, 1987, None, False),
        ("供销社家属楼", "old", 4, 1986, None, False),
        ("建材厂小区", "old", 9, 1992, None, False),
        ("新华小区", "old", 11, 1994, None, False),
        ("新城佳苑", "mid", 8, 2008, PC_ANJU, False),
    ],
    "150302004004": [  # 凤凰岭社区
        ("凤凰家园", "mid", 15, 2007, PC_FENGHUANG, False),
        ("凤凰岭小区", "old", 20, 1990, PC_FENGHUANG, False),
        ("福安小区", "old", 8, 1993, None, False),
        ("御景园", "high", 9, 2015, PC_HUAYU, False),
        ("矿工新村", "old", 12, 1984, None, False),
    ],
    "150302004005": [  # 海达社区
        ("海达小区", "old", 17, 1994, PC_HAIDA, False),
        ("海达花园", "mid", 11, 2005, PC_HAIDA, False),
        ("海勃湾矿住宅区", "old", 19, 1985, None, False),
        ("医院家属院", "old", 4, 1990, None, False),
    ],
    "150302004006": [  # 团结社区
        ("团结新村", "old", 14, 1988, None, False),
        ("团结小区", "old", 10, 1997, PC_ANJU, False),
        ("和谐家园", "mid", 12, 2010, PC_JINTAI, False),
        ("康乐小区", "old", 7, 1992, None, False),
        ("锦绣华庭", "high", 8, 2018, PC_YIXIN, False),
    ],
}


def metres_to_deg(dx: float, dy: float) -> tuple[float, float]:
    return dx / M_PER_DEG_LNG, dy / M_PER_DEG_LAT


def dist_m(a, b) -> float:
    return math.hypot((a[0] - b[0]) * M_PER_DEG_LNG, (a[1] - b[1]) * M_PER_DEG_LAT)


def shrink(poly, metres: float):
    """Inward buffer by roughly `metres` (degrees differ per axis; use the larger)."""
    return poly.buffer(-metres / M_PER_DEG_LNG)


def floors_units(rng: random.Random, kind: str) -> tuple[int, int]:
    if kind == "old":
        return rng.choice([5, 5, 6, 6, 6, 4]), rng.choice([2, 3, 3, 4, 4, 5, 6])
    if kind == "mid":
        return rng.choice([6, 6, 7, 9, 11, 11]), rng.choice([2, 2, 3, 3, 4])
    return rng.choice([11, 18, 18, 24, 26, 28]), rng.choice([1, 2, 2, 3])


def rounded(p) -> list[float]:
    return [round(p[0], 6), round(p[1], 6)]


def main() -> int:
    rng = random.Random(SEED)
    fc = json.loads(GEOJSON.read_text(encoding="utf-8"))
    comms, grids = {}, {}
    for f in fc["features"]:
        p = f["properties"]
        if p["level"] == "community":
            comms[p["code"]] = (p, shape(f["geometry"]))
        elif p["level"] == "grid":
            grids[p["code"]] = (p, shape(f["geometry"]))
    grid_codes = list(grids)
    tree = STRtree([grids[c][1] for c in grid_codes])

    def grid_of(pt) -> str:
        hits = [grid_codes[i] for i in tree.query(Point(pt), predicate="intersects")]
        assert len(hits) == 1, (pt, hits)  # never on a shared edge
        return hits[0]

    def interior(pt, code, margin_m=2.0) -> bool:
        g = grids[code][1]
        return g.contains(Point(pt)) and g.exterior.distance(Point(pt)) * M_PER_DEG_LNG > margin_m

    out = []
    names = set()
    for ccode, specs in ESTATES.items():
        cprops, cgeom = comms[ccode]
        mine = sorted(c for c, (p, _) in grids.items() if p["parent_code"] == ccode)
        chosen = rng.sample(mine, len(specs))
        for (name, kind, nb, year, company, spans), gcode in zip(specs, chosen):
            assert name not in names
            names.add(name)
            gpoly = grids[gcode][1]
            radius = 22.0 * math.sqrt(nb) + 25.0  # metres
            if spans:
                # sit near an edge shared with another grid of the same community
                neighbours = [c for c in mine if c != gcode and grids[c][1].touches(gpoly)
                              and grids[c][1].intersection(gpoly).length * M_PER_DEG_LNG > 150]
                ncode = sorted(neighbours)[0]
                edge = grids[ncode][1].intersection(gpoly)
                mid = edge.interpolate(0.5, normalized=True)
                inward = gpoly.centroid
                t = 35.0 / max(dist_m((mid.x, mid.y), (inward.x, inward.y)), 1.0)
                centre = (mid.x + t * (inward.x - mid.x), mid.y + t * (inward.y - mid.y))
                region = shrink(cgeom, 10)
            else:
                inner = shrink(gpoly, radius * 0.6 + 10)
                if inner.is_empty:
                    inner = shrink(gpoly, 25)
                minx, miny, maxx, maxy = inner.bounds
                while True:
                    centre = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
                    if inner.contains(Point(centre)):
                        break
                region = shrink(gpoly, 8)
            centre = rounded(centre)
            assert interior(centre, gcode), name
            assert grid_of(centre) == gcode

            # buildings: rejection sampling in a disc, keeping 20 m apart
            pts: list[list[float]] = []
            r = radius
            tries = 0
            while len(pts) < nb:
                tries += 1
                if tries % 400 == 0:
                    r *= 1.15  # grid too tight: widen the disc
                ang = rng.uniform(0, 2 * math.pi)
                d = r * math.sqrt(rng.random())
                dx, dy = metres_to_deg(d * math.cos(ang), d * math.sin(ang))
                cand = rounded((centre[0] + dx, centre[1] + dy))
                if not region.contains(Point(cand)):
                    continue
                if any(dist_m(cand, q) < 20.0 for q in pts):
                    continue
                code = grid_of(cand)
                if not interior(cand, code):
                    continue
                pts.append(cand)
            # number buildings roughly west to east, north to south like a site plan
            pts.sort(key=lambda q: (-round(q[1] * M_PER_DEG_LAT / 45.0), q[0]))
            buildings = []
            for i, q in enumerate(pts, start=1):
                fl, un = floors_units(rng, kind)
                buildings.append({"number": f"{i}号楼", "point": q, "grid_code": grid_of(q), "floors": fl, "units": un})
            out.append(
                {
                    "name": name,
                    "community_code": ccode,
                    "community_name": cprops["name"],
                    "point": centre,
                    "grid_code": gcode,
                    "property_company": company,
                    "no_property": company is None,
                    "built_year": year,
                    "buildings": buildings,
                }
            )

    text = json.dumps(out, ensure_ascii=False, indent=1)
    OUT.write_text(text + "\n", encoding="utf-8")
    verify(out, comms, grids)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


def verify(out, comms, grids) -> None:
    per_comm = {}
    nb_total = same = 0
    for e in out:
        per_comm[e["community_code"]] = per_comm.get(e["community_code"], 0) + 1
        cgeom = comms[e["community_code"]][1]
        assert grids[e["grid_code"]][0]["parent_code"] == e["community_code"]
        assert grids[e["grid_code"]][1].contains(Point(e["point"]))
        assert 4 <= len(e["buildings"]) <= 20
        assert [b["number"] for b in e["buildings"]] == [f"{i}号楼" for i in range(1, len(e["buildings"]) + 1)]
        for b in e["buildings"]:
            assert cgeom.contains(Point(b["point"]))
            assert grids[b["grid_code"]][1].contains(Point(b["point"]))
            assert b["floors"] >= 4 and b["units"] >= 1
            nb_total += 1
            same += b["grid_code"] == e["grid_code"]
        assert (e["property_company"] is None) == e["no_property"]
    assert sorted(per_comm) == sorted(comms) and all(3 <= v <= 6 for v in per_comm.values()), per_comm
    no_prop = sum(e["no_property"] for e in out)
    print(f"estates {len(out)} (per community {[per_comm[c] for c in sorted(per_comm)]}), "
          f"no-property {no_prop}; buildings {nb_total}, {same} in their estate's grid, "
          f"{nb_total - same} in a neighbouring grid; grids with an estate "
          f"{len({e['grid_code'] for e in out})}")
    print("all invariants hold")


if __name__ == "__main__":
    sys.exit(main())
