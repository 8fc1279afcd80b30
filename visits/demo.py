"""Demo data for visits: people under care in each grid with a history of
visits (a few overdue, one visit opening an appeal), daily patrols with
findings (some reported as appeals) and a door-knocking drive per community,
all through the real services with past times.

Called by demo.world: `load(world, rng, now)`.
"""

import datetime as dt

from appeals.models import Category
from core.errors import LinliError
from people.models import Person

from . import services
from .models import CareTag, Knock
from .workflow import Wellbeing

GRIDS = 8              # grids that get people under care and patrols
SUBJECTS_PER_GRID = 4
PATROL_DAYS = 5

FINDINGS = ["楼道堆放纸箱，堵住消防通道", "小区门口井盖松动", "路灯不亮两盏", "垃圾桶满溢无人清理", "绿化带里有人私种蔬菜",
            "电动车在楼道里充电", "人行道地砖破损", "外墙瓷砖有脱落迹象"]
VISIT_NOTES = ["身体还好，精神不错，冰箱里有菜。", "腿脚不便，最近少下楼，陪着聊了半小时。", "血压有点高，提醒按时吃药。",
               "家里燃气灶老化，建议更换。", "子女本周来过，情况稳定。", "说晚上睡不好，楼上有点吵。"]
KNOCK_RESULTS = ["met"] * 6 + ["nobody_home"] * 2 + ["refused", "moved_out"]


def _category():
    return Category.objects.filter(is_active=True, children__isnull=True).order_by("sort", "code").first()


def load(world, rng, now) -> dict[str, int]:
    services.ensure_default_tags()
    tags = list(CareTag.objects.filter(is_active=True))
    category = _category()
    tally = {"subjects": 0, "visits": 0, "visit_appeals": 0, "patrols": 0, "findings": 0, "findings_reported": 0,
             "campaigns": 0, "knocks": 0}
    grids = sorted(world.grid_workers.items())[:GRIDS]
    for grid_id, worker in grids:
        people = list(Person.objects.filter(household__building__grid_id=grid_id, care_subject__isnull=True)
                      .order_by("id")[:40])
        rng.shuffle(people)
        for person in people[:SUBJECTS_PER_GRID]:
            chosen = rng.sample(tags, k=rng.choice([1, 1, 2]))
            start = now - dt.timedelta(days=rng.randint(60, 120))
            try:
                subject = services.subject_save(actor=worker, person=person, tags=[t.code for t in chosen],
                                                started_on=start.date(), now=start)
            except LinliError:
                continue
            tally["subjects"] += 1
            when = start + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 6))
            while when < now - dt.timedelta(days=2):
                if rng.random() < 0.15:   # sometimes the grid worker falls behind
                    break
                opens_appeal = category is not None and tally["visit_appeals"] < 3 and rng.random() < 0.08
                note = rng.choice(VISIT_NOTES)
                try:
                    visit = services.visit_record(
                        actor=worker, subject=subject, visited_at=when, now=when, findings=note,
                        mode=rng.choice(["home", "home", "home", "phone"]),
                        flags=[rng.choice(Wellbeing.values)] if rng.random() < 0.25 else [],
                        appeal={"category": category.code} if opens_appeal else None)
                except LinliError:
                    break
                tally["visits"] += 1
                tally["visit_appeals"] += bool(visit.appeal_id)
                subject.refresh_from_db()
                if subject.next_due is None:
                    break
                due = dt.datetime.combine(subject.next_due, when.timetz())
                when = due + dt.timedelta(days=rng.randint(-2, 3), hours=rng.randint(-2, 2))
        _patrols(world, rng, now, grid_id, worker, category, tally)
    services.sweep(now=now)
    _campaigns(world, rng, now, tally)
    return tally


def _patrols(world, rng, now, grid_id, worker, category, tally):
    from regions.models import Region

    grid = Region.objects.get(pk=grid_id)
    for days_ago in range(PATROL_DAYS, 0, -1):
        day = now - dt.timedelta(days=days_ago)
        started = day.replace(hour=9, minute=rng.randint(0, 40), second=0, microsecond=0)
        lng, lat = grid.centroid_lng, grid.centroid_lat
        try:
            patrol = services.patrol_start(actor=worker, grid=grid, lng=lng, lat=lat, now=started)
        except LinliError:
            continue
        tally["patrols"] += 1
        for i in range(rng.randint(0, 2)):
            at = started + dt.timedelta(minutes=20 * (i + 1))
            try:
                finding = services.finding_add(actor=worker, patrol=patrol, note=rng.choice(FINDINGS), lng=lng,
                                               lat=lat, now=at)
            except LinliError:
                continue
            tally["findings"] += 1
            if category is not None and rng.random() < 0.5:
                try:
                    services.finding_report(actor=worker, finding=finding, category=category, now=at)
                    tally["findings_reported"] += 1
                except LinliError:
                    pass
        services.patrol_end(actor=worker, patrol=patrol, lng=lng, lat=lat, now=started + dt.timedelta(hours=2))


def _campaigns(world, rng, now, tally):
    for community_id, staff in sorted(world.community_staff.items())[:2]:
        try:
            campaign = services.campaign_create(
                actor=staff, title="敲门行动·入户走访", description="逐户了解家庭情况，登记困难和诉求。",
                community=community_id, target="all", starts_on=(now - dt.timedelta(days=10)).date(),
                ends_on=(now + dt.timedelta(days=20)).date(), now=now - dt.timedelta(days=11))
            services.campaign_transition(actor=staff, campaign=campaign, action="start", now=now - dt.timedelta(days=10))
        except LinliError:
            continue
        tally["campaigns"] += 1
        knocks = list(Knock.objects.filter(campaign=campaign).select_related("household__building__grid")[:120])
        for knock in knocks:
            if rng.random() < 0.4:
                continue
            knocker = world.grid_workers.get(knock.household.building.grid_id) or staff
            try:
                services.knock_record(actor=knocker, knock=knock, result=rng.choice(KNOCK_RESULTS),
                                      expected_version=knock.version,
                                      now=now - dt.timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8)))
                tally["knocks"] += 1
            except LinliError:
                continue
