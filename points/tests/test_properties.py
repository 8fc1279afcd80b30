"""Ledger invariants under random sequences of operations (property-based).

Hypothesis drives a state machine through credits (sources repeat), staff
adjustments of either sign, reversals of random entries (reversals and
already-reversed ones included), redemptions of random quantities (more
than the stock or the balance included), cancellations, restocks and
write-offs, and withdrawing items. A plain-Python model predicts each
outcome. After every step:

* every account's balance equals the sum of its entries, is never negative,
  and matches the model and its latest entry's `balance_after`;
* each source key is booked at most once, each entry reversed at most once;
* every item's stock is never negative and equals its initial stock plus
  restocks minus the quantities of redemptions that stand;
* an operation the model expects to be refused raises a LinliError and
  changes nothing at all.

Each example runs in a transaction that is rolled back, so all start alike.
"""

import pytest
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from core.errors import LinliError
from points import services
from points.models import PointsAccount, PointsEntry, Redemption, Reward, Source
from testing.world import build_world

from .factories import RewardFactory, resident_of

PEOPLE = 3
SETTINGS = settings(max_examples=40, stateful_step_count=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def state() -> tuple:
    """Everything an operation could change."""
    return (
        list(PointsEntry.objects.order_by("id").values_list("id", "amount", "reverses_id")),
        sorted(PointsAccount.objects.values_list("user_id", "balance")),
        list(Reward.objects.order_by("id").values_list("id", "stock", "is_active", "points", "name")),
        list(Redemption.objects.order_by("id").values_list("id", "status", "entry_id")),
    )


@pytest.mark.django_db
def test_ledger_invariants_hold_under_random_operations():
    world = build_world()
    community = world.communities[0]
    staff = world.users["community_staff"]
    people = [resident_of(community) for _ in range(PEOPLE)]
    rewards = [RewardFactory(community=community, name="大米", points=30, stock=2),
               RewardFactory(community=community, name="理发券", points=7, stock=5)]
    initial_stock = {r.pk: r.stock for r in rewards}

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.balance = {u.pk: 0 for u in people}
            self.stock = dict(initial_stock)
            self.restocked = {pk: 0 for pk in initial_stock}
            self.active = {r.pk: True for r in rewards}
            self.credited: dict[str, int] = {}  # source key → user id
            self.entries: dict[int, dict] = {}  # id → user, amount, kind, source, reversed
            self.redemptions: dict[int, dict] = {}  # id → user, reward, quantity, points, entry, cancelled

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        # -------------------------------------------------------- helpers

        def attempt(self, refused: bool, call):
            """Run `call`; if the model says it must be refused, check it was and nothing changed."""
            before = state() if refused else None
            try:
                result = call()
            except LinliError as e:
                assert refused, f"refused unexpectedly: {e.code} {e.message}"
                assert e.message
                assert state() == before, "a refused operation changed something"
                return None
            assert not refused, "an operation the model refuses went through"
            return result

        def note_entry(self, entry, user_id):
            self.entries[entry.pk] = {"user": user_id, "amount": entry.amount, "kind": entry.kind,
                                      "source": entry.source, "reversed": False}

        # -------------------------------------------------------- operations

        @rule(who=st.integers(0, PEOPLE - 1), source_no=st.integers(0, 6), amount=st.integers(1, 80))
        def credit(self, who, source_no, amount):
            user = people[who]
            key = f"{Source.ORDER}:{source_no}"
            owner = self.credited.get(key)
            entry = self.attempt(owner is not None and owner != user.pk, lambda: services.credit(
                user=user, amount=amount, source=Source.ORDER, source_id=source_no, reason="工单完成",
                community=community))
            if entry is None:
                return
            if owner is None:
                self.credited[key] = user.pk
                self.balance[user.pk] += amount
                self.note_entry(entry, user.pk)
            else:
                assert entry.pk in self.entries, "a repeated source booked a new entry"

        @rule(who=st.integers(0, PEOPLE - 1), amount=st.integers(-100, 100))
        def adjust(self, who, amount):
            user = people[who]
            refused = amount == 0 or self.balance[user.pk] + amount < 0
            entry = self.attempt(refused, lambda: services.adjust(actor=staff, user=user, amount=amount,
                                                                  reason="人工调整", community=community))
            if entry is not None:
                self.balance[user.pk] += amount
                self.note_entry(entry, user.pk)

        @precondition(lambda self: self.entries)
        @rule(pick=st.integers(0, 10_000))
        def reverse(self, pick):
            entry_id = sorted(self.entries)[pick % len(self.entries)]
            original = self.entries[entry_id]
            refused = (original["kind"] == PointsEntry.Kind.REVERSAL or original["source"] == Source.REDEMPTION
                       or original["reversed"] or self.balance[original["user"]] - original["amount"] < 0)
            reversal = self.attempt(refused, lambda: services.reverse(entry=entry_id, actor=staff, reason="冲正"))
            if reversal is not None:
                original["reversed"] = True
                self.balance[original["user"]] -= original["amount"]
                self.note_entry(reversal, original["user"])

        @rule(who=st.integers(0, PEOPLE - 1), which=st.integers(0, len(rewards) - 1), quantity=st.integers(-1, 25))
        def redeem(self, who, which, quantity):
            user, reward = people[who], rewards[which]
            cost = Reward.objects.get(pk=reward.pk).points * quantity
            refused = (not 1 <= quantity <= services.MAX_QUANTITY or not self.active[reward.pk]
                       or self.stock[reward.pk] < quantity or self.balance[user.pk] < cost)
            redemption = self.attempt(refused, lambda: services.redeem(actor=staff, user=user, reward=reward.pk,
                                                                       quantity=quantity))
            if redemption is not None:
                assert redemption.points == cost
                self.balance[user.pk] -= cost
                self.stock[reward.pk] -= quantity
                self.note_entry(redemption.entry, user.pk)
                self.redemptions[redemption.pk] = {"user": user.pk, "reward": reward.pk, "quantity": quantity,
                                                   "points": cost, "entry": redemption.entry.pk, "cancelled": False}

        @precondition(lambda self: self.redemptions)
        @rule(pick=st.integers(0, 10_000))
        def cancel(self, pick):
            pk = sorted(self.redemptions)[pick % len(self.redemptions)]
            r = self.redemptions[pk]
            done = self.attempt(r["cancelled"], lambda: services.redemption_cancel(actor=staff, redemption=pk,
                                                                                  reason="退回"))
            if done is not None:
                r["cancelled"] = True
                self.balance[r["user"]] += r["points"]
                self.stock[r["reward"]] += r["quantity"]
                self.entries[r["entry"]]["reversed"] = True
                reversal = PointsEntry.objects.get(reverses_id=r["entry"])
                self.note_entry(reversal, r["user"])

        @rule(which=st.integers(0, len(rewards) - 1), delta=st.integers(-6, 6))
        def restock(self, which, delta):
            pk = rewards[which].pk
            refused = delta == 0 or self.stock[pk] + delta < 0
            if self.attempt(refused, lambda: services.reward_restock(actor=staff, reward=pk, delta=delta)) is not None:
                self.stock[pk] += delta
                self.restocked[pk] += delta

        @rule(which=st.integers(0, len(rewards) - 1))
        def toggle(self, which):
            pk = rewards[which].pk
            services.reward_set_active(actor=staff, reward=pk, is_active=not self.active[pk])
            self.active[pk] = not self.active[pk]

        # -------------------------------------------------------- invariants

        @invariant()
        def balances_are_the_sum_of_entries_and_never_negative(self):
            last = PointsEntry.objects.filter(account=OuterRef("pk")).order_by("-id").values("balance_after")[:1]
            total = (PointsEntry.objects.filter(account=OuterRef("pk")).values("account")
                     .annotate(s=Sum("amount")).values("s"))
            seen = {}
            for user_id, balance, summed, after in PointsAccount.objects.annotate(
                    summed=Subquery(total), after=Subquery(last)).values_list("user_id", "balance", "summed", "after"):
                assert balance >= 0
                assert balance == (summed or 0) == self.balance[user_id]
                assert after is None or after == balance
                seen[user_id] = balance
            assert all(seen.get(user_id, 0) == expected for user_id, expected in self.balance.items())

        @invariant()
        def sources_book_once_and_entries_reverse_once(self):
            counts = PointsEntry.objects.aggregate(
                n=Count("id"), keys=Count("source_key", distinct=True),
                reversals=Count("id", filter=Q(reverses__isnull=False)),
                reversed=Count("reverses_id", distinct=True),
                orphans=Count("id", filter=Q(kind=PointsEntry.Kind.REVERSAL, reverses__isnull=True)))
            assert counts["n"] == len(self.entries) == counts["keys"]
            assert counts["reversals"] == counts["reversed"]
            assert counts["orphans"] == 0

        @invariant()
        def stock_is_initial_plus_restocks_minus_standing_redemptions(self):
            standing = (Redemption.objects.filter(reward=OuterRef("pk"), status=Redemption.Status.DONE)
                        .values("reward").annotate(q=Sum("quantity")).values("q"))
            for pk, stock, redeemed in Reward.objects.filter(pk__in=initial_stock).annotate(
                    redeemed=Subquery(standing)).values_list("pk", "stock", "redeemed"):
                assert stock >= 0
                assert stock == initial_stock[pk] + self.restocked[pk] - (redeemed or 0) == self.stock[pk]

        @invariant()
        def each_standing_redemption_is_paid_for(self):
            reversed_ = Exists(PointsEntry.objects.filter(reverses=OuterRef("entry")))
            for status, points, amount, was_reversed in Redemption.objects.annotate(r=reversed_).values_list(
                    "status", "points", "entry__amount", "r"):
                assert amount == -points
                assert was_reversed == (status == Redemption.Status.CANCELLED)

    run_state_machine_as_test(Ledger, settings=SETTINGS)
