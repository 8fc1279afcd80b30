"""Demo data of the points app: a 爱心超市 in every community, a few rules,
and redemptions, a cancellation and adjustments for people who have earned
points by the time this runs (after orders and activities credited theirs).
Everything goes through the services, with past timestamps."""

import datetime as dt
import random

from accounts.selectors import home_community
from core.errors import LinliError
from points import selectors, services
from points.models import PointsEntry, PointsRule
from regions.models import Region

# name, points, stock, description
CATALOGUE = [
    ("抽纸(一提)", 20, 80, "三层原木抽纸 6 包"),
    ("毛巾", 30, 40, "纯棉毛巾"),
    ("酱油", 40, 25, "1.9L 生抽"),
    ("理发券", 50, 40, "社区便民理发点使用，限本人"),
    ("洗衣液", 60, 30, "2kg 装"),
    ("大米5斤", 100, 20, "东北大米"),
    ("食用油", 150, 15, "5L 花生油"),
    ("体检券", 300, 5, "社区卫生服务站基础体检一次"),
]
WITHDRAWN = ("中秋月饼", 80, 0, "节日限定，已兑完")


def _when(rng: random.Random, user, now: dt.datetime) -> dt.datetime:
    """A moment after the person's latest entry, so their ledger reads in order."""
    last = PointsEntry.objects.filter(account__user=user).order_by("-created_at").values_list("created_at", flat=True).first()
    start = max(last or now - dt.timedelta(days=30), now - dt.timedelta(days=30))
    if start >= now:
        return start + dt.timedelta(seconds=1)
    return start + (now - start) * rng.uniform(0.1, 0.9)


def load(world, rng: random.Random, now: dt.datetime) -> dict[str, int]:
    tally = {"rewards": 0, "rules": 0, "adjustments": 0, "redemptions": 0, "cancelled": 0}
    communities = list(Region.objects.filter(parent=world.street, level=Region.Level.COMMUNITY).order_by("code"))
    staff_of = world.community_staff

    # 爱心超市 catalogues, stock varying by community.
    catalogue: dict[int, list] = {}
    for community in communities:
        staff = staff_of.get(community.pk)
        if staff is None:
            continue
        items = []
        for name, points, stock, description in CATALOGUE:
            items.append(services.reward_save(actor=staff, community=community, name=name, points=points,
                                              stock=max(1, stock + rng.randint(-stock // 3, stock // 3)),
                                              description=description))
        catalogue[community.pk] = items
        tally["rewards"] += len(items)
    if communities and communities[0].pk in staff_of:
        name, points, stock, description = WITHDRAWN
        services.reward_save(actor=staff_of[communities[0].pk], community=communities[0], name=name, points=points,
                             stock=stock, description=description, is_active=False)
        tally["rewards"] += 1

    # Rules: the street sets errands; the first community values volunteer hours and wishes more.
    if world.street_staff is not None:
        services.set_rule(actor=world.street_staff, region=world.street, key=PointsRule.Key.ORDER_ERRAND, points=12)
        tally["rules"] += 1
    if communities and communities[0].pk in staff_of:
        first = staff_of[communities[0].pk]
        services.set_rule(actor=first, region=communities[0], key=PointsRule.Key.ACTIVITY_HOUR, points=20)
        services.set_rule(actor=first, region=communities[0], key=PointsRule.Key.ORDER_WISH, points=15)
        tally["rules"] += 2

    people = list(dict.fromkeys(list(world.residents) + list(world.volunteers) + list(world.members)))
    homes = {u.pk: home_community(u) for u in people}

    # Adjustments: awards for the demo resident and a few neighbours, so every counter has someone to serve.
    awards = [(world.residents[0], 120, "参加社区议事会并提出建议，表彰")] if world.residents else []
    awards += [(u, rng.choice([30, 50, 80]), rng.choice(["楼道清扫志愿服务表彰", "文明家庭评选奖励", "垃圾分类示范户奖励"]))
               for u in people[1:8]]
    for user, amount, reason in awards:
        home = homes.get(user.pk)
        if home is None or home.pk not in staff_of:
            continue
        services.adjust(actor=staff_of[home.pk], user=user, amount=amount, reason=reason, community=home,
                        now=_when(rng, user, now - dt.timedelta(days=3)))
        tally["adjustments"] += 1

    # Redemptions at the counter by people who have points, now and then one cancelled.
    served = []
    for user in people:
        home = homes.get(user.pk)
        if home is None or home.pk not in catalogue:
            continue
        balance = selectors.balance(user)
        affordable = [r for r in catalogue[home.pk] if r.points <= balance]
        if not affordable or rng.random() < 0.25:
            continue
        reward = rng.choice(affordable)
        try:
            served.append(services.redeem(actor=staff_of[home.pk], user=user, reward=reward, quantity=1,
                                          now=_when(rng, user, now)))
        except LinliError:
            continue  # sold out meanwhile: the counter simply serves the next person
        tally["redemptions"] += 1
        if tally["redemptions"] >= 15:
            break
    if len(served) > 2:
        redemption = served[1]
        home = homes[redemption.account.user_id]
        services.redemption_cancel(actor=staff_of[home.pk], redemption=redemption, reason="物品有破损，已退回",
                                   now=max(redemption.created_at, min(now, redemption.created_at + dt.timedelta(hours=2))))
        tally["cancelled"] += 1
    return tally
