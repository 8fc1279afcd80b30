"""Demo data for mediation: about forty disputes of the last four months driven
through the real services with past timestamps — most mediated to a signed
agreement that a follow-up found holding, some referred to the court or the
police, a few escalated, a few high risk still open, follow-ups due and one
overdue, and a couple of appeals mediated as disputes.

Called by demo.world after places (mediation rooms) and before visits.
"""

import datetime as dt

from django.db import transaction

from appeals.models import Appeal
from appeals.workflow import Level as AppealLevel
from appeals.workflow import Status as AppealStatus
from core.errors import LinliError
from regions.models import Region

from . import services
from .workflow import MediatorKind, Status

# (type, title, description, terms)
CASES = [
    ("neighbour", "楼上漏水泡坏天花板", "楼上卫生间防水层老化，漏水把楼下天花板泡坏，双方为赔偿金额争执。",
     "楼上住户三日内请人修复防水层\n楼上住户赔偿楼下修复费用1200元"),
    ("neighbour", "楼道堆放杂物", "302住户长期在楼道堆放纸箱，对门住户认为有消防隐患，多次争吵。",
     "302住户一周内清理楼道杂物\n双方今后互相监督，保持楼道畅通"),
    ("neighbour", "深夜噪音扰民", "楼上深夜拖动桌椅、孩子跑跳，楼下老人无法休息，双方多次口角。",
     "楼上晚十点后注意降低噪音，铺设地垫\n楼下如有不适先电话沟通"),
    ("property", "物业费与停车位纠纷", "业主认为物业未履行保洁义务拒交物业费，物业停止为其办理停车卡。",
     "物业一个月内整改单元保洁\n业主补交物业费，物业恢复停车卡"),
    ("property", "电梯维修费用分摊", "一层住户不愿分摊电梯大修费用，与其他楼层住户僵持。",
     "一层住户按三成比例分摊\n物业公开维修费用明细"),
    ("family", "赡养老人纠纷", "三兄妹为母亲赡养费和轮流照顾问题争执不下。",
     "三人每月各支付赡养费600元\n按月轮流照顾母亲"),
    ("family", "离婚后探视子女", "离婚后父亲探视孩子时间安排与母亲发生矛盾。",
     "父亲每周六接孩子，周日晚八点前送回\n双方不在孩子面前争吵"),
    ("labour", "装修工人讨要工钱", "装修队完工后业主以质量问题为由拖欠尾款，工人多次上门讨要。",
     "业主十日内支付尾款8000元\n装修队返修卫生间瓷砖"),
    ("housing", "违建阳台挡光", "一楼住户私搭阳台遮挡二楼采光，双方多次争执。",
     "一楼住户拆除超出部分\n二楼住户不再追究"),
    ("contract", "借款未还", "邻居借款两万元约定半年归还，逾期一年未还。",
     "借款人分四期归还，每月五千元\n出借人放弃利息"),
    ("damages", "小狗咬伤邻居", "邻居家小狗未拴绳咬伤老人小腿，治疗费用谁出起争执。",
     "狗主人承担医药费和疫苗费共1500元\n今后遛狗必须拴绳"),
]
RISKY = [
    ("neighbour", "停车位纠纷扬言报复", "两户为争抢车位多次争吵，一方扬言要报复，还堵门辱骂。"),
    ("family", "家庭矛盾威胁跳楼", "夫妻因家务事长期争吵，妻子情绪激动威胁要跳楼。"),
    ("labour", "农民工讨薪聚集", "十余名工人到小区项目部讨薪，扬言要拉横幅上访。"),
]
NAMES = ["王建国", "李秀英", "张伟", "刘芳", "陈刚", "杨丽", "赵磊", "黄敏", "周强", "吴静", "徐军", "孙燕",
         "马超", "朱红", "胡斌", "郭玲"]
PARTNER_NOTES = [("court", "涉及房屋产权，转法院诉调对接", "法院诉前调解达成协议", "resolved"),
                 ("police", "双方曾发生推搡，转派出所警调对接", "派出所调解后双方握手言和", "resolved"),
                 ("petition", "当事人多次信访，转信访办访调对接", "信访办建议社区继续调解", "returned")]


def _phone(rng) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def load(world, rng, now) -> dict[str, int]:
    tally = {"disputes": 0, "agreements": 0, "closed": 0, "referred": 0, "high_risk": 0, "from_appeals": 0}
    grids = list(Region.objects.filter(level=Region.Level.GRID, pk__in=list(world.grid_workers)).select_related(
        "parent").order_by("code"))
    if not grids or not world.community_staff:
        return tally
    from places.models import Place

    police = world.units.get("police")
    plan = ["closed"] * 22 + ["following_up"] * 4 + ["overdue"] + ["referred_closed"] * 3 + ["referred"] * 2 + \
        ["mediating"] * 3 + ["recorded"] * 2 + ["withdrawn"] * 2 + ["broken"] + ["escalated"] * 2
    rng.shuffle(plan)
    for i, fate in enumerate(plan):
        grid = grids[rng.randrange(len(grids))]
        community = grid.parent
        staff = world.community_staff.get(community.pk)
        worker = world.grid_workers.get(grid.pk)
        if staff is None or worker is None:
            continue
        dispute_type, title, description, terms = CASES[i % len(CASES)]
        days_ago = {"overdue": 40, "following_up": 12, "recorded": 1, "mediating": 6}.get(fate, rng.randint(20, 120))
        t = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 8))
        a, b = rng.sample(NAMES, 2)
        room = Place.objects.filter(region=community, kind=Place.Kind.MEDIATION_ROOM).first()
        try:
            with transaction.atomic():
                d = services.dispute_record(
                    actor=worker, title=title, description=description, dispute_type=dispute_type,
                    source=rng.choice(["grid", "grid", "walk_in", "phone", "police"]), grid=grid,
                    parties=[{"name": a, "phone": _phone(rng), "role": "applicant"},
                             {"name": b, "phone": _phone(rng), "role": "respondent"}], now=t)
                tally["disputes"] += 1
                if fate == "recorded":
                    continue
                if fate == "withdrawn":
                    services.dispute_transition(dispute=d, action="withdraw", actor=worker,
                                                note="双方已自行和解，申请人撤回", now=t + dt.timedelta(hours=5))
                    continue
                step = t + dt.timedelta(hours=3)
                holder = worker
                if fate == "escalated":
                    services.dispute_transition(dispute=d, action="escalate", actor=worker,
                                                note="网格调解未果，提交社区", now=step)
                    holder = staff
                services.dispute_transition(dispute=d, action="accept", actor=holder, mediator_user=worker.pk
                                            if holder == staff else None, mediator_name="" if holder == staff
                                            else f"{community.name}调委会老李",
                                            mediator_kind=MediatorKind.GRID_LEADER if holder == staff
                                            else MediatorKind.PEOPLES_MEDIATOR, now=step)
                services.mediator_add(actor=holder, dispute=d, name=rng.choice(["老党员王伯", "退休法官陈姨"]),
                                      kind=MediatorKind.ELDER, now=step)
                step += dt.timedelta(days=1)
                services.session_record(actor=holder, dispute=d, held_at=step, place=room.pk if room else None,
                                        location="" if room else "社区会议室", attendees=f"{a}、{b}、调解员",
                                        notes="双方陈述事实，调解员释法说理，初步形成共识。", now=step)
                if fate == "mediating":
                    continue
                if fate in ("referred", "referred_closed"):
                    partner, note, feedback, result = rng.choice(PARTNER_NOTES)
                    services.dispute_transition(dispute=d, action="refer", actor=holder, partner=partner, note=note,
                                                unit=police.pk if partner == "police" and police else None,
                                                now=step + dt.timedelta(hours=2))
                    tally["referred"] += 1
                    if fate == "referred":
                        continue
                    step += dt.timedelta(days=rng.randint(5, 15))
                    services.dispute_transition(dispute=d, action="feedback", actor=holder, result=result,
                                                note=feedback, now=step)
                    action = "close" if result == "resolved" else "resume"
                    services.dispute_transition(dispute=d, action=action, actor=holder, now=step,
                                                note=feedback if action == "resume" else "联动化解，结案")
                    if action == "close":
                        tally["closed"] += 1
                        continue
                step += dt.timedelta(days=2)
                services.dispute_transition(dispute=d, action="agree", actor=holder, facts=description, terms=terms,
                                            now=step)
                tally["agreements"] += 1
                from django.core.files.uploadedfile import SimpleUploadedFile

                scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n% demo scan\ntrailer<<>>\n%%EOF\n")
                services.dispute_transition(dispute=d, action="sign", actor=holder, signed_copy=scan,
                                            now=step + dt.timedelta(hours=4))
                if fate in ("following_up", "overdue"):
                    continue
                visit = step + dt.timedelta(days=15)
                if visit > now:
                    continue
                holds = fate != "broken"
                services.follow_up_record(actor=holder, dispute=d, holds=holds, visited_at=visit,
                                          note="回访双方，协议已履行，关系缓和" if holds else "对方未按约赔偿，矛盾再起",
                                          close=holds, now=visit)
                if holds:
                    tally["closed"] += 1
        except LinliError:
            continue
    for kind, title, description in RISKY:
        grid = grids[rng.randrange(len(grids))]
        worker = world.grid_workers.get(grid.pk)
        a, b = rng.sample(NAMES, 2)
        try:
            with transaction.atomic():
                d = services.dispute_record(actor=worker, title=title, description=description, dispute_type=kind,
                                            source="grid", grid=grid, now=now - dt.timedelta(hours=rng.randint(2, 30)),
                                            parties=[{"name": a, "phone": _phone(rng)}, {"name": b}])
                tally["disputes"] += 1
        except LinliError:
            continue
    tally["from_appeals"] = _from_appeals(world, rng, now)
    tally["disputes"] += tally["from_appeals"]
    from .models import Dispute

    tally["high_risk"] = Dispute.objects.filter(risk_level="high").count()
    tally["open_now"] = Dispute.objects.exclude(status__in=[Status.CLOSED, Status.WITHDRAWN]).count()
    return tally


def _from_appeals(world, rng, now) -> int:
    """A couple of accepted neighbour quarrels from the appeal loop, mediated as disputes."""
    made = 0
    appeals = Appeal.objects.filter(status=AppealStatus.ACCEPTED, level=AppealLevel.GRID,
                                    grid_id__in=list(world.grid_workers)).order_by("created_at", "id")[:2]
    for appeal in appeals:
        worker = world.grid_workers[appeal.grid_id]
        try:
            services.dispute_from_appeal(actor=worker, appeal=appeal, dispute_type="neighbour",
                                         parties=[{"name": appeal.reporter_name or "反映人", "role": "applicant"},
                                                  {"name": rng.choice(NAMES), "role": "respondent"}],
                                         note="经了解系邻里矛盾，转入调解", now=max(now, appeal.created_at))
            made += 1
        except LinliError:
            continue
    return made
