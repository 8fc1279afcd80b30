"""The figures other apps read from points, and the demo loader."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from demo.world import DemoWorld
from points import demo, selectors, services
from points.models import PointsEntry, Redemption, Reward, Source
from testing.world import build_world

from .factories import RewardFactory, fund, resident_of

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 5, 20, 10, 0))
DAY = dt.timedelta(days=1)


@pytest.fixture
def world():
    return build_world()


def values(result) -> dict:
    assert all(set(f) == {"key", "label", "value", "definition"} and str(f["label"]) and str(f["definition"])
               for f in result)
    return {f["key"]: f["value"] for f in result}


def test_figures_count_issued_redeemed_outstanding_and_stock(world):
    a, b = world.communities
    staff = world.users["street_staff"]
    alice, bob = resident_of(a), resident_of(b)
    old = services.credit(user=alice, amount=40, source=Source.ORDER, source_id="o1", reason="工单", community=a,
                          now=NOW - 40 * DAY)
    services.credit(user=alice, amount=100, source=Source.ACTIVITY, source_id="s1", reason="活动", community=a,
                    now=NOW - 5 * DAY)
    wrong = services.credit(user=bob, amount=30, source=Source.AWARD, source_id="w1", reason="表彰", community=b,
                            now=NOW - 4 * DAY)
    services.reverse(entry=wrong, actor=None, reason="发错了", now=NOW - 3 * DAY)
    services.adjust(actor=staff, user=bob, amount=25, reason="奖励", community=b, now=NOW - 3 * DAY)
    rice = RewardFactory(community=a, points=30, stock=5)
    soap = RewardFactory(community=b, points=10, stock=7)
    RewardFactory(community=b, points=10, stock=100, is_active=False)
    services.redeem(actor=staff, user=alice, reward=rice, quantity=2, now=NOW - 2 * DAY)
    gone = services.redeem(actor=staff, user=alice, reward=rice, quantity=1, now=NOW - 2 * DAY)
    services.redemption_cancel(actor=staff, redemption=gone, reason="退回", now=NOW - DAY)
    services.redeem(actor=staff, user=bob, reward=soap, quantity=1, now=NOW - DAY)

    month = values(selectors.figures(None, NOW - 30 * DAY, NOW))
    assert month == {"points_issued": 100 + 30 + 25, "points_redeemed": 60 + 10, "redemptions": 2,
                     "points_outstanding": 140 - 60 + 15, "rewards_in_stock": 3 + 6}
    only_a = values(selectors.figures([a.pk], None, None))
    assert only_a == {"points_issued": 140, "points_redeemed": 60, "redemptions": 1,
                      "points_outstanding": 80, "rewards_in_stock": 3}
    assert values(selectors.figures([b.pk], (NOW - 30 * DAY).date(), NOW.date()))["points_issued"] == 55
    assert values(selectors.figures([], None, None))["points_issued"] == 0
    assert old.pk


def test_balance_and_entries_for_other_apps(world):
    person = resident_of(world.communities[0])
    assert selectors.balance(person) == 0 and not selectors.entries(person).exists()
    fund(person, 12)
    assert selectors.balance(person) == 12 and selectors.entries(person).count() == 1


def test_the_demo_fills_every_counter(world):
    a, b = world.communities
    residents = [resident_of(a) for _ in range(4)] + [resident_of(b) for _ in range(3)]
    volunteer = resident_of(a)
    fund(volunteer, 400, community=a)
    demo_world = DemoWorld(street=world.street, community_staff={a.pk: world.users["community_staff"],
                                                                 b.pk: world.users["community_staff_other"]},
                           street_staff=world.users["street_staff"], residents=residents, volunteers=[volunteer])
    tally = demo.load(demo_world, random.Random(7), timezone.now())

    assert Reward.objects.filter(community=a, is_active=True).count() >= 6
    assert Reward.objects.filter(community=b).exists()
    assert services.rule_points(a, "activity_hour") == 20 and services.rule_points(a, "order_wish") == 15
    assert services.rule_points(b, "order_errand") == 12
    assert tally["redemptions"] == Redemption.objects.count() > 0
    assert PointsEntry.objects.filter(source=Source.ADJUSTMENT).exists()
    for user in residents + [volunteer]:
        entries = list(PointsEntry.objects.filter(account__user=user).order_by("created_at", "id"))
        assert selectors.balance(user) == sum(e.amount for e in entries) >= 0
        assert [e.balance_after for e in entries] == [sum(x.amount for x in entries[:i + 1]) for i in range(len(entries))]
