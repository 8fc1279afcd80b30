"""Demo data for 双报到 and the party pages, driven through the real services
with past timestamps: the in-service members registered with the communities
they live in (one of them mid-quarter, one after moving), their employer units
paired with communities, co-building projects with progress, the households
the party anchor households (党员中心户) serve, public identity plaques, one
closed 先锋党员 evaluation with its awards and one 最美庭院 evaluation open
for votes.

Called by demo.world after the orders and activities (so the quarter report
has real service records): `load(world, rng, now)`.
"""

import datetime as dt
import random

from django.db import transaction

from accounts.selectors import home_community
from people.models import Person
from regions.models import Household

from . import services
from .models import PartyMember
from .selectors import quarter_bounds, quarter_of

PROJECTS = [
    # (title, target, description, progress steps)
    ("楼道亮化工程", "3栋楼12个单元楼道全部换装感应灯", "单位出资出人，为老旧小区楼道更换感应灯。",
     [(30, "已完成现场勘查，采购灯具60套。"), (70, "已完成8个单元的安装。"), (100, "全部安装完毕，居民验收满意。")]),
    ("共建爱心图书角", "在党群服务中心建成图书角，藏书500册", "单位党员捐书，设立借阅登记。",
     [(40, "已收到捐赠图书230册。"), (80, "书架安装完毕，图书已编目上架。")]),
    ("助老送餐服务", "为20户独居老人每周送餐两次", "单位食堂配餐，在职党员轮流送餐上门。",
     [(25, "已摸排独居老人22户，确定送餐名单。"), (50, "已连续送餐6周。")]),
    ("老旧小区用电安全检查", "完成300户入户用电安全检查", "电力党员服务队入户检查线路、更换老化插座。",
     [(60, "已完成182户检查，更换插座45个。")]),
    ("供水管网巡检进小区", "每季度一次小区二次供水设施巡检", "自来水公司党支部与社区结对，定期巡检并公示水质。", []),
]
PLEDGES = [
    "随叫随到，帮邻居们跑腿办事，有困难找我。",
    "每月至少参加一次社区志愿服务，带头做好垃圾分类。",
    "发挥专业特长，为居民义务检修水电。",
    "关心楼里的独居老人，每周上门看一看。",
    "带头遵守小区公约，做邻里矛盾的调解员。",
    "为孩子们义务辅导功课，每周六上午在党群服务中心。",
]
PIONEER_REASONS = [
    "带头参加疫情防控和小区环境整治，主动为老人代办事务。",
    "多年坚持义务维修水电，随叫随到，群众口碑好。",
    "组织楼栋党员开展邻里互助，化解多起邻里纠纷。",
    "积极参加双报到，每季度都回社区服务，带动身边人。",
]
COURTYARD_REASONS = [
    "院子里种满了月季和蔬菜，干净整洁，邻居们都爱来看。",
    "把楼前荒地改成了小花园，常年义务打理。",
    "庭院美观，还带动整栋楼的邻居一起养花种草。",
    "阳台和门前收拾得井井有条，是楼里的好榜样。",
]


MAX_ANCHORS = 10  # enough to show the feature in several communities, quick to load


def _days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def _residents_of(world, community) -> list:
    """Accounts of people living in the community (voters)."""
    people = list(world.residents) + list(world.volunteers) + list(world.members)
    return [u for u in people if (c := home_community(u)) is not None and c.pk == community.pk]


def register_members(world, rng: random.Random, now: dt.datetime) -> list:
    q_start, _ = quarter_bounds(*quarter_of(now))
    reports = []
    in_service = [u for u in world.members[:8] if u.person.party_membership.employer_id]
    for i, user in enumerate(in_service):
        member = user.person.party_membership
        community = home_community(user)
        staff = world.community_staff[community.pk]
        if i == 2:  # registered in the middle of this quarter
            when = q_start + (now - q_start) / 2 if now - q_start > _days(2) else now - _days(1)
        else:
            when = now - _days(rng.randint(200, 420))
        if i == 3:  # registered elsewhere before moving house
            elsewhere = next(pk for pk in world.community_staff if pk != community.pk)
            old = services.dual_report_register(actor=world.community_staff[elsewhere], kind="member", member=member,
                                                community=elsewhere, note="原居住社区", now=when - _days(200))
            services.dual_report_end(actor=world.community_staff[elsewhere], report=old, note="已搬家", now=when - _days(1))
        if i in (1, 4):  # registered themselves
            reports.append(services.dual_report_register(actor=user, kind="member", now=when))
        else:
            reports.append(services.dual_report_register(actor=staff, kind="member", member=member,
                                                         community=community, note="单位统一组织报到", now=when))
    return reports


def register_units(world, rng: random.Random, now: dt.datetime, member_reports) -> list[tuple]:
    pairs = []
    for report in member_reports:
        pair = (report.member.employer_id, report.community_id)
        if pair not in pairs:
            pairs.append(pair)
    home = home_community(world.members[0])
    for key in ("water", "power"):
        unit = world.units.get(key)
        community_pk = home.pk
        if unit is not None and (unit.pk, community_pk) not in pairs:
            pairs.append((unit.pk, community_pk))
    for unit_pk, community_pk in pairs:
        services.dual_report_register(actor=world.community_staff[community_pk], kind="unit", unit=unit_pk,
                                      community=community_pk, note="签订共驻共建协议",
                                      now=now - _days(rng.randint(300, 450)))
    return pairs


def build_projects(world, rng: random.Random, now: dt.datetime, pairs) -> int:
    count = 0
    for (unit_pk, community_pk), (title, target, description, steps) in zip(pairs, PROJECTS):
        staff = world.community_staff[community_pk]
        pledged = now - _days(rng.randint(90, 180))
        project = services.project_create(actor=staff, unit=unit_pk, community=community_pk, title=title, target=target,
                                          description=description, pledged_at=pledged.date(),
                                          due_date=(pledged + _days(rng.randint(150, 240))).date(), now=pledged)
        handler = world.unit_handlers.get(unit_pk, staff)
        at = pledged
        for progress, note in steps:
            at = at + _days(rng.randint(10, 25))
            if at >= now:
                break
            services.project_update(actor=rng.choice([handler, staff]), project=project, progress=progress, note=note,
                                    now=at)
        count += 1
    return count


def build_anchors(world, rng: random.Random) -> int:
    """Each party anchor household serves a few neighbours in its building; the
    demo's first member also runs one, so their profile shows everything."""
    first = world.members[0].person.party_membership
    if first.anchor_household_id is None and first.person.household_id:
        PartyMember.objects.filter(pk=first.pk).update(anchor_household=first.person.household)
        Household.objects.filter(pk=first.person.household_id).update(is_party_anchor=True)
    added = 0
    anchors = PartyMember.objects.filter(anchor_household__isnull=False).select_related(
        "anchor_household__building__grid").order_by("pk")
    for member in [first, *[a for a in anchors if a.pk != first.pk][:MAX_ANCHORS]]:
        member.refresh_from_db()
        if member.anchor_household_id is None:
            continue
        building = member.anchor_household.building
        staff = world.community_staff.get(building.grid.parent_id)
        if staff is None:
            continue
        neighbours = list(building.households.exclude(pk=member.anchor_household_id).order_by("id"))
        for household in rng.sample(neighbours, min(len(neighbours), rng.randint(3, 5))):
            services.served_household_add(actor=staff, member=member, household=household)
            added += 1
    return added


def build_plaques(world) -> int:
    for i, user in enumerate(world.members[:6]):
        services.plaque_update(actor=user, member=user.person.party_membership, pledge=PLEDGES[i % len(PLEDGES)],
                               is_public=True)
    return min(6, len(world.members))


def build_evaluations(world, rng: random.Random, now: dt.datetime) -> dict:
    community = home_community(world.members[0])  # where the demo's "member" and "resident" live
    community_pk = community.pk
    staff = world.community_staff[community_pk]
    voters = _residents_of(world, community)
    # 先锋党员, closed with awards and points.
    start = now - _days(60)
    pioneer = services.evaluation_create(
        actor=staff, community=community_pk, title=f"{start.year}年度社区先锋党员评选", kind="pioneer_member",
        description="由居民提名、社区党委审核、居民投票产生。", nominate_until=start + _days(10), vote_until=start + _days(20),
        winners=2, votes_per_voter=2, award_points=100, now=start)
    candidates = [u.person for u in world.members[:6]]
    candidates += list(Person.objects.filter(party_membership__anchor_household__building__grid__parent_id=community_pk)
                       .exclude(pk__in=[p.pk for p in candidates])[:2])
    nominations = []
    for i, person in enumerate(candidates[:5]):
        nominator = rng.choice([v for v in voters if v.person_id != person.pk] or [staff])
        nomination = services.nomination_create(actor=nominator, evaluation=pioneer, person=person.pk,
                                                reason=PIONEER_REASONS[i % len(PIONEER_REASONS)],
                                                now=start + _days(1 + i))
        if nomination.status == "pending":
            nomination = services.nomination_review(actor=staff, nomination=nomination,
                                                    decision="reject" if i == 4 else "approve", now=start + _days(8),
                                                    note="材料不全" if i == 4 else "")
        nominations.append(nomination)
    approved = [n for n in nominations if n.status == "approved"]
    services.evaluation_open_voting(actor=staff, evaluation=pioneer, now=start + _days(10))
    _vote(rng, voters, approved, start + _days(11), limit=2, spread=5)
    awards = services.evaluation_close(actor=staff, evaluation=pioneer, now=start + _days(21))

    # 最美庭院, open for votes now.
    start = now - _days(10)
    courtyard = services.evaluation_create(
        actor=staff, community=community_pk, title=f"{now.year}年“最美庭院”评选", kind="beautiful_courtyard",
        description="晒晒你家的小院和阳台，邻居们来投票。", nominate_until=start + _days(7), vote_until=now + _days(10),
        winners=3, votes_per_voter=3, award_points=50, now=start)
    nominees = [v for v in voters if v.person_id not in {p.pk for p in candidates}][:6]
    entries = []
    for i, user in enumerate(nominees[:5]):
        nominator = rng.choice([v for v in voters if v.pk != user.pk])
        nomination = services.nomination_create(actor=nominator, evaluation=courtyard, person=user.person_id,
                                                reason=COURTYARD_REASONS[i % len(COURTYARD_REASONS)],
                                                now=start + _days(1 + i * 0.5))
        if i < 4:
            nomination = services.nomination_review(actor=staff, nomination=nomination, decision="approve",
                                                    now=start + _days(6))
        entries.append(nomination)
    services.evaluation_open_voting(actor=staff, evaluation=courtyard, now=start + _days(7))
    _vote(rng, voters[: max(1, len(voters) // 2)], [n for n in entries if n.status == "approved"], start + _days(8),
          limit=2, spread=1)
    return {"evaluations": 2, "awards": len(awards)}


def _vote(rng: random.Random, voters, nominations, when: dt.datetime, *, limit: int, spread: float) -> int:
    cast = 0
    if not nominations:
        return 0
    for voter in voters:
        choices = [n for n in nominations if n.person_id != voter.person_id]
        for nomination in rng.sample(choices, min(limit, len(choices), rng.randint(0, limit))):
            services.vote_cast(actor=voter, nomination=nomination, now=when + _days(rng.random() * spread))
            cast += 1
    return cast


def load(world, rng: random.Random, now: dt.datetime) -> dict:
    """Build the party demo on an already loaded demo world."""
    with transaction.atomic():
        reports = register_members(world, rng, now)
        pairs = register_units(world, rng, now, reports)
        projects = build_projects(world, rng, now, pairs)
        served = build_anchors(world, rng)
        plaques = build_plaques(world)
        evaluations = build_evaluations(world, rng, now)
    return {"dual_members": len(reports), "dual_units": len(pairs), "projects": projects, "served_households": served,
            "plaques": plaques, **evaluations}
