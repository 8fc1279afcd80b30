"""The ledger's rules, through the services other apps call: append-only,
idempotent per source, corrections by reversal, never below zero."""

import pytest
from django.db import IntegrityError, transaction

from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog, Notification
from points import selectors, services
from points.models import LedgerIsAppendOnly, PointsAccount, PointsEntry, Source
from testing.world import build_world

from .factories import RewardFactory, person_without_household, resident_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def person(world):
    return resident_of(world.communities[0], name="张桂兰")


def credit(user, amount=10, source=Source.ORDER, source_id="1", **kw):
    return services.credit(user=user, amount=amount, source=source, source_id=source_id, reason="服务工单完成", **kw)


def ledger_sum(user) -> int:
    return sum(PointsEntry.objects.filter(account__user=user).values_list("amount", flat=True))


# ---------------------------------------------------------------- append-only

def test_an_entry_cannot_be_edited_or_deleted(person):
    entry = credit(person)
    entry.amount = 1000
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        PointsEntry.objects.filter(pk=entry.pk).update(amount=1000)
    with pytest.raises(LedgerIsAppendOnly):
        PointsEntry.objects.filter(pk=entry.pk).delete()
    assert PointsEntry.objects.get(pk=entry.pk).amount == 10
    assert selectors.balance(person) == 10


def test_no_service_edits_or_deletes_entries():
    """Corrections are reversals: the module offers nothing named like an edit of an entry."""
    names = [n for n in dir(services) if not n.startswith("_") and callable(getattr(services, n))]
    assert not [n for n in names if n.startswith("entry_") and n != "entry_reverse"]
    assert not [n for n in names if any(w in n for w in ("edit_entry", "delete", "update_entry", "entry_edit"))]


def test_the_database_refuses_a_negative_balance_even_past_the_services(person):
    credit(person, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(user=person).update(balance=-1)


# ---------------------------------------------------------------- credit

def test_crediting_the_same_source_twice_books_once(person):
    first = credit(person, 10, source_id="42")
    again = credit(person, 10, source_id="42")
    assert again.pk == first.pk
    assert PointsEntry.objects.filter(source_key="order:42").count() == 1
    assert selectors.balance(person) == 10 == ledger_sum(person)
    assert AuditLog.objects.filter(action="points.credit").count() == 1


def test_the_same_source_for_someone_else_is_refused(world, person):
    credit(person, 10, source_id="42")
    other = resident_of(world.communities[0])
    with pytest.raises(Conflict) as info:
        credit(other, 10, source_id="42")
    assert info.value.message and selectors.balance(other) == 0


def test_a_reversed_source_is_not_credited_again(person):
    first = credit(person, 10, source_id="7")
    services.reverse(entry=first, actor=None, reason="工单重开")
    assert credit(person, 10, source_id="7").pk == first.pk
    assert selectors.balance(person) == 0


@pytest.mark.parametrize("amount, source, source_id, code", [
    (0, Source.ORDER, "1", "bad_points"),
    (-5, Source.ORDER, "1", "bad_points"),
    ("ten", Source.ORDER, "1", "bad_points"),
    (100_001, Source.ORDER, "1", "bad_points"),
    (10, "lottery", "1", "bad_source"),
    (10, Source.REDEMPTION, "1", "bad_source"),
    (10, Source.ADJUSTMENT, "1", "bad_source"),
    (10, Source.ORDER, "", "bad_source"),
])
def test_a_bad_credit_is_refused_and_books_nothing(person, amount, source, source_id, code):
    with pytest.raises(ValidationFailed) as info:
        credit(person, amount, source=source, source_id=source_id)
    assert info.value.code == code and info.value.message
    assert not PointsEntry.objects.exists()


def test_a_credit_tells_the_person_once_committed(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credit(person, 12, source_id="9")
    assert Notification.objects.filter(recipient=person, verb="points_credit").count() == 1


# ---------------------------------------------------------------- reverse

def test_a_reversal_books_the_opposite_and_keeps_the_original(person):
    entry = credit(person, 30)
    reversal = services.reverse(entry=entry, actor=None, reason="重复计分")
    assert (reversal.amount, reversal.kind, reversal.reverses_id) == (-30, "reversal", entry.pk)
    assert PointsEntry.objects.filter(pk=entry.pk, amount=30).exists()
    assert selectors.balance(person) == 0 == ledger_sum(person)
    assert reversal.balance_after == 0


def test_an_entry_is_reversed_at_most_once(person):
    entry = credit(person, 30)
    services.reverse(entry=entry, actor=None, reason="重复计分")
    with pytest.raises(Conflict) as info:
        services.reverse(entry=entry, actor=None, reason="再冲一次")
    assert info.value.code == "already_reversed"
    assert PointsEntry.objects.filter(reverses=entry).count() == 1


def test_a_reversal_is_not_reversed(person):
    reversal = services.reverse(entry=credit(person, 30), actor=None, reason="重复计分")
    with pytest.raises(ValidationFailed) as info:
        services.reverse(entry=reversal, actor=None, reason="撤销冲正")
    assert info.value.code == "reverse_reversal"


def test_points_already_spent_cannot_be_taken_back(world, person):
    entry = credit(person, 50)
    reward = RewardFactory(community=world.communities[0], points=40)
    services.redeem(actor=world.users["community_staff"], user=person, reward=reward)
    with pytest.raises(ValidationFailed) as info:
        services.reverse(entry=entry, actor=None, reason="工单重开")
    assert info.value.code == "insufficient_points"
    assert selectors.balance(person) == 10 == ledger_sum(person)


def test_a_redemption_is_cancelled_not_reversed(world, person):
    credit(person, 50)
    reward = RewardFactory(community=world.communities[0], points=40)
    redemption = services.redeem(actor=world.users["community_staff"], user=person, reward=reward)
    with pytest.raises(ValidationFailed) as info:
        services.reverse(entry=redemption.entry, actor=None, reason="退货")
    assert info.value.code == "cancel_redemption"


def test_reversal_needs_a_reason(person):
    entry = credit(person, 30)
    with pytest.raises(ValidationFailed):
        services.reverse(entry=entry, actor=None, reason="  ")
    with pytest.raises(NotFound):
        services.reverse(entry=999999, actor=None, reason="不存在")


def test_reverse_source_is_harmless_twice_and_for_unknown_sources(person):
    credit(person, 20, source=Source.ACTIVITY, source_id="signup-3")
    assert services.reverse_source(source=Source.ACTIVITY, source_id="signup-3", actor=None, reason="签到作废") is not None
    assert services.reverse_source(source=Source.ACTIVITY, source_id="signup-3", actor=None, reason="签到作废") is None
    assert services.reverse_source(source=Source.ACTIVITY, source_id="nope", actor=None, reason="签到作废") is None
    assert selectors.balance(person) == 0


# ---------------------------------------------------------------- staff: adjust and reverse

def test_staff_grant_and_take_points_with_a_reason(world, person):
    staff = world.users["community_staff"]
    services.adjust(actor=staff, user=person, amount=25, reason="楼道清扫表彰", community=world.communities[0])
    entry = services.adjust(actor=staff, user=person, amount="-5", reason="误录扣回")
    assert (entry.kind, entry.source, entry.community_id, entry.created_by_id) == ("debit", "adjustment",
                                                                                 world.communities[0].pk, staff.pk)
    assert selectors.balance(person) == 20 == ledger_sum(person)
    assert AuditLog.objects.filter(action="points.adjust", actor=staff).count() == 2


def test_adjusting_below_zero_is_refused(world, person):
    with pytest.raises(ValidationFailed) as info:
        services.adjust(actor=world.users["community_staff"], user=person, amount=-1, reason="扣分")
    assert info.value.code == "insufficient_points" and not PointsEntry.objects.exists()


@pytest.mark.parametrize("actor", ["community_staff_other", "grid_worker", "resident", "unit_handler"])
def test_only_staff_of_the_community_adjust(world, person, actor):
    with pytest.raises(NotAllowed):
        services.adjust(actor=world.users[actor], user=person, amount=10, reason="奖励", community=world.communities[0])
    assert not PointsEntry.objects.exists()


def test_staff_cannot_book_for_a_person_outside_their_communities(world):
    stranger = resident_of(world.communities[1])
    with pytest.raises(NotAllowed):
        services.adjust(actor=world.users["community_staff"], user=stranger, amount=10, reason="奖励",
                        community=world.communities[0])


def test_street_staff_adjust_in_every_community_of_their_street(world):
    far = resident_of(world.communities[1])
    services.adjust(actor=world.users["street_staff"], user=far, amount=10, reason="奖励")
    assert selectors.balance(far) == 10


def test_a_volunteer_without_a_household_is_served_where_they_earned(world):
    volunteer = person_without_household()
    staff = world.users["community_staff"]
    with pytest.raises(NotAllowed):
        services.adjust(actor=staff, user=volunteer, amount=5, reason="奖励", community=world.communities[0])
    credit(volunteer, 10, source=Source.ACTIVITY, source_id="a1", community=world.communities[0])
    services.adjust(actor=staff, user=volunteer, amount=5, reason="奖励", community=world.communities[0])
    assert selectors.balance(volunteer) == 15


def test_staff_reverse_an_entry_booked_by_their_community(world, person):
    entry = credit(person, 10, community=world.communities[0])
    with pytest.raises((NotAllowed, NotFound)):
        services.entry_reverse(actor=world.users["community_staff_other"], entry=entry, reason="错误")
    reversal = services.entry_reverse(actor=world.users["community_staff"], entry=entry, reason="错误计分")
    assert reversal.amount == -10 and reversal.created_by_id == world.users["community_staff"].pk
    assert AuditLog.objects.filter(action="points.reverse", actor=world.users["community_staff"]).exists()


def test_balance_after_runs_with_the_ledger(world, person):
    credit(person, 10, source_id="a")
    credit(person, 5, source_id="b")
    services.adjust(actor=world.users["community_staff"], user=person, amount=-3, reason="扣回")
    afters = list(PointsEntry.objects.filter(account__user=person).order_by("id").values_list("balance_after", flat=True))
    assert afters == [10, 15, 12]
