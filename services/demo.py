"""Demo data for 三单制: providers from the demo's party members, volunteers and
merchant, and about 120 orders driven through the real services with past
timestamps (so timelines, deadlines, points and figures are what the rules
produce), including micro-wishes on the wall and fulfilled, errands with
their checklists, and a few small appeals turned into service orders.

Called by demo.world after the appeals: `load(world, rng, now)`.
"""

import datetime as dt
import random

from django.db import transaction

from accounts.selectors import home_community
from appeals.models import Appeal
from appeals.workflow import Level
from appeals.workflow import Status as AppealStatus
from core.errors import LinliError
from regions.models import Region

from . import selectors, services
from .models import Provider, ServiceOrder
from .workflow import Channel, Kind, Status

# (title, content, skills)
SERVICE_TEXTS = [
    ("厨房水龙头漏水", "厨房水龙头一直滴水，关不紧，老人自己修不了。", ["plumbing_electrical"]),
    ("楼道灯不亮", "单元楼道三楼的感应灯坏了，晚上上下楼很黑。", ["plumbing_electrical"]),
    ("电视收不到信号", "家里电视最近老是收不到信号，想请师傅帮忙看看。", ["appliance_repair"]),
    ("洗衣机不脱水", "洗衣机能转但不脱水，不知道哪里坏了。", ["appliance_repair"]),
    ("上门理发", "老伴腿脚不便下不了楼，想请人上门理个发。", ["haircut"]),
    ("陪同老人去医院复查", "下周三要去医院复查，子女在外地，想请人陪同。", ["elderly_care", "health_care"]),
    ("孩子数学作业辅导", "孩子上四年级，数学应用题总是不会，想请人周末辅导一下。", ["homework_tutoring"]),
    ("教老人用手机挂号", "想学用手机预约挂号和视频通话。", ["digital_help"]),
    ("独居老人家中保洁", "独居老人家里卫生打扫不过来，想请志愿者帮忙打扫一次。", ["housekeeping"]),
    ("邻里纠纷法律咨询", "楼上漏水把我家天花板泡坏了，想咨询一下怎么协商赔偿。", ["legal_advice"]),
    ("下水道堵塞", "卫生间下水道堵了，水下不去。", ["plumbing_electrical"]),
    ("搬运旧家具", "家里要换床，旧床垫一个人搬不下楼。", ["moving_help"]),
    ("量血压和用药指导", "高血压老人想请医生上门量量血压，讲讲怎么吃药。", ["health_care"]),
    ("心里苦闷想找人聊聊", "老伴去世后一个人在家，心里憋得慌，想找人说说话。", ["counselling", "elderly_care"]),
    ("缝补冬衣", "棉衣拉链坏了，想请人帮忙换一个。", ["tailoring"]),
]
WISH_TEXTS = [
    ("想要一副老花镜", "眼睛花了看不清报纸，想要一副200度的老花镜。"),
    ("给孙子买一套课外书", "孙子爱看书，想给他买一套《十万个为什么》。"),
    ("一台收音机", "每天想听听新闻和评书，家里的收音机坏了。"),
    ("春节前一起包饺子", "孩子们都不在身边，想和邻居们一起包顿饺子。"),
    ("冬天的一床厚被子", "家里被子太薄，冬天晚上冷。"),
    ("学会用微信视频", "想和外地的女儿视频，但是不会用。"),
    ("一辆助行器", "腿脚不好，想要一个助行器方便下楼遛弯。"),
    ("有人陪下象棋", "退休在家，想找人陪我下下象棋。"),
    ("修好孙女的自行车", "孙女的自行车链条掉了，我修不好。"),
    ("一张全家福", "老两口结婚五十年，想拍一张全家福。"),
    ("学写毛笔字", "想学写毛笔字，希望有人教教。"),
    ("几盆绿植", "阳台空着，想养几盆好养的绿植。"),
    ("一个血压计", "每天要量血压，想要一个电子血压计。"),
    ("帮忙剪剪指甲", "年纪大了弯不下腰，想请人帮忙剪指甲。"),
    ("听一场红色故事会", "想听听老党员讲讲过去的故事。"),
    ("给老伴过个生日", "老伴八十大寿，想热热闹闹过一次。"),
]
# (title, content, documents)
ERRAND_TEXTS = [
    ("代办高龄津贴申请", "老人今年满80岁，想申请高龄津贴，行动不便。", ["身份证复印件", "户口本", "银行卡复印件"]),
    ("代办医保报销", "住院费用需要报销，想请人帮忙跑一趟。", ["住院发票", "出院小结", "医保卡", "身份证复印件"]),
    ("代办居住证续签", "居住证快到期了，上班请不了假。", ["居住证", "身份证复印件", "租房合同"]),
    ("代缴水电燃气费", "不会用手机缴费，想请人帮忙代缴。", ["缴费单", "燃气卡"]),
    ("代办残疾证年审", "家里残疾人行动不便，残疾证需要年审。", ["残疾证", "身份证复印件", "一寸照片两张"]),
    ("代办养老保险认证", "每年的养老金资格认证，不会在手机上操作。", ["身份证", "社保卡"]),
    ("代领慢性病药品", "每月要去社区卫生服务站领降压药。", ["医保卡", "处方单"]),
    ("代办老年优待证", "想办一张老年优待证，坐公交方便。", ["身份证复印件", "一寸照片"]),
]
DONE_NOTES = ["已上门处理完毕，居民满意。", "问题已解决，留了电话，有事随时找我。", "已办结，材料已送回居民家中。",
              "已完成，顺便检查了家里的其他线路。", "心愿已实现，老人很高兴。"]
THANKS = ["谢谢党员同志！", "太感谢了，服务很周到。", "辛苦了，给你点赞！", "", "", "谢谢邻居们的帮助。"]
DECLINE_NOTES = ["这几天出差，接不了。", "家里有事，请派给其他人。"]

SMALL_MATTERS = {"muni_streetlight", "muni_sewer", "property_mgmt", "env_garbage"}

# Final state → weight, for orders older than a few days.
FATES = [("confirmed", 55), ("done", 8), ("cancelled", 5), ("requested", 4), ("open", 3)]
RECENT_FATES = [("requested", 3), ("open", 2), ("dispatched", 3), ("accepted", 4), ("done", 2)]


class _Driver:
    """Moves one order along with advancing timestamps that stay before `now`."""

    def __init__(self, rng: random.Random, order: ServiceOrder, t: dt.datetime, now: dt.datetime):
        self.rng, self.order, self.t, self.now = rng, order, t, now

    def step(self, action, actor, hours=(0.5, 20), **kwargs) -> bool:
        t = self.t + dt.timedelta(hours=self.rng.uniform(*hours))
        if t >= self.now:
            return False
        try:
            self.order = services.order_transition(self.order, action, actor, now=t, **kwargs)
        except LinliError:
            return False
        self.t = t
        return True


def _providers(world, rng: random.Random, start: dt.datetime) -> list[Provider]:
    skills = [c for _t, _c, s in SERVICE_TEXTS for c in s] + ["elderly_care", "shopping_errands", "paperwork"]
    communities = list(Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"))
    made = []
    people = [(u, Provider.Kind.PARTY_MEMBER) for u in world.members] + \
             [(u, Provider.Kind.VOLUNTEER) for u in world.volunteers]
    for i, (user, kind) in enumerate(people):
        mine = sorted(set(rng.sample(skills, 3)))
        if kind == Provider.Kind.PARTY_MEMBER:
            mine = sorted(set(mine) | {"paperwork"})  # 红色代办
        home = home_community(user)
        area = [home] if home else communities[:1]
        if home and rng.random() < 0.3:
            neighbours = [c for c in communities if c.pk != home.pk]
            area.append(rng.choice(neighbours))
        days = sorted(rng.sample(range(1, 8), rng.randint(2, 5)))
        made.append(services.provider_save(
            actor=user, kind=kind, skills=mine, service_area=area, available_days=days,
            availability_note=rng.choice(["工作日晚上", "周末全天", "随时可以", "上午有空", ""]),
            now=start + dt.timedelta(hours=i)))
    for user in world.merchants:
        home = home_community(user) or communities[0]
        merchant = services.provider_save(actor=user, kind=Provider.Kind.MERCHANT, shop_name="便民维修店",
                                          skills=["appliance_repair", "plumbing_electrical", "tailoring"],
                                          service_area=[home], availability_note="每天9:00-19:00",
                                          available_days=list(range(1, 8)), now=start)
        staff = world.community_staff.get(home.pk)
        if staff is not None:
            merchant = services.provider_approve(actor=staff, provider=merchant, now=start + dt.timedelta(days=1))
        made.append(merchant)
    return made


def _pick_provider(rng, order) -> Provider | None:
    suggestions = selectors.suggest_providers(order, limit=3)
    if not suggestions:
        return None
    return rng.choice(suggestions[:2]).provider if len(suggestions) > 1 and rng.random() < 0.3 \
        else suggestions[0].provider


def _fate(rng: random.Random, kind: str, age_days: float) -> str:
    if kind == Kind.WISH and rng.random() < 0.3:
        return "open"  # still on the wall
    table = RECENT_FATES if age_days < 3 else FATES
    fate = rng.choices([f for f, _w in table], weights=[w for _f, w in table])[0]
    if kind == Kind.WISH and fate in ("requested", "dispatched"):
        fate = "open"  # wishes wait on the wall
    return fate


def _drive(world, rng, order: ServiceOrder, t: dt.datetime, now: dt.datetime, fate: str, tally: dict) -> None:
    d = _Driver(rng, order, t, now)
    staff = world.community_staff.get(order.community_id)
    requester = order.requester
    if fate in ("requested", "open") and order.status == fate:
        return
    if fate == "cancelled":
        who = requester if requester is not None else staff
        d.step("cancel", who, note="问题已自行解决，不需要了。")
        return
    if fate == "open":
        d.step("publish", staff, hours=(1, 6))
        return
    # Take it: a wish is claimed from the wall, otherwise staff dispatch (sometimes declined once first).
    if order.kind == Kind.WISH:
        provider = _pick_provider(rng, order)
        if provider is None or not d.step("claim", provider.user, hours=(2, 48)):
            return
    else:
        if rng.random() < 0.12:
            first = _pick_provider(rng, order)
            if first and d.step("dispatch", staff, provider=first.pk, hours=(0.5, 8)):
                if d.step("decline", first.user, note=rng.choice(DECLINE_NOTES), hours=(0.5, 6)):
                    tally["declined"] = tally.get("declined", 0) + 1
        provider = _pick_provider(rng, d.order)
        if provider is None or not d.step("dispatch", staff, provider=provider.pk, hours=(0.5, 12)):
            return
        if fate == "dispatched":
            return
        if not d.step("accept", provider.user, hours=(0.2, 6)):
            return
    if fate == "accepted":
        return
    if order.kind == Kind.ERRAND:
        for item in d.order.items.all():
            t = d.t + dt.timedelta(hours=rng.uniform(1, 8))
            if t < now:
                services.errand_item_set(actor=provider.user, order=d.order, item_id=item.pk, done=True, now=t)
                d.t = t
    if rng.random() < 0.05:
        tally["no_show"] = tally.get("no_show", 0) + 1
        d.step("no_show", requester or staff, note="约好的时间没来。", hours=(24, 48))
        return
    late = rng.random() < 0.1  # now and then the work takes longer than promised
    if not d.step("complete", provider.user, note=rng.choice(DONE_NOTES), hours=(80, 110) if late else (2, 60)):
        return
    if fate == "done":
        return
    confirmer = requester if requester is not None else staff
    d.step("confirm", confirmer, rating=rng.choices([5, 4, 3], weights=[70, 25, 5])[0], thanks=rng.choice(THANKS),
           hours=(2, 72))


def _ask(world, rng, kind: str, t: dt.datetime) -> ServiceOrder:
    resident = rng.choice(world.residents)
    if kind == Kind.SERVICE:
        title, content, skills = rng.choice(SERVICE_TEXTS)
        extra = {"skills": skills}
    elif kind == Kind.WISH:
        title, content = rng.choice(WISH_TEXTS)
        extra = {}
    else:
        title, content, items = rng.choice(ERRAND_TEXTS)
        extra = {"items": items, "skills": ["paperwork"]}
    extra["preferred_time"] = rng.choice(["周六上午", "工作日下午", "晚上6点后", "越快越好", ""])
    community = home_community(resident)
    staff = world.community_staff.get(community.pk) if community else None
    if staff is not None and kind != Kind.WISH and rng.random() < 0.25:  # a call or a visit to the counter
        return services.order_submit(actor=staff, kind=kind, title=title, content=content,
                                     channel=rng.choice([Channel.PHONE, Channel.WALK_IN]),
                                     requester_name=resident.person.name, requester_phone=resident.person.phone,
                                     household=resident.person.household_id, now=t, **extra)
    return services.order_submit(actor=resident, kind=kind, title=title, content=content, now=t, **extra)


def _from_appeals(world, rng, now: dt.datetime, tally: dict, limit: int = 6) -> None:
    candidates = Appeal.objects.filter(status__in=[AppealStatus.ACCEPTED, AppealStatus.IN_PROGRESS],
                                       level__in=[Level.GRID, Level.COMMUNITY], service_order__isnull=True,
                                       lead_unit__isnull=True).select_related("category")
    # 楼道灯泡、下水道: small matters first.
    small = [a for a in candidates if a.category.code in SMALL_MATTERS]
    converted = 0
    for appeal in (small + [a for a in candidates if a.category.code not in SMALL_MATTERS])[:60]:
        if converted >= limit:
            break
        actors = [world.community_staff.get(appeal.community_id), world.grid_workers.get(appeal.grid_id)]
        actor = next((a for a in actors if a is not None and selectors.can_convert_appeal(a, appeal)), None)
        if actor is None:
            continue
        # 督办 notices do not move the appeal; the conversion follows its last real step.
        last = appeal.events.exclude(action="supervise").order_by("-at").values_list("at", flat=True).first() \
            or appeal.created_at
        if last >= now - dt.timedelta(hours=2):
            continue
        t = last + min(dt.timedelta(hours=rng.uniform(1, 12)), (now - last) / 2)
        try:
            order = services.order_from_appeal(actor, appeal, kind=Kind.SERVICE, skills=["plumbing_electrical"],
                                               note="小事不出社区，转党员志愿者上门处理。", now=t)
        except LinliError:
            continue
        converted += 1
        # Most are done (which reports the appeal resolved); the newest still wait for dispatch.
        fate = "done" if converted % 3 else "requested"
        if fate == "done":
            _drive(world, rng, order, t, now, "done", tally)
    tally["from_appeals"] = converted


def load(world, rng: random.Random, now: dt.datetime, orders: int = 120) -> dict[str, int]:
    """Providers and ~`orders` orders ending before `now`; returns a tally by status."""
    start = now - dt.timedelta(days=150)
    tally: dict[str, int] = {}
    with transaction.atomic():
        _providers(world, rng, start)
    wishes, errands = round(orders / 3), round(orders * 0.3)  # 120 → 40 wishes, 36 errands, 44 services
    kinds = [Kind.WISH] * wishes + [Kind.ERRAND] * errands + [Kind.SERVICE] * (orders - wishes - errands)
    rng.shuffle(kinds)
    for kind in kinds:
        age_days = rng.uniform(0.1, 3) if rng.random() < 0.2 else rng.triangular(3, 120, 15)
        t = now - dt.timedelta(days=age_days)
        with transaction.atomic():
            order = _ask(world, rng, kind, t)
            _drive(world, rng, order, t, now, _fate(rng, kind, age_days), tally)
    _from_appeals(world, rng, now, tally)
    services.sweep_orders(now=now)
    for status in Status.values:
        tally[status] = ServiceOrder.objects.filter(status=status).count()
    return tally
