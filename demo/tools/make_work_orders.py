#!/usr/bin/env python3
"""Build demo/data/work_orders_12345.csv: work orders (工单) the 12345 hotline
passed on to 凤凰岭街道, as the street receives them to import.

The columns are those of the import template for 12345 work orders (工单编号,
受理时间, 来电人, 联系电话, 地址, 诉求内容, 类别, 办结时限, 网格编码, 紧急程度).
The texts are written for the demo in the hotline's usual register ("来电人
反映：…"); places are the demo estates and buildings (estates.json) or road
junctions with the grid code filled in, as the hotline does when a caller
names no estate. Callers are a surname and 女士/先生, phones are random.

Two rows are deliberately bad, as real hand-overs sometimes are, so the import
page shows its report of bad rows: a category the platform does not have
(园林绿化) and an address in another street with no grid code. The demo
imports the clean rows only.

The orders are received over eight weeks ending 2026-11-29; the demo loader
moves them by whole weeks so the latest falls in the week before the day the
demo is loaded (weekdays and working-day deadlines stay as written).

Deterministic: fixed seed; standard library only. Run from the repository root:

    .venv/bin/python demo/tools/make_work_orders.py
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

SEED = 12345
DATA = Path(__file__).resolve().parents[1] / "data"
OUT = DATA / "work_orders_12345.csv"
COUNT = 40
LAST_DAY = dt.date(2026, 11, 29)
WEEKS = 8

HEADER = ["工单编号", "受理时间", "来电人", "联系电话", "地址", "诉求内容", "类别", "办结时限", "网格编码", "紧急程度"]

# (category name as on the platform, days the hotline allows, may be urgent, texts; {p} is the place)
TOPICS = [
    ("路灯", 5, False, [
        "来电人反映：{p}路灯已连续多日不亮，夜间行人和车辆通行存在安全隐患，希望尽快维修。",
        "来电人反映：{p}有两盏路灯白天常亮、晚上反而熄灭，请相关部门检查线路。",
    ]),
    ("下水道与井盖", 5, False, [
        "来电人反映：{p}一处井盖破损下陷，已有老人险些绊倒，希望尽快更换并设置警示。",
        "来电人反映：{p}下水道堵塞，污水漫到路面，气味很大，请尽快疏通。",
    ]),
    ("道路破损", 10, False, [
        "来电人反映：{p}路面坑洼较多，雨后积水，电动车经过容易滑倒，希望修补。",
    ]),
    ("垃圾清运与环境卫生", 3, False, [
        "来电人反映：{p}垃圾箱满溢已有三天无人清运，周边蚊蝇很多，希望及时清理。",
        "来电人反映：{p}楼道和绿化带堆放大量装修垃圾，长期无人清理，请督促处理。",
    ]),
    ("噪音扰民", 3, False, [
        "来电人反映：{p}附近商铺每晚十点后仍在外放音响，噪音很大，影响居民休息。",
        "来电人反映：{p}有工地夜间施工，凌晨仍有机械作业声，希望相关部门查处。",
    ]),
    ("占道经营", 5, False, [
        "来电人反映：{p}早市摊贩占用人行道和消防通道经营，行人只能走机动车道，请予以规范。",
    ]),
    ("违章搭建", 15, False, [
        "来电人反映：{p}一楼住户私自扩建院墙并搭建彩钢房，占用公共绿地，请核实处理。",
    ]),
    ("供水", 3, True, [
        "来电人反映：{p}从昨天起停水，未见停水通知，家中有老人生活不便，询问何时恢复供水。",
        "来电人反映：{p}自来水发黄有异味，已持续两天，担心饮水安全，请尽快检测。",
    ]),
    ("供电", 3, True, [
        "来电人反映：{p}近一周频繁停电，家用电器受到影响，希望供电部门检修线路。",
    ]),
    ("燃气", 2, True, [
        "来电人反映：{p}单元楼道内有明显燃气味，担心泄漏，请燃气公司立即上门检查。",
    ]),
    ("通信网络", 7, False, [
        "来电人反映：{p}手机信号很差，室内经常无法接通电话，希望运营商增设基站。",
    ]),
    ("物业管理", 7, False, [
        "来电人反映：{p}电梯经常故障停运，物业维修不及时，老人上下楼困难，请督促物业处理。",
        "来电人反映：{p}单元门禁损坏一个多月，物业一直未修，外来人员随意进出，存在安全隐患。",
    ]),
    ("老旧小区改造与房屋", 15, False, [
        "来电人反映：{p}楼顶防水层老化，顶层住户家中漏雨，询问是否纳入老旧小区改造计划。",
    ]),
    ("停车与交通", 7, False, [
        "来电人反映：{p}车辆乱停乱放堵塞消防通道，救护车曾无法进入，希望规范停车秩序。",
    ]),
    ("欠薪与劳动保障", 15, False, [
        "来电人反映：其在{p}一处装修工地务工，工资已拖欠两个月未结清，请求帮助协调。",
    ]),
    ("食品安全", 7, False, [
        "来电人反映：{p}附近一家早餐店卫生条件差，购买的食品有异味，请市场监管部门检查。",
    ]),
    ("邻里纠纷", 7, False, [
        "来电人反映：{p}楼上住户长期在楼道堆放杂物并与邻居发生争吵，希望社区出面调解。",
    ]),
]

# Road junctions in the street, with the grid the hotline writes down for them.
JUNCTIONS = [
    ("海北大街与滨河路交叉口", 0),
    ("新华街与团结路交叉口", 5),
    ("凤凰岭路与矿工路交叉口", 3),
    ("人民北路公交站旁", 1),
    ("黄河街与健康路交叉口", 4),
    ("长青路农贸市场东侧", 0),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"


def _grids_by_community() -> list[list[str]]:
    with open(DATA / "fenghuangling.geojson", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    communities: dict[str, list[str]] = {}
    for f in features:
        p = f["properties"]
        if p["level"] == "grid":
            communities.setdefault(p["parent_code"], []).append(p["code"])
    return [sorted(codes) for _code, codes in sorted(communities.items())]


def _received(rng: random.Random) -> dt.datetime:
    day = LAST_DAY - dt.timedelta(days=rng.randrange(WEEKS * 7))
    minute = rng.randrange(8 * 60, 21 * 60)  # the hotline's busy hours
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60))


def _deadline(received: dt.datetime, days: int) -> dt.date:
    """The hotline's limit in working days (Monday to Friday; holidays are the platform's business)."""
    day, left = received.date(), days
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def build() -> list[list[str]]:
    rng = random.Random(SEED)
    with open(DATA / "estates.json", encoding="utf-8") as fh:
        estates = json.load(fh)
    grids = _grids_by_community()
    orders = []
    for _i in range(COUNT):
        category, days, may_be_urgent, texts = rng.choice(TOPICS)
        if rng.random() < 0.8:
            estate = rng.choice(estates)
            building = rng.choice(estate["buildings"])
            place = f"{estate['name']}{building['number']}"
            address = place + rng.choice(["", f"{rng.randint(1, building['units'])}单元", "东侧", "门口"])
            grid = ""
        else:
            address, community = rng.choice(JUNCTIONS)
            place = address
            grid = rng.choice(grids[community])
        received = _received(rng)
        urgent = may_be_urgent and rng.random() < 0.4
        orders.append({
            "received": received, "caller": rng.choice(SURNAMES) + rng.choice(["女士", "先生"]),
            "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}", "address": address,
            "content": rng.choice(texts).format(p=place), "category": category,
            "deadline": _deadline(received, 1 if urgent else days), "grid": grid, "urgency": "紧急" if urgent else "一般",
        })
    # The two bad rows a real hand-over brings.
    orders[7].update(category="园林绿化", content=f"来电人反映：{orders[7]['address']}绿化带树木枝杈过长，遮挡路灯和窗户，希望修剪。")
    orders[23].update(address="海南区巴音陶亥镇农贸市场", grid="",
                      content="来电人反映：巴音陶亥镇农贸市场门口垃圾堆积，无人清运。", category="垃圾清运与环境卫生")
    orders.sort(key=lambda o: o["received"])
    rows = []
    per_day: dict[dt.date, int] = {}
    for o in orders:
        day = o["received"].date()
        per_day[day] = per_day.get(day, 0) + 1
        rows.append([f"GD{day:%Y%m%d}{per_day[day]:04d}", o["received"].strftime("%Y-%m-%d %H:%M"), o["caller"],
                     o["phone"], o["address"], o["content"], o["category"], o["deadline"].isoformat(), o["grid"],
                     o["urgency"]])
    return rows


def main() -> None:
    rows = build()
    with open(OUT, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    with open(OUT, encoding="utf-8-sig", newline="") as fh:
        back = list(csv.reader(fh))
    assert back[0] == HEADER and back[1:] == rows, "the file does not read back as written"
    assert len({r[0] for r in rows}) == len(rows), "work-order numbers repeat"
    assert all(r[7] > r[1][:10] for r in rows), "a deadline is not after its order"
    print(f"{OUT.relative_to(DATA.parents[1])}: {len(rows)} work orders, "
          f"{rows[0][1][:10]} to {rows[-1][1][:10]}, {sum(1 for r in rows if r[8])} placed by grid code")


if __name__ == "__main__":
    main()
