"""The demo street: 凤凰岭街道 as the Fenghuangling report describes it.

6 communities, 83 grids, estates and buildings (demo/data, see its README for
provenance), the twelve units the report names plus property companies, a
category tree with default units and time limits, one account per role, and
a few hundred appeals in every state whose texts are real public messages.
Every appeal is driven through the real services with past timestamps, so
the timeline, deadlines and figures are exactly what the loop would produce.
"""

import datetime as dt
import functools
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from appeals import services
from appeals.models import Appeal, Category
from appeals.workflow import Action, Channel, Satisfaction, Status
from core import calendar
from core.errors import LinliError
from party.models import PartyMember, PartyOrg, PartyPost
from people.models import Person, Unit, UnitPost
from regions.models import Building, Estate, Household, Region
from regions.services import import_regions

DATA = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "linli-demo-2026"
DISTRICT_CODE = "150302"
STREET_CODE = "150302004"

# (name, kind, key used below)
UNITS = [
    ("凤凰岭综合执法中队", Unit.Kind.DEPARTMENT, "enforcement"),
    ("凤凰岭派出所", Unit.Kind.POLICE, "police"),
    ("海勃湾区市场监督管理局", Unit.Kind.DEPARTMENT, "market"),
    ("海勃湾区自来水公司", Unit.Kind.UTILITY, "water"),
    ("乌海移动公司", Unit.Kind.UTILITY, "telecom"),
    ("乌海燃气公司", Unit.Kind.UTILITY, "gas"),
    ("海勃湾供电公司", Unit.Kind.UTILITY, "power"),
    ("海勃湾区路灯管理所", Unit.Kind.DEPARTMENT, "streetlight"),
    ("海勃湾区市政公司", Unit.Kind.DEPARTMENT, "municipal"),
    ("海勃湾区住建局", Unit.Kind.DEPARTMENT, "housing"),
    ("海勃湾区城投公司", Unit.Kind.DEPARTMENT, "investment"),
    ("乌海市总工会", Unit.Kind.DEPARTMENT, "union"),
]

# parent code, parent name, English, [(code, name, English, unit key or None, response h, resolve workdays)]
CATEGORIES = [
    ("city_env", "市容环境", "City appearance", [
        ("env_garbage", "垃圾清运与环境卫生", "Rubbish and sanitation", "municipal", 24, 3),
        ("env_illegal_build", "违章搭建", "Illegal construction", "enforcement", 24, 10),
        ("env_street_vendor", "占道经营", "Street vending", "enforcement", 24, 3),
        ("env_noise", "噪音扰民", "Noise", "police", 12, 3),
    ]),
    ("municipal", "市政设施", "Municipal facilities", [
        ("muni_streetlight", "路灯", "Street lights", "streetlight", 24, 3),
        ("muni_road", "道路破损", "Damaged roads", "municipal", 24, 7),
        ("muni_sewer", "下水道与井盖", "Sewers and manholes", "municipal", 12, 3),
    ]),
    ("utilities", "公用事业", "Utilities", [
        ("util_water", "供水", "Water supply", "water", 4, 2),
        ("util_power", "供电", "Power supply", "power", 4, 2),
        ("util_gas", "燃气", "Gas", "gas", 2, 1),
        ("util_telecom", "通信网络", "Telecoms", "telecom", 24, 5),
    ]),
    ("market", "市场监管", "Market supervision", [
        ("market_food", "食品安全", "Food safety", "market", 12, 5),
        ("market_license", "无证经营与市场秩序", "Unlicensed business", "market", 24, 10),
    ]),
    ("housing", "住房与物业", "Housing and property", [
        ("property_mgmt", "物业管理", "Property management", None, 24, 5),
        ("housing_renovation", "老旧小区改造与房屋", "Old estate renovation", "housing", 24, 15),
    ]),
    ("construction", "城市建设", "Urban construction", [
        ("infra_construction", "基础设施建设", "Infrastructure works", "investment", 24, 15),
    ]),
    ("labour", "劳动保障", "Labour", [
        ("labour_wages", "欠薪与劳动保障", "Unpaid wages", "union", 24, 10),
    ]),
    ("safety", "平安建设", "Public safety", [
        ("public_security", "社会治安", "Public security", "police", 4, 3),
        ("neighbour_dispute", "邻里纠纷", "Neighbour disputes", None, 24, 5),
        ("parking_traffic", "停车与交通", "Parking and traffic", "police", 24, 5),
    ]),
]

COMMUNITY_LOGINS = {  # community code → demo login
    "150302004001": "changqing", "150302004002": "lantian", "150302004003": "xincheng",
    "150302004004": "fenghuangling", "150302004005": "haida", "150302004006": "tuanjie",
}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国秀英志强丽华桂兰海燕明军淑珍玉梅红霞建华文静小红春梅国庆晓东丽娟俊杰子涵雨轩一鸣欣怡浩然梓萱"


@dataclass
class DemoWorld:
    street: Region
    units: dict[str, Unit] = field(default_factory=dict)
    grid_workers: dict[int, User] = field(default_factory=dict)
    community_staff: dict[int, User] = field(default_factory=dict)
    unit_handlers: dict[int, User] = field(default_factory=dict)
    street_staff: User | None = None
    residents: list[User] = field(default_factory=list)
    # Party members with accounts (in-service ones have an employer), volunteers and merchants:
    # the providers of service orders and the people of volunteer teams and 双报到.
    members: list[User] = field(default_factory=list)
    volunteers: list[User] = field(default_factory=list)
    merchants: list[User] = field(default_factory=list)
    tally: dict[str, int] = field(default_factory=dict)


ACCOUNTS = [
    ("resident", "居民 resident of 工行南小区1号楼: reports (mobile), follows, rates; raises and co-signs matters (议事)"),
    ("grid", "网格员 grid worker of 长青社区第01网格: accepts, handles, verifies; visits, 敲门行动, patrols, disputes"
             " (others: grid001002 … grid006012)"),
    ("buildinghead", "楼栋长 building head of 工行南小区1号楼: reports for neighbours"),
    ("changqing", "社区 长青社区 staff: appeals, 议事 matters and meetings, mediation, visits, service points"
                  " (also lantian, xincheng, fenghuangling, haida, tuanjie)"),
    ("street", "街道 dispatcher and leader: accepts, whistles to units, supervises, sees all figures"),
    ("unit", "部门 handler at 海勃湾区路灯管理所: claims, returns, answers (others unit-police, unit-water …)"),
    ("member", "在职党员 party member (employed at 海勃湾区路灯管理所), registered with 长青社区: takes orders and wishes (others member02 … member12)"),
    ("volunteer", "志愿者 volunteer of 长青社区: signs up for activities, checks in by QR, earns points (others vol02 … vol10)"),
    ("merchant", "商家 merchant (便民维修店) in 长青社区: takes repair orders"),
    ("admin", "administrator: Django admin (calendar, categories, units) at /admin/"),
]


def already_loaded() -> bool:
    return Region.objects.filter(code=STREET_CODE).exists()


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))[: rng.choice([1, 2])]


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


@functools.cache
def _password_hash() -> str:
    """Every demo log-in has the same public password: hash it once (Argon2 takes a
    good part of a second each time) rather than once per account."""
    return make_password(DEMO_PASSWORD)


def _user(username: str, display: str, *, role: str, region=None, unit=None, building=None, is_leader=False,
          person=None, superuser=False) -> User:
    user = User(username=username, display_name_override=display, is_superuser=superuser, is_staff=superuser,
                person=person, password=_password_hash())
    user.save()
    RoleAssignment.objects.create(user=user, role=role, region=region, unit=unit, building=building, is_leader=is_leader)
    return user


def build_places(rng: random.Random) -> Region:
    Region.objects.get_or_create(code=DISTRICT_CODE, defaults={"name": "海勃湾区", "level": Region.Level.DISTRICT})
    with open(DATA / "fenghuangling.geojson", encoding="utf-8") as fh:
        import_regions(json.load(fh))
    street = Region.objects.get(code=STREET_CODE)
    with open(DATA / "estates.json", encoding="utf-8") as fh:
        estates = json.load(fh)
    grids = {r.code: r for r in Region.objects.filter(level=Region.Level.GRID)}
    communities = {r.code: r for r in Region.objects.filter(level=Region.Level.COMMUNITY)}
    households = []
    for e in estates:
        company = None
        if e.get("property_company"):
            company, _ = Unit.objects.get_or_create(name=e["property_company"],
                                                    defaults={"kind": Unit.Kind.PROPERTY, "street": street})
        estate = Estate.objects.create(name=e["name"], community=communities[e["community_code"]], lng=e["point"][0],
                                       lat=e["point"][1], property_company=company,
                                       address=f"{communities[e['community_code']].name}{e['name']}")
        for b in e["buildings"]:
            building = Building.objects.create(estate=estate, number=b["number"], grid=grids[b["grid_code"]],
                                               floors=b["floors"], entrances=b["units"], lng=b["point"][0], lat=b["point"][1])
            for entrance in range(1, b["units"] + 1):
                for floor in range(1, b["floors"] + 1):
                    for door in (1, 2):
                        households.append(Household(building=building, entrance=entrance, room=f"{floor}0{door}"))
    Household.objects.bulk_create(households, batch_size=2000)
    return street


def build_units(world: DemoWorld) -> None:
    for name, kind, key in UNITS:
        world.units[key] = Unit.objects.create(name=name, kind=kind, street=world.street)


def build_categories(world: DemoWorld) -> None:
    sort = 0
    for code, name, name_en, leaves in CATEGORIES:
        sort += 10
        parent = Category.objects.create(code=code, name=name, name_en=name_en, sort=sort)
        for leaf_code, leaf, leaf_en, unit_key, hours, days in leaves:
            sort += 1
            Category.objects.create(code=leaf_code, name=leaf, name_en=leaf_en, parent=parent, sort=sort,
                                    default_unit=world.units.get(unit_key) if unit_key else None,
                                    response_hours=hours, resolve_workdays=days,
                                    urgent_response_hours=max(1, hours // 4), urgent_resolve_workdays=1)


def build_people_and_accounts(world: DemoWorld, rng: random.Random) -> None:
    street = world.street
    _user("admin", "系统管理员", role=Role.ADMIN, superuser=True)
    world.street_staff = _user("street", "街道调度中心 王敏", role=Role.STREET_STAFF, region=street, is_leader=True)
    _user("street2", "街道调度中心 刘洋", role=Role.STREET_STAFF, region=street)

    for community in Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"):
        login = COMMUNITY_LOGINS.get(community.code, f"c{community.code[-3:]}")
        world.community_staff[community.pk] = _user(login, f"{community.name}两委 {_name(rng)}", role=Role.COMMUNITY_STAFF,
                                                    region=community, is_leader=True)

    for grid in Region.objects.filter(level=Region.Level.GRID).order_by("code"):
        login = "grid" if grid.code == "150302004001001" else f"grid{grid.code[-6:]}"
        display = "网格员 魏玥" if login == "grid" else f"网格员 {_name(rng)}"
        person = Person.objects.create(name=display.split()[-1], phone=_phone(rng))
        world.grid_workers[grid.pk] = _user(login, display, role=Role.GRID_WORKER, region=grid, person=person)

    for key, unit in world.units.items():
        login = "unit" if key == "streetlight" else f"unit-{key}"
        world.unit_handlers[unit.pk] = _user(login, f"{unit.name} 承办人", role=Role.UNIT_HANDLER, unit=unit)
        _user(f"{login}-lead", f"{unit.name} 负责人", role=Role.UNIT_HANDLER, unit=unit, is_leader=True)

    home = Building.objects.filter(estate__name="工行南小区", number="1号楼").first() or Building.objects.first()
    head = Person.objects.create(name="菅俊仙", phone=_phone(rng), household=home.households.first())
    Building.objects.filter(pk=home.pk).update(head=head)
    _user("buildinghead", "楼栋长 菅俊仙", role=Role.BUILDING_HEAD, region=home.grid, building=home, person=head)

    resident_person = Person.objects.create(name="张桂兰", phone="13947300001", id_number="150302196203150027",
                                            household=home.households.all()[3])
    world.residents.append(_user("resident", "居民 张桂兰", role=Role.RESIDENT, person=resident_person))
    buildings = list(Building.objects.select_related("grid").order_by("id"))
    for i in range(40):
        building = rng.choice(buildings)
        person = Person.objects.create(name=_name(rng), phone=_phone(rng), household=building.households.first())
        world.residents.append(_user(f"res{i + 1:03d}", f"居民 {person.name}", role=Role.RESIDENT, person=person))

    # Cross-posting (交叉任职): property company party leaders sit on community committees.
    for unit in Unit.objects.filter(kind=Unit.Kind.PROPERTY)[:6]:
        person = Person.objects.create(name=_name(rng), phone=_phone(rng))
        UnitPost.objects.create(person=person, unit=unit, title="党支部书记")


def build_party(world: DemoWorld, rng: random.Random) -> None:
    """社区党委—网格党支部—楼栋党小组—党员中心户 (seed 001)."""
    committee = PartyOrg.objects.create(name="凤凰岭街道党工委", kind=PartyOrg.Kind.WORKING_COMMITTEE, region=world.street)
    anchors = []
    for community in Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"):
        c_org = PartyOrg.objects.create(name=f"{community.name}党委", kind=PartyOrg.Kind.COMMITTEE, parent=committee,
                                        region=community)
        grids = list(Region.objects.filter(parent=community).order_by("code"))
        for i in range(0, len(grids), 2):  # one grid branch for every two grids
            branch = PartyOrg.objects.create(name=f"{grids[i].name}党支部", kind=PartyOrg.Kind.BRANCH, parent=c_org,
                                             region=grids[i])
            for building in Building.objects.filter(grid__in=grids[i:i + 2]).order_by("id")[:3]:
                group = PartyOrg.objects.create(name=f"{building}党小组", kind=PartyOrg.Kind.GROUP, parent=branch,
                                                building=building)
                household = building.households.order_by("id")[1]
                person = Person.objects.create(name=_name(rng), phone=_phone(rng), household=household)
                anchors.append(household.pk)
                PartyMember.objects.create(person=person, org=group, joined_on=dt.date(1990 + rng.randrange(30), 7, 1),
                                           anchor_household=household)
        for estate in Estate.objects.filter(community=community, property_company__isnull=False)[:1]:
            hybrid = PartyOrg.objects.create(name=f"{estate.name}兼合式党支部", kind=PartyOrg.Kind.BRANCH, parent=c_org,
                                             estate=estate, unit=estate.property_company, is_hybrid=True)
            for post in UnitPost.objects.filter(unit=estate.property_company):
                PartyPost.objects.create(person=post.person, org=hybrid, title="书记")
                PartyPost.objects.create(person=post.person, org=c_org, title="兼职委员")
    Household.objects.filter(pk__in=anchors).update(is_party_anchor=True)
    build_members_and_volunteers(world, rng)


def build_members_and_volunteers(world: DemoWorld, rng: random.Random) -> None:
    """Accounts for the people who take orders: twelve party members (eight of them
    in-service 在职党员 with an employer unit), ten volunteers and one merchant."""
    employers = list(world.units.values())
    communities = list(Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"))
    for i in range(12):
        community = communities[0] if i < 6 else communities[i % len(communities)]
        building = Building.objects.filter(estate__community=community).order_by("id")[i % 3]
        person = Person.objects.create(name="李建军" if i == 0 else _name(rng), phone=_phone(rng),
                                       household=building.households.order_by("id")[5 + i])
        org = PartyOrg.objects.filter(region__parent=community, kind=PartyOrg.Kind.BRANCH).order_by("id").first()
        PartyMember.objects.create(person=person, org=org, joined_on=dt.date(1995 + i, 7, 1),
                                   employer=employers[i % len(employers)] if i < 8 else None)
        login = "member" if i == 0 else f"member{i + 1:02d}"
        world.members.append(_user(login, f"党员 {person.name}", role=Role.PARTY_MEMBER, person=person))
    for i in range(10):
        community = communities[0] if i < 6 else communities[i % len(communities)]
        building = Building.objects.filter(estate__community=community).order_by("id")[3 + i % 3]
        person = Person.objects.create(name="赵雪梅" if i == 0 else _name(rng), phone=_phone(rng),
                                       household=building.households.order_by("id")[2 + i])
        login = "volunteer" if i == 0 else f"vol{i + 1:02d}"
        world.volunteers.append(_user(login, f"志愿者 {person.name}", role=Role.RESIDENT, person=person))
    shop = Building.objects.filter(estate__community=communities[0]).order_by("id").first()
    person = Person.objects.create(name="高师傅", phone=_phone(rng), household=shop.households.order_by("id").first())
    world.merchants.append(_user("merchant", "便民维修店 高师傅", role=Role.RESIDENT, person=person))


# ---------------------------------------------------------------- appeals

# Final state → share of appeals. Older appeals are more likely finished.
FATES = [
    (Status.CLOSED, 52), (Status.REVISITING, 5), (Status.VERIFYING, 5), (Status.CLAIMED, 6), (Status.WHISTLED, 4),
    (Status.IN_PROGRESS, 8), (Status.ACCEPTED, 4), (Status.SUBMITTED, 6), (Status.REJECTED, 2), (Status.MERGED, 3),
    (Status.SUSPENDED, 3),
]
STAFF_CHANNELS = [Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL, Channel.BUILDING_HEAD]
GENERIC_ANSWER = ("经现场核实，问题属实。已安排人员于{date}到场处理，目前已处理完毕，并将持续跟踪，"
                  "请居民监督。")


def _fate(rng: random.Random, age_days: float) -> str:
    if age_days < 2:
        return rng.choice([Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WHISTLED])
    still_open = {Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WHISTLED, Status.CLAIMED}

    def weight(state, w):
        if state == Status.CLOSED and age_days < 10:
            return w * 0.4
        if state in still_open:  # old work is mostly finished; what is still open is overdue
            return w * (1.6 if age_days < 14 else 0.5 if age_days < 30 else 0.2)
        return w

    weights = [weight(s, w) for s, w in FATES]
    return rng.choices([s for s, _ in FATES], weights=weights)[0]


class _Driver:
    """Moves one appeal along the loop with advancing timestamps."""

    def __init__(self, world: DemoWorld, rng: random.Random, appeal: Appeal, t: dt.datetime, now: dt.datetime):
        self.world, self.rng, self.appeal, self.t, self.now = world, rng, appeal, t, now

    def step(self, action, actor, hours=(1, 30), **kwargs) -> bool:
        t = self.t + dt.timedelta(hours=self.rng.uniform(*hours))
        if t >= self.now:
            return False
        self.appeal = services.appeal_transition(appeal=self.appeal, action=action, actor=actor, now=t, **kwargs)
        self.t = t
        return True


def build_appeals(world: DemoWorld, rng: random.Random, count: int, now: dt.datetime) -> dict[str, int]:
    with open(DATA / "appeals.jsonl", encoding="utf-8") as fh:
        texts = [json.loads(line) for line in fh][:count]
    rng.shuffle(texts)
    buildings = list(Building.objects.select_related("grid__parent").order_by("id"))
    home = world.residents[0]
    categories = {c.code: c for c in Category.objects.filter(parent__isnull=False)}
    tally: dict[str, int] = {}
    for i, text in enumerate(texts):
        age = rng.betavariate(1.2, 2.5) * 120
        created = now - dt.timedelta(days=age)
        building = rng.choice(buildings)
        if i % 40 == 0:
            reporter, channel = home, Channel.RESIDENT
            building = home.person.household.building
        elif rng.random() < 0.45:
            reporter, channel = rng.choice(world.residents[1:]), Channel.RESIDENT
        else:
            reporter, channel = world.grid_workers[building.grid_id], rng.choice(STAFF_CHANNELS)
        lng = building.lng + rng.uniform(-0.0002, 0.0002)
        lat = building.lat + rng.uniform(-0.0002, 0.0002)
        category = categories[text["category"]]
        try:
            appeal = services.appeal_submit(
                actor=reporter, title=text["title"][:120], content=text["body"], category=category, channel=channel,
                lng=lng, lat=lat, address=f"{building}附近", building_id=None,
                reporter_name="" if channel == Channel.RESIDENT else _name(rng),
                reporter_phone="" if channel == Channel.RESIDENT else _phone(rng), now=created,
                urgency="urgent" if category.code in ("util_gas", "util_water") and rng.random() < 0.3 else "normal",
            )
        except LinliError:
            appeal = services.appeal_submit(  # pin fell outside the street: use the building's grid
                actor=reporter, title=text["title"][:120], content=text["body"], category=category, channel=channel,
                building_id=building.pk, now=created)
        fate = _fate(rng, age)
        drive = _Driver(world, rng, appeal, created, now)
        final = _drive(world, rng, drive, fate, text, category)
        tally[final] = tally.get(final, 0) + 1
    return tally


def _drive(world, rng, d: _Driver, fate: str, text: dict, category: Category) -> str:
    a = d.appeal
    gw = world.grid_workers[a.grid_id]
    cs = world.community_staff[a.community_id]
    st = world.street_staff
    if fate == Status.SUBMITTED:
        return a.status
    if fate == Status.REJECTED:
        d.step(Action.REJECT, gw, note="经核实不属于受理范围，已告知居民通过司法途径解决。")
        return d.appeal.status
    if fate == Status.MERGED:
        parent = Appeal.objects.filter(grid_id=a.grid_id, category=category, parent__isnull=True,
                                       created_at__lt=a.created_at).exclude(status__in=[Status.REJECTED, Status.MERGED]).first()
        if parent and d.step(Action.MERGE, gw, parent=parent.pk, note="同一问题，合并办理"):
            return d.appeal.status
        fate = Status.CLOSED
    if not d.step(Action.ACCEPT, gw, hours=(0.5, 12)):
        return d.appeal.status
    if fate == Status.ACCEPTED:
        return d.appeal.status
    if fate == Status.SUSPENDED:
        d.step(Action.SUSPEND, cs, note="需等待产权单位确认，暂时挂起。")
        return d.appeal.status
    by_unit = category.default_unit_id is not None and (fate in (Status.WHISTLED, Status.CLAIMED) or rng.random() < 0.45)
    answer = (text.get("reply") or GENERIC_ANSWER.format(date="近日"))[:1500]
    if by_unit:
        if not (d.step(Action.ESCALATE, gw, note="需职能部门处理，上报社区。", hours=(1, 8))
                and d.step(Action.ESCALATE, cs, note="社区无法解决，提请街道吹哨。", hours=(1, 8))
                and d.step(Action.WHISTLE, st, lead_unit=category.default_unit_id, deadline_workdays=category.resolve_workdays,
                           note="请按时限认领办理并答卷。", hours=(1, 8))):
            return d.appeal.status
        if fate == Status.WHISTLED or not d.step(Action.CLAIM, world.unit_handlers[category.default_unit_id], hours=(1, 20)):
            return d.appeal.status
        if fate == Status.CLAIMED:
            return d.appeal.status
        handler = world.unit_handlers[category.default_unit_id]
        if not d.step(Action.ANSWER, handler, note=answer, hours=(10, 120)):
            return d.appeal.status
    else:
        actor = gw if rng.random() < 0.6 else cs
        if not d.step(Action.HANDLE, actor, hours=(0.5, 10)):
            return d.appeal.status
        if fate in (Status.IN_PROGRESS, Status.WHISTLED, Status.CLAIMED):
            return d.appeal.status
        if not d.step(Action.RESOLVE, actor, note=answer, hours=(4, 100)):
            return d.appeal.status
        handler = actor
    if fate == Status.VERIFYING:
        return d.appeal.status
    if rng.random() < 0.1:  # on-site check fails once: rework
        if d.step(Action.FAIL, gw, note="现场核查问题仍存在，退回返工。", hours=(2, 24)):
            redo = Action.ANSWER if d.appeal.lead_unit_id else Action.RESOLVE
            if not d.step(redo, handler, note="已返工整改完毕。", hours=(4, 60)):
                return d.appeal.status
    if not d.step(Action.PASS, gw, note="现场核查，已整改到位。", hours=(2, 30)):
        return d.appeal.status
    if fate == Status.REVISITING:
        return d.appeal.status
    rater = d.appeal.reporter if d.appeal.reporter_id else cs
    roll = rng.random()
    if roll < 0.05:
        d.step(Action.CLOSE, cs, note="三次电话回访未接通，按规定结案。", hours=(24, 72))
        return d.appeal.status
    if roll < 0.12:
        if d.step(Action.RATE, rater, satisfaction=Satisfaction.DISSATISFIED, note="问题反复出现", hours=(2, 48)):
            redo = Action.ANSWER if d.appeal.lead_unit_id else Action.RESOLVE
            if not (d.step(redo, handler, note="已重新处理并加强巡查。", hours=(4, 60))
                    and d.step(Action.PASS, gw, hours=(2, 24))):
                return d.appeal.status
            if rng.random() < 0.4:  # explained on the revisit call; the resident stays dissatisfied
                d.step(Action.CLOSE, cs, note="已向居民解释政策依据，居民仍不满意，按规定结案。", hours=(24, 72))
                return d.appeal.status
    satisfaction = rng.choices([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.DISSATISFIED], [78, 17, 5])[0]
    if satisfaction == Satisfaction.DISSATISFIED:
        satisfaction = Satisfaction.BASIC  # a second dissatisfied rating would reopen again; keep the demo tidy
    d.step(Action.RATE, rater, satisfaction=satisfaction, note="", hours=(2, 48))
    return d.appeal.status


def load(*, appeals: int = 600, seed: int = 20261122, now: dt.datetime | None = None) -> DemoWorld:
    """Build the whole demo world. Deterministic for a given seed and `now`."""
    from insights.maintenance import rollups_deferred

    from .imports_and_briefings import import_work_orders, make_briefings

    rng = random.Random(seed)
    now = now or timezone.now()
    calendar.ensure_years(range(now.year - 1, now.year + 1))
    # Thousands of appeal changes: the figure rollups are rebuilt once at the end, not recounted at each.
    with rollups_deferred():
        with transaction.atomic():
            street = build_places(rng)
            world = DemoWorld(street=street)
            build_units(world)
            build_categories(world)
            build_people_and_accounts(world, rng)
            build_party(world, rng)
        world.tally = build_appeals(world, rng, appeals, now)
        world.tally.update(import_work_orders(world, random.Random(seed + 9), now))
        services.sweep_overdue(now=now)
        build_services_and_volunteering(world, seed, now)
    world.tally.update(make_briefings(now))
    return world


def build_services_and_volunteering(world: DemoWorld, seed: int, now: dt.datetime) -> None:
    """Orders and activities first (they earn points and count as 双报到 service), then the
    爱心超市 that spends the points, then 双报到 and awards that read it all."""
    from deliberation import demo as deliberation_demo
    from mediation import demo as mediation_demo
    from party import demo as party_demo
    from places import demo as places_demo
    from points import demo as points_demo
    from services import demo as services_demo
    from visits import demo as visits_demo
    from volunteering import demo as volunteering_demo

    # Places first (meetings, mediation and visits happen in them); 双报到 last (it reads visits too).
    # Each loader keeps its own seed offset, so adding one does not reshuffle the others.
    loaders = [("places", places_demo, 5), ("orders", services_demo, 1), ("volunteering", volunteering_demo, 2),
               ("points", points_demo, 3), ("deliberation", deliberation_demo, 6), ("mediation", mediation_demo, 7),
               ("visits", visits_demo, 8), ("party", party_demo, 4)]
    for prefix, loader, offset in loaders:
        tally = loader.load(world, random.Random(seed + offset), now) or {}
        world.tally.update({f"{prefix}_{k}": v for k, v in tally.items() if isinstance(v, int)})
