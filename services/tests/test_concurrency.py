"""Two people acting on one order at once: exactly one wins, the other gets
InvalidTransition or Conflict (409) with a clear message, and the timeline has
one event. The winner holds its transaction open a moment so the loser really
waits for the row lock. Run on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_services \\
        .venv/bin/python -m pytest services/tests/test_concurrency.py -q
"""

import time

import pytest

from core.errors import Conflict, InvalidTransition
from points.models import PointsEntry
from services import services
from services.models import OrderEvent, ServiceOrder
from services.workflow import Status
from testing.concurrency import needs_real_locks, race
from testing.world import build_world

from .factories import make_provider

HOLD_SECONDS = 0.3


@pytest.fixture
def slow_effects(monkeypatch, transactional_db):
    """Whoever gets in first keeps the transaction (and its lock) open a little longer."""
    from services import services as s

    def slowed(effect):
        def inner(ctx):
            time.sleep(HOLD_SECONDS)
            return effect(ctx)
        return inner

    needs_real_locks()
    monkeypatch.setattr(s, "_EFFECTS", {a: slowed(f) for a, f in s._EFFECTS.items()})


def one_winner(results, order_pk, action, version_before):
    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert len(wins) == 1, f"expected one winner, got {results}"
    assert len(losses) == 1 and isinstance(losses[0], (Conflict, InvalidTransition)), f"loser got {losses!r}"
    assert losses[0].status == 409 and losses[0].message
    assert OrderEvent.objects.filter(order_id=order_pk, action=action).count() == 1
    assert ServiceOrder.objects.get(pk=order_pk).version == version_before + 1
    return wins[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_providers_claim_one_wish_at_once(slow_effects):
    world = build_world()
    first = make_provider(username="first", area=[world.communities[0]])
    second = make_provider(username="second", area=[world.communities[0]])
    wish = services.order_submit(actor=world.users["resident"], kind="wish", content="想要一副200度的老花镜。",
                                 community=world.communities[0].code)

    results = race(*[lambda p=p: services.order_transition(wish.pk, "claim", p.user, expected_version=wish.version)
                     for p in (first, second)])

    winner = one_winner(results, wish.pk, "claim", wish.version)
    claimed = ServiceOrder.objects.get(pk=wish.pk)
    assert claimed.status == Status.ACCEPTED and claimed.provider_id == winner.provider_id
    assert OrderEvent.objects.get(order_id=wish.pk, action="claim").provider_id == claimed.provider_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_requester_and_staff_confirm_at_once_and_points_are_booked_once(slow_effects):
    world = build_world()
    helper = make_provider(username="helper", area=[world.communities[0]])
    order = services.order_submit(actor=world.users["resident"], kind="service", content="厨房水龙头一直滴水。",
                                  community=world.communities[0].code)
    order = services.order_transition(order, "dispatch", world.users["community_staff"], provider=helper)
    order = services.order_transition(order, "accept", helper.user)
    order = services.order_transition(order, "complete", helper.user, note="好了")

    results = race(
        lambda: services.order_transition(order.pk, "confirm", world.users["resident"], rating=5),
        lambda: services.order_transition(order.pk, "confirm", world.users["community_staff"], rating=4),
    )

    one_winner(results, order.pk, "confirm", order.version)
    assert PointsEntry.objects.filter(source_key=f"order:{order.pk}").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staff_dispatch_while_a_provider_claims_from_the_board(slow_effects):
    world = build_world()
    claimer = make_provider(username="claimer", area=[world.communities[0]])
    other = make_provider(username="other", area=[world.communities[0]])
    order = services.order_submit(actor=world.users["resident"], kind="service", content="厨房水龙头一直滴水。",
                                  community=world.communities[0].code)
    order = services.order_transition(order, "publish", world.users["community_staff"])

    results = race(
        lambda: services.order_transition(order.pk, "claim", claimer.user),
        lambda: services.order_transition(order.pk, "dispatch", world.users["community_staff"], provider=other),
    )

    winner = results[0][0] or results[1][0]
    assert sum(1 for _r, e in results if e is None) == 1
    final = ServiceOrder.objects.get(pk=order.pk)
    assert final.status == winner.status and final.provider_id == winner.provider_id
    assert final.version == order.version + 1
