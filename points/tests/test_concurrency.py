"""Counters racing each other (PostgreSQL row locks): concurrent redemptions
never overdraw stock or points, a source credits once, a redemption is
cancelled once, an entry reversed once.

Each contender runs in its own thread with its own connection; a barrier
releases them together and whoever gets the locks first holds its
transaction open a moment (a slowed audit write), so the others really wait
on the row lock instead of finishing one after another by chance. These
tests skip on SQLite's in-memory test database; run them with
DATABASE_URL=postgres://…/linli_points.
"""

import time

import pytest

from core.errors import Conflict, LinliError, ValidationFailed
from points import selectors, services
from points.models import PointsAccount, PointsEntry, Redemption, Reward, Source
from testing.concurrency import needs_real_locks, race
from testing.world import build_world

from .factories import RewardFactory, fund, resident_of

HOLD_SECONDS = 0.15

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_audit(monkeypatch, transactional_db):
    """Whoever holds the locks keeps them a little longer."""
    needs_real_locks()
    audit = services.audit

    def slowed(**kwargs):
        time.sleep(HOLD_SECONDS)
        return audit(**kwargs)

    monkeypatch.setattr(services, "audit", slowed)


@pytest.fixture
def world(slow_audit):
    return build_world()


def outcomes(results):
    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert all(isinstance(e, LinliError) and e.message for e in losses), f"unexpected errors: {losses!r}"
    return wins, losses


def test_eight_counters_and_three_items_left(world):
    community = world.communities[0]
    staff = world.users["community_staff"]
    people = [resident_of(community) for _ in range(8)]
    for person in people:
        fund(person, 100, community=community)
    rice = RewardFactory(community=community, name="大米5斤", points=30, stock=3)

    results = race(*[lambda p=p: services.redeem(actor=staff, user=p.pk, reward=rice.pk) for p in people])

    wins, losses = outcomes(results)
    assert len(wins) == 3 and len(losses) == 5
    assert all(isinstance(e, ValidationFailed) and e.code == "out_of_stock" for e in losses)
    assert Reward.objects.get(pk=rice.pk).stock == 0
    assert Redemption.objects.filter(reward=rice).count() == 3
    debits = PointsEntry.objects.filter(source=Source.REDEMPTION)
    assert debits.count() == 3 and sorted(debits.values_list("amount", flat=True)) == [-30, -30, -30]
    assert sorted(selectors.balance(p) for p in people) == [70, 70, 70] + [100] * 5


def test_six_redemptions_with_points_for_two(world):
    community = world.communities[0]
    staff, street = world.users["community_staff"], world.users["street_staff"]
    person = resident_of(community)
    fund(person, 60, community=community)
    soap = RewardFactory(community=community, name="洗衣液", points=30, stock=50)

    results = race(*[lambda s=s: services.redeem(actor=s, user=person.pk, reward=soap.pk)
                     for s in [staff, street] * 3])

    wins, losses = outcomes(results)
    assert len(wins) == 2 and len(losses) == 4
    assert all(e.code == "insufficient_points" for e in losses)
    assert selectors.balance(person) == 0
    assert Reward.objects.get(pk=soap.pk).stock == 48
    assert list(PointsEntry.objects.filter(account__user=person).order_by("id").values_list("balance_after", flat=True)) \
        == [60, 30, 0]


def test_six_different_items_with_points_for_two(world):
    """The counters contend only on the person's account, not on one item."""
    community = world.communities[0]
    staff = world.users["community_staff"]
    person = resident_of(community)
    fund(person, 60, community=community)
    items = [RewardFactory(community=community, name=f"礼品{i}", points=30, stock=5) for i in range(6)]

    results = race(*[lambda r=r: services.redeem(actor=staff, user=person.pk, reward=r.pk) for r in items])

    wins, losses = outcomes(results)
    assert len(wins) == 2 and all(e.code == "insufficient_points" for e in losses)
    account = PointsAccount.objects.get(user=person)
    assert account.balance == 0 == sum(PointsEntry.objects.filter(account=account).values_list("amount", flat=True))
    assert sum(Reward.objects.filter(pk__in=[r.pk for r in items]).values_list("stock", flat=True)) == 28


def test_the_same_source_credited_at_once_books_once(world):
    person = resident_of(world.communities[0])  # no account yet: the account is created in the race too

    results = race(*[lambda: services.credit(user=person, amount=15, source=Source.ACTIVITY, source_id="signup-9",
                                             reason="志愿服务2小时", community=world.communities[0])
                     for _ in range(4)])

    wins, losses = outcomes(results)
    assert len(wins) == 4 and not losses
    assert len({entry.pk for entry in wins}) == 1
    assert PointsEntry.objects.filter(source_key="activity:signup-9").count() == 1
    assert PointsAccount.objects.filter(user=person).count() == 1
    assert selectors.balance(person) == 15


def test_two_staff_cancel_one_redemption_at_once(world):
    community = world.communities[0]
    staff, street = world.users["community_staff"], world.users["street_staff"]
    person = resident_of(community)
    fund(person, 100, community=community)
    oil = RewardFactory(community=community, name="食用油", points=40, stock=2)
    redemption = services.redeem(actor=staff, user=person, reward=oil, quantity=2)

    results = race(*[lambda s=s: services.redemption_cancel(actor=s, redemption=redemption.pk, reason="物品退回")
                     for s in (staff, street)])

    wins, losses = outcomes(results)
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], Conflict) and losses[0].status == 409
    assert Reward.objects.get(pk=oil.pk).stock == 2
    assert selectors.balance(person) == 100
    assert PointsEntry.objects.filter(reverses=redemption.entry).count() == 1


def test_two_staff_reverse_one_entry_at_once(world):
    community = world.communities[0]
    person = resident_of(community)
    entry = fund(person, 50, community=community)

    results = race(*[lambda s=s: services.entry_reverse(actor=s, entry=entry.pk, reason="重复计分")
                     for s in (world.users["community_staff"], world.users["street_staff"])])

    wins, losses = outcomes(results)
    assert len(wins) == 1 and isinstance(losses[0], Conflict) and losses[0].code == "already_reversed"
    assert selectors.balance(person) == 0
    assert PointsEntry.objects.filter(reverses=entry).count() == 1


def test_spending_and_taking_back_the_same_points_at_once(world):
    """A redemption and a reversal of the credit that paid for it: one wins, the balance never dips below zero."""
    community = world.communities[0]
    staff = world.users["community_staff"]
    person = resident_of(community)
    entry = fund(person, 50, community=community)
    towel = RewardFactory(community=community, name="毛巾", points=40, stock=5)

    results = race(lambda: services.redeem(actor=staff, user=person.pk, reward=towel.pk),
                   lambda: services.entry_reverse(actor=world.users["street_staff"], entry=entry.pk, reason="误发"))

    wins, losses = outcomes(results)
    assert len(wins) == 1 and losses[0].code == "insufficient_points"
    account = PointsAccount.objects.get(user=person)
    assert account.balance in (0, 10)
    assert account.balance == sum(PointsEntry.objects.filter(account=account).values_list("amount", flat=True))
