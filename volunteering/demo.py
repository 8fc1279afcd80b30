"""Demo volunteering: seed 003's five teams (党员服务、综治维稳、助残助老、文化宣传、
清洁家园) in the first community and a couple of seed 004's elsewhere, their
members, about thirty past and coming activities with sign-ups, QR check-ins
and check-outs, credited hours and points, and one certificate for the demo
user "volunteer".

Everything is driven through the real services with past timestamps, so the
rosters, the points ledger and the figures are exactly what use would produce.
Called by demo/world.py as `load(world, rng, now)`.
"""

import datetime as dt
import random

from django.utils import timezone

from core.errors import LinliError
from regions.models import Region

from . import services
from .models import Activity, Signup
from .tokens import make_token
from .workflow import Direction, SignupStatus, TeamKind

# (name, kind, custom kind, leader: ("members"|"volunteers", index)) for the first community (seed 003).
FIRST_TEAMS = [
    ("党员服务队", TeamKind.PARTY_SERVICE, "", ("members", 0)),
    ("综治维稳队", TeamKind.STABILITY, "", ("members", 1)),
    ("助残助老队", TeamKind.DISABILITY_ELDERLY, "", ("volunteers", 1)),
    ("文化宣传队", TeamKind.CULTURE, "", ("members", 2)),
    ("清洁家园队", TeamKind.CLEAN, "", ("volunteers", 2)),
]
# Seed 004 (劲松社区): 网格先锋队、流动哨兵队、文艺宣传队 — in the next communities.
OTHER_TEAMS = [
    ("网格先锋队", TeamKind.CUSTOM, "网格先锋", 1),
    ("流动哨兵队", TeamKind.STABILITY, "", 1),
    ("文艺宣传队", TeamKind.CULTURE, "", 2),
]

# What each kind of team does (seeds 000, 003, 004), and where.
ACTIVITIES = {
    TeamKind.PARTY_SERVICE: ["红色义诊", "公益市集进小区 志愿服务暖万家", "磨剪子戗菜刀便民服务", "党员承诺践诺 便民服务日"],
    TeamKind.STABILITY: ["周末巡防", "夜间平安巡逻", "矛盾纠纷排查走访", "反诈宣传进楼栋"],
    TeamKind.DISABILITY_ELDERLY: ["空巢老人陪伴", "爱心理发", "助老送餐上门", "残疾人家庭入户帮扶"],
    TeamKind.CULTURE: ["政策宣传进小区", "广场文艺汇演", "垃圾分类知识宣讲", "“您说我听”居民说事会"],
    TeamKind.CLEAN: ["楼道杂物清理", "绿化带捡拾垃圾", "背街小巷卫生整治", "每日打扫 小区公共区域"],
    TeamKind.CUSTOM: ["网格安全隐患排查", "楼栋消防通道清理"],
}
ABOUT = {
    TeamKind.PARTY_SERVICE: "党员亮身份、践承诺，红色义诊、便民服务，把党的温暖送到每家每户。",
    TeamKind.STABILITY: "周末巡防、夜间巡逻、矛盾纠纷排查，守护小区平安。",
    TeamKind.DISABILITY_ELDERLY: "陪伴空巢老人，为老人和残疾人送餐、理发、入户帮扶。",
    TeamKind.CULTURE: "政策宣传快嘴、文艺汇演、“您说我听”，把政策讲到居民心里。",
    TeamKind.CLEAN: "每日打扫、楼道清理、绿化美化，共建清洁家园。",
    TeamKind.CUSTOM: "网格里的先锋力量，第一时间发现身边的安全隐患和服务缺口。",
}
PLACES = ["社区党群服务中心", "工行南小区北门", "社区广场", "爱心驿站", "三金B区活动室", "亿信国际小区东门"]


def _team_user(world, ref):
    group, index = ref
    people = getattr(world, group)
    return people[index % len(people)] if people else None


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load(world, rng: random.Random, now: dt.datetime) -> dict[str, int]:
    """Build the demo's teams, activities and hours. Returns a tally for the demo's summary."""
    communities = list(Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"))
    if not communities:
        return {}
    first = communities[0]
    staff = world.community_staff
    founded = now - dt.timedelta(days=120)
    teams = []

    for name, kind, custom, leader_ref in FIRST_TEAMS:
        leader = _team_user(world, leader_ref)
        teams.append(services.team_create(actor=staff[first.pk], community=first, name=name, kind=kind,
                                          custom_kind=custom, leader=leader.pk if leader else None, now=founded,
                                          description=ABOUT[kind]))
    for k, (name, kind, custom, index) in enumerate(OTHER_TEAMS if len(communities) > 1 else []):
        community = communities[1 + (index - 1) % (len(communities) - 1)]
        locals_ = [m for m in world.members if _lives_in(m, community)] or world.members[6:] or world.members
        leader = locals_[k % len(locals_)] if locals_ else None
        teams.append(services.team_create(actor=staff[community.pk], community=community, name=name, kind=kind,
                                          custom_kind=custom, leader=leader.pk if leader else None, now=founded,
                                          description=ABOUT[kind]))

    # Members: the first community's volunteers and party members, and some residents, spread over its teams.
    joiners = world.volunteers[:6] + world.members[:6] + world.residents[:8]
    members_of = {t.pk: {t.leader_id} for t in teams}
    for i, person in enumerate(joiners):
        for team in rng.sample(teams[:5], k=2 if i % 3 else 3):
            if person.pk in members_of[team.pk]:
                continue
            t = founded + dt.timedelta(days=rng.uniform(1, 30))
            request = services.team_join(actor=person, team=team, now=t)
            decider = team.leader or staff[team.community_id]
            if i % 7 == 6:
                continue  # still waiting for the leader: shows on the workbench
            services.membership_act(actor=decider, membership=request, action="approve", now=t + dt.timedelta(hours=5))
            members_of[team.pk].add(person.pk)
    for team in teams[5:]:
        for person in [m for m in world.members + world.volunteers if _lives_in(m, team.community)][:4]:
            if person.pk in members_of[team.pk]:
                continue
            t = founded + dt.timedelta(days=rng.uniform(1, 30))
            request = services.team_join(actor=person, team=team, now=t)
            services.membership_act(actor=team.leader or staff[team.community_id], membership=request,
                                    action="approve", now=t + dt.timedelta(hours=3))
            members_of[team.pk].add(person.pk)

    tally = {"teams": len(teams), "activities": 0, "signups": 0, "check_ins": 0}
    volunteer = world.volunteers[0] if world.volunteers else None
    everyone = list(world.volunteers + world.members + world.residents[:12])
    today = timezone.localdate(now)

    # About 22 past activities over the last eight weeks, and 8 in the next two weeks.
    plan = [(-rng.randint(2, 56), i) for i in range(22)] + [(rng.randint(1, 14), 22 + i) for i in range(8)]
    for offset, i in sorted(plan):
        team = teams[i % 5] if i % 6 else teams[5 + (i // 6) % (len(teams) - 5)]
        day = today + dt.timedelta(days=offset)
        hour = rng.choice([8, 9, 9, 14, 15, 19]) if team.kind != TeamKind.STABILITY else rng.choice([19, 20, 9])
        length = rng.choice([1.5, 2, 2, 3])
        starts = _at(day, hour, rng.choice([0, 30]))
        ends = starts + dt.timedelta(hours=length)
        published = min(starts - dt.timedelta(days=rng.randint(3, 8)), now - dt.timedelta(hours=1))
        organiser = team.leader or staff[team.community_id]
        title = rng.choice(ACTIVITIES.get(team.kind, ACTIVITIES[TeamKind.CUSTOM]))
        capacity = rng.choice([4, 6, 8, 10, 15])
        activity = services.activity_publish(
            actor=organiser, team=team, title=title, place=rng.choice(PLACES), starts_at=starts, ends_at=ends,
            capacity=capacity, max_hours=str(min(length, rng.choice([length, 2]))),
            description=f"{team.name}组织：{title}。请穿志愿者马甲，提前十分钟到场扫码签到。", now=published)
        tally["activities"] += 1

        pool = [u for u in everyone if u.pk in members_of[team.pk] or rng.random() < 0.25]
        if volunteer is not None and team.community_id == first.pk and volunteer not in pool and rng.random() < 0.6:
            pool.append(volunteer)
        rng.shuffle(pool)
        # Upcoming ones fill up: some have a waiting list.
        count = min(len(pool), rng.randint(capacity // 2, capacity + 3) if offset > 0 else capacity)
        for k, person in enumerate(pool[:count]):
            t = published + dt.timedelta(hours=1 + k * rng.uniform(0.5, 6))
            if t >= min(starts, now):
                t = published + dt.timedelta(minutes=5 + k)
            services.signup(actor=person, activity=activity, now=t)
            tally["signups"] += 1
        if offset > 0:
            if i == 29:  # one is called off
                services.activity_cancel(actor=organiser, activity=activity, reason="天气预报有大风，活动改期，另行通知。",
                                         now=now - dt.timedelta(hours=3))
            continue
        tally["check_ins"] += _run(activity, organiser, rng, now)

    # Whatever ended more than two hours ago and was not finished by hand is finished by the sweep.
    services.sweep_activities(now=now)
    if volunteer is not None:
        try:
            services.certificate_issue(actor=volunteer, now=now - dt.timedelta(days=1))
            tally["certificates"] = 1
        except LinliError:
            tally["certificates"] = 0
    return tally


def _run(activity: Activity, organiser, rng: random.Random, now: dt.datetime) -> int:
    """Attendance of a past activity: most scan the venue code in and out, a few are checked by hand,
    some forget to check out (the finish does it), one time is corrected."""
    seats = list(Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).select_related("user"))
    came = 0
    for record in seats:
        if rng.random() < 0.12:
            continue  # did not come
        arrive = activity.starts_at + dt.timedelta(minutes=rng.randint(-20, 25))
        if arrive >= now:
            continue
        if rng.random() < 0.85:
            services.scan(actor=record.user, token=make_token(activity.pk, Direction.IN, now=arrive), now=arrive)
        else:
            services.organiser_check(actor=organiser, signup=record, direction=Direction.IN, now=arrive)
        came += 1
        leave = activity.ends_at + dt.timedelta(minutes=rng.randint(-40, 15))
        if leave >= now or rng.random() < 0.1:
            continue  # forgot to scan out
        services.scan(actor=record.user, token=make_token(activity.pk, Direction.OUT, now=leave), now=leave)
    finish_at = activity.ends_at + dt.timedelta(minutes=30)
    if finish_at < now and rng.random() < 0.8:
        services.activity_finish(actor=organiser, activity=activity, now=finish_at)
        late = [s for s in seats if s.pk % 5 == 0]
        if late and rng.random() < 0.3:
            record = late[0]
            services.correct_times(actor=organiser, signup=record, checked_in_at=activity.starts_at,
                                   checked_out_at=activity.ends_at, note="手机没电未能扫码，现场签到表为准。",
                                   now=finish_at + dt.timedelta(minutes=10))
    return came


def _lives_in(user, community) -> bool:
    person = getattr(user, "person", None)
    household = getattr(person, "household", None) if person is not None else None
    return household is not None and household.building.grid.parent_id == community.pk

