"""The 爱心超市 through its services: catalogue, redemption at the counter,
cancellation — each refusal clear and leaving everything as it was."""

import pytest

from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from people.models import Person
from points import selectors, services
from points.models import PointsAccount, PointsEntry, Redemption, Reward
from testing.world import build_world

from .factories import RewardFactory, fund, resident_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def staff(world):
    return world.users["community_staff"]


@pytest.fixture
def person(world):
    user = resident_of(world.communities[0], name="张桂兰", phone="13947300001")
    fund(user, 100, community=world.communities[0])
    return user


@pytest.fixture
def rice(world):
    return RewardFactory(community=world.communities[0], name="大米5斤", points=30, stock=3)


def snapshot():
    return (list(PointsEntry.objects.order_by("id").values_list("id", "amount")),
            list(Reward.objects.order_by("id").values_list("id", "stock", "is_active")),
            list(Redemption.objects.order_by("id").values_list("id", "status")),
            dict(PointsAccount.objects.values_list("user_id", "balance")))


def test_redeeming_hands_over_items_and_debits_points(staff, person, rice):
    redemption = services.redeem(actor=staff, user=person, reward=rice, quantity=2)
    rice.refresh_from_db()
    assert (redemption.points, redemption.quantity, rice.stock) == (60, 2, 1)
    assert selectors.balance(person) == 40
    assert (redemption.entry.amount, redemption.entry.source, redemption.entry.community_id) == (
        -60, "redemption", rice.community_id)
    assert AuditLog.objects.filter(action="points.redeem", actor=staff).count() == 1


@pytest.mark.parametrize("quantity, code", [
    (0, "bad_quantity"), (-1, "bad_quantity"), (21, "bad_quantity"), ("two", "bad_quantity"), (1.5, "bad_quantity"),
    (4, "out_of_stock"),
])
def test_bad_quantities_and_short_stock_are_refused(staff, person, rice, quantity, code):
    before = snapshot()
    with pytest.raises(ValidationFailed) as info:
        services.redeem(actor=staff, user=person, reward=rice, quantity=quantity)
    assert info.value.code == code and info.value.message
    assert snapshot() == before


def test_not_enough_points_is_refused_with_the_balance(staff, person, world):
    tv = RewardFactory(community=world.communities[0], name="体检券", points=101, stock=5)
    before = snapshot()
    with pytest.raises(ValidationFailed) as info:
        services.redeem(actor=staff, user=person, reward=tv)
    assert info.value.code == "insufficient_points" and "100" in info.value.message
    assert snapshot() == before


def test_a_withdrawn_item_is_not_redeemed(staff, person, rice):
    services.reward_set_active(actor=staff, reward=rice, is_active=False)
    with pytest.raises(ValidationFailed) as info:
        services.redeem(actor=staff, user=person, reward=rice)
    assert info.value.code == "reward_inactive"
    assert selectors.balance(person) == 100


def test_staff_of_another_community_cannot_redeem_here(world, person, rice):
    with pytest.raises(NotAllowed):
        services.redeem(actor=world.users["community_staff_other"], user=person, reward=rice)
    with pytest.raises(NotAllowed):
        services.redeem(actor=world.users["resident"], user=person, reward=rice)
    assert selectors.balance(person) == 100 and Reward.objects.get(pk=rice.pk).stock == 3


def test_a_person_of_another_community_is_not_served(world, staff, rice):
    stranger = resident_of(world.communities[1])
    fund(stranger, 100)
    with pytest.raises(NotAllowed):
        services.redeem(actor=staff, user=stranger, reward=rice)


def test_unknown_item_or_person(staff, person):
    with pytest.raises(NotFound):
        services.redeem(actor=staff, user=person, reward=999999)
    with pytest.raises(ValidationFailed):
        services.redeem(actor=staff, user=person, reward="")
    with pytest.raises(NotFound):
        services.redeem(actor=staff, user=999999, reward=1)


def test_cancelling_returns_points_and_stock_once(staff, person, rice):
    redemption = services.redeem(actor=staff, user=person, reward=rice, quantity=2)
    with pytest.raises(ValidationFailed):
        services.redemption_cancel(actor=staff, redemption=redemption, reason="")
    cancelled = services.redemption_cancel(actor=staff, redemption=redemption, reason="物品退回")
    rice.refresh_from_db()
    assert (cancelled.status, cancelled.cancel_reason, rice.stock) == ("cancelled", "物品退回", 3)
    assert selectors.balance(person) == 100
    reversal = PointsEntry.objects.get(reverses=redemption.entry)
    assert reversal.amount == 60
    with pytest.raises(Conflict) as info:
        services.redemption_cancel(actor=staff, redemption=redemption, reason="再退")
    assert info.value.code == "already_cancelled"
    assert Reward.objects.get(pk=rice.pk).stock == 3 and selectors.balance(person) == 100


def test_only_staff_of_the_counter_cancel(world, staff, person, rice):
    redemption = services.redeem(actor=staff, user=person, reward=rice)
    with pytest.raises(NotAllowed):
        services.redemption_cancel(actor=world.users["community_staff_other"], redemption=redemption, reason="退")
    assert Redemption.objects.get(pk=redemption.pk).status == "done"


# ---------------------------------------------------------------- catalogue

def test_staff_keep_their_catalogue(world, staff):
    oil = services.reward_save(actor=staff, community=world.communities[0], name=" 食用油 ", points="80", stock="5",
                               description="5L")
    assert (oil.name, oil.points, oil.stock, oil.is_active) == ("食用油", 80, 5, True)
    oil = services.reward_save(actor=staff, reward=oil, name="食用油5L", points=90, stock=999)
    assert (oil.name, oil.points, oil.stock) == ("食用油5L", 90, 5)  # stock changes only by restock
    oil = services.reward_restock(actor=staff, reward=oil, delta=10, note="爱心企业捐赠")
    oil = services.reward_restock(actor=staff, reward=oil, delta=-2, note="包装破损")
    assert oil.stock == 13
    assert list(AuditLog.objects.filter(object_type="points.reward").order_by("id").values_list("action", flat=True)) == [
        "points.reward_create", "points.reward_edit", "points.restock", "points.write_off"]


@pytest.mark.parametrize("kwargs, code", [
    ({"name": "", "points": 10}, "required"),
    ({"name": "<b>油</b>", "points": 10}, "markup"),
    ({"name": "油", "points": 0}, "bad_points"),
    ({"name": "油", "points": "abc"}, "bad_points"),
    ({"name": "油", "points": 10, "stock": -1}, "bad_stock"),
    ({"name": "油", "points": 10, "stock": "many"}, "bad_stock"),
])
def test_bad_catalogue_input_is_refused(world, staff, kwargs, code):
    with pytest.raises(ValidationFailed) as info:
        services.reward_save(actor=staff, community=world.communities[0], **kwargs)
    assert info.value.code == code
    assert not Reward.objects.exists()


def test_writing_off_more_than_the_shelf_holds_is_refused(staff, rice):
    for delta in (-4, 0, "x", 100_000):
        with pytest.raises(ValidationFailed):
            services.reward_restock(actor=staff, reward=rice, delta=delta)
    assert Reward.objects.get(pk=rice.pk).stock == 3


def test_another_communitys_catalogue_is_not_theirs(world, rice):
    other = world.users["community_staff_other"]
    with pytest.raises(NotAllowed):
        services.reward_save(actor=other, community=world.communities[0], name="油", points=10)
    with pytest.raises(NotAllowed):
        services.reward_save(actor=other, reward=rice, name="改名", points=1)
    with pytest.raises(NotAllowed):
        services.reward_restock(actor=other, reward=rice, delta=5)
    with pytest.raises(NotAllowed):
        services.reward_set_active(actor=other, reward=rice, is_active=False)
    rice.refresh_from_db()
    assert (rice.name, rice.points, rice.stock, rice.is_active) == ("大米5斤", 30, 3, True)


# ---------------------------------------------------------------- finding a person

def test_finding_by_name_stays_within_the_communities(world, staff, person):
    resident_of(world.communities[1], name="张桂芳")
    found = services.person_search(actor=staff, query="张桂")
    assert [u.pk for u in found] == [person.pk]
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).exists()


def test_finding_by_phone_is_exact_and_audited(staff, person):
    assert [u.pk for u in services.person_search(actor=staff, query="139 4730 0001")] == [person.pk]
    assert services.person_search(actor=staff, query="13947300002") == []
    logs = AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, actor=staff).order_by("id")
    assert logs.count() == 2
    assert logs[0].after == {"users": [person.pk]} and "13947300001" not in str(logs[0].__dict__)


def test_a_partial_phone_is_refused_and_residents_cannot_search(world, staff, person):
    with pytest.raises(ValidationFailed):
        services.person_search(actor=staff, query="0001")
    with pytest.raises(NotAllowed):
        services.person_search(actor=world.users["resident"], query="张")
    assert Person.objects.filter(name="张桂兰").exists()
