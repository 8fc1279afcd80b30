"""Demo data for deliberation: in each community with residents, matters
raised by residents and driven through the real services with past
timestamps — small ones done by their 包联 party member and rated, big ones
through a weekly 红色议事日 with votes, tasks (one whistled to a unit through
the appeal loop and answered), party members' checks and residents' ratings;
some left mid-way so every queue of the workbench has something.

Called by demo.world after the appeals: `load(world, rng, now)`.
"""

import datetime as dt

from accounts.selectors import home_community
from core.errors import LinliError
from places.models import Place

from . import selectors, services
from .models import Matter
from .workflow import Status

SMALL = [
    ("楼道堆放杂物", "三单元楼道里堆了很多纸箱和旧家具，影响通行也有火灾隐患。"),
    ("垃圾桶位置不合理", "垃圾桶放在窗户底下，夏天味道很大，希望挪一挪。"),
    ("健身器材螺丝松动", "小广场的健身器材螺丝松了，老人用着不安全。"),
    ("单元门禁坏了", "二单元门禁坏了一周了，陌生人随便进出。"),
]
BIG = [
    ("小区停车难", "车位太少，晚上车都停到消防通道上，希望大家商量个办法。", "施划夜间临时停车位", "施划停车线"),
    ("老旧小区加装电梯", "五层以上住的都是老人，上下楼太难，想商量加装电梯。", "征求意见后申报加装电梯", "电梯加装可行性评估"),
    ("广场舞噪音扰民", "晚上九点以后广场舞音乐太响，影响休息。", "规定晚上八点半后降低音量", "设置噪音提示牌"),
    ("小区绿地改建", "小区空地长期荒着，希望改成小花园和儿童游乐区。", "空地改建为口袋公园", "口袋公园施工"),
]


def _at(base, days, hours=10):
    return base + dt.timedelta(days=days, hours=hours)


def load(world, rng, now) -> dict[str, int]:
    tally = {"matters": 0, "closed": 0, "meetings": 0, "tasks_whistled": 0, "checks": 0, "ratings": 0}
    handlers = {uid: user for uid, user in world.unit_handlers.items()}
    members = list(world.members)
    residents = list(world.residents) + list(world.volunteers)
    for community_id, staff in sorted(world.community_staff.items()):
        locals_ = [u for u in residents if (home_community(u) or None) and home_community(u).pk == community_id]
        if len(locals_) < 2:
            continue
        local_members = [u for u in members if selectors.is_member_for(u, community_id)]
        base = now - dt.timedelta(days=40 + rng.randrange(5))
        place = Place.objects.filter(region_id=community_id, kind=Place.Kind.DELIBERATION_HALL, is_active=True).first()
        for i, (title, content) in enumerate(SMALL[: 2 + rng.randrange(3)]):
            raiser = locals_[(i + rng.randrange(len(locals_))) % len(locals_)]
            t = _at(base, i)
            try:
                m = services.matter_raise(actor=raiser, title=title, content=content, now=t)
                tally["matters"] += 1
                if i == 0:
                    continue  # one waits to be sorted
                services.matter_transition(m, "sort_small", staff, now=_at(base, i + 1))
                member_user = Matter.objects.get(pk=m.pk).contact_member.person.user
                if i == 1:
                    continue
                services.matter_transition(m, "finish", member_user, note="已协调物业处理完毕", now=_at(base, i + 3))
                services.matter_transition(m, "rate", raiser, satisfaction=rng.choice(["satisfied", "basic"]),
                                           now=_at(base, i + 4))
                tally["closed"] += 1
                tally["ratings"] += 1
            except LinliError:
                continue
        meeting = None
        try:
            meeting = services.meeting_plan(actor=staff, community=community_id, starts_at=_at(base, 10, 15),
                                            place=place.pk if place else None, venue="" if place else "社区议事厅",
                                            host="社区书记", recorder="社区干事", now=_at(base, 6))
            tally["meetings"] += 1
        except LinliError:
            pass
        for i, (title, content, decision, task_title) in enumerate(BIG[: 2 + rng.randrange(3)]):
            raiser = locals_[(i * 3 + rng.randrange(len(locals_))) % len(locals_)]
            try:
                m = services.matter_raise(actor=raiser, title=title, content=content, now=_at(base, i))
                tally["matters"] += 1
                for j, supporter in enumerate(u for u in locals_ if u != raiser):
                    if j < 3:
                        services.matter_cosign(matter=m, actor=supporter, now=_at(base, i, 12 + j))
                if i == 3:
                    continue  # one waits to be sorted
                services.matter_transition(m, "sort_big", staff, now=_at(base, i + 1))
                services.matter_transition(m, "accept", staff, note="支部研究同意上会", now=_at(base, i + 2))
                if meeting is None:
                    continue
                services.agenda_add(meeting=meeting, matter=m, actor=staff, now=_at(base, 7))
            except LinliError:
                continue
        if meeting is None:
            continue
        try:
            for party, name in (("branch", "社区党委"), ("committee", "社区居委会"), ("property", "物业公司"),
                                ("owners", "业主委员会"), ("police", "社区民警"), ("resident_rep", "居民代表")):
                services.meeting_invite(meeting=meeting, actor=staff, party=party, name=name, now=_at(base, 8))
            services.meeting_transition(meeting=meeting, action="hold", actor=staff, now=_at(base, 10, 17))
            services.meeting_minutes(meeting=meeting, actor=staff, now=_at(base, 10, 18),
                                     minutes="会议围绕居民提出的议题逐项讨论，各方充分发表意见后表决。")
        except LinliError:
            continue
        units = sorted(handlers)
        for k, item in enumerate(selectors.agenda(meeting)):
            m = item.matter
            text = next((b[2] for b in BIG if b[0] == m.title), "同意")
            task_title = next((b[3] for b in BIG if b[0] == m.title), "落实决议")
            try:
                services.decision_record(meeting=meeting, matter=m, actor=staff, text=text,
                                         votes_for=8 + rng.randrange(4), votes_against=rng.randrange(2),
                                         votes_abstain=rng.randrange(3), now=_at(base, 10, 18))
                unit = units[k % len(units)] if units else None
                task = services.task_add(matter=m, actor=staff, title=task_title, owner_unit=unit,
                                         owner_user=None if unit else staff.pk, now=_at(base, 11))
                if k == 2:
                    continue  # one is still being carried out
                if k == 0 and unit and world.street_staff is not None:
                    task = services.task_whistle(task=task, actor=world.street_staff, now=_at(base, 11, 14))
                    tally["tasks_whistled"] += 1
                    from appeals import services as appeal_services

                    appeal_services.appeal_transition(appeal=task.appeal, action="claim", actor=handlers[unit],
                                                      now=_at(base, 12))
                    appeal_services.appeal_transition(appeal=task.appeal, action="answer", actor=handlers[unit],
                                                      note="已按决议落实完毕", now=_at(base, 16))
                else:
                    owner = handlers[unit] if unit else staff
                    services.task_transition(task, "progress", owner, progress=60, note="已完成大部分",
                                             now=_at(base, 13))
                    services.task_transition(task, "complete", owner, note="已完成", now=_at(base, 17))
                if not local_members:
                    continue
                services.check_record(matter=m, actor=local_members[k % len(local_members)],
                                      note="党员到现场查看，落实情况属实。", now=_at(base, 18))
                tally["checks"] += 1
                if k == 1:
                    continue  # checked, waiting for staff to open the rating
                services.matter_transition(m, "open_rating", staff, now=_at(base, 19))
                for r, rater in enumerate(locals_[:4]):
                    services.matter_rate(matter=m, actor=rater, now=_at(base, 20, 9 + r),
                                         satisfaction=rng.choice(["satisfied", "satisfied", "basic"]))
                    tally["ratings"] += 1
                services.matter_transition(m, "close_rating", staff, now=_at(base, 27))
                if Matter.objects.filter(pk=m.pk, status=Status.CLOSED).exists():
                    tally["closed"] += 1
            except LinliError:
                continue
    return tally
