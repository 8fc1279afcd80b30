"""A small street with estates and party branches, and files to import into it."""

import csv
import io
import random

from openpyxl import Workbook

from party.models import PartyOrg
from regions.models import Building, Estate
from testing.world import build_world

from ...imports.checks import id_check_digit

HEADERS = {
    "residents": ["姓名", "性别", "身份证号", "手机号", "社区", "小区", "楼栋", "单元", "房号"],
    "households": ["小区", "楼栋", "单元", "房号", "党员中心户"],
    "party_members": ["姓名", "身份证号", "手机号", "党组织", "入党日期", "工作单位"],
    "units": ["单位名称", "类型", "所属街道", "服务电话"],
    "work_orders": ["工单编号", "受理时间", "来电人", "联系电话", "地址", "诉求内容", "类别", "办结时限", "网格编码", "紧急程度"],
}


def id_number(n: int, birth: str = "19620315") -> str:
    first17 = f"150302{birth}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def bad_check_digit(n: int) -> str:
    good = id_number(n)
    wrong = next(c for c in "0123456789X" if c != good[-1])
    return good[:-1] + wrong


def build_scene():
    world = build_world()
    c0, c1 = world.communities
    happy = Estate.objects.create(name="幸福小区", community=c0)
    Building.objects.create(estate=happy, number="3号楼", grid=world.grids[0], entrances=2)
    Building.objects.create(estate=happy, number="5号楼", grid=world.grids[1])
    peace = Estate.objects.create(name="和平小区", community=c1)
    Building.objects.create(estate=peace, number="1号楼", grid=world.grids[2])
    PartyOrg.objects.create(name="第一社区党支部", kind=PartyOrg.Kind.BRANCH, region=c0)
    PartyOrg.objects.create(name="第二社区党支部", kind=PartyOrg.Kind.BRANCH, region=c1)
    return world


def xlsx(headers, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def resident_rows(n: int, start: int = 0, seed: int = 5):
    rnd = random.Random(seed)
    return [[f"居民{i}", rnd.choice(["男", "女"]), id_number(i), f"139{i:08d}", "", "幸福小区",
             rnd.choice(["3号楼", "5号楼"]), "1", f"{101 + i}"] for i in range(start, start + n)]
