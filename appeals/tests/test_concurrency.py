"""Two people acting on one appeal at once: exactly one wins, the other gets
Conflict or InvalidTransition with a clear message, and the timeline has one
event. Each contender runs in its own thread with its own database
connection; a barrier releases them together, and the winner holds its
transaction open a moment so the loser really has to wait for the lock (a
row lock on PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite).

The threaded tests run on PostgreSQL and on a file-backed SQLite database.
They skip on SQLite's in-memory test database: its shared cache answers a
second writer with "database table is locked" at once instead of waiting,
which says nothing about the deployed (file, WAL) set-up.
"""

import time

import pytest

from accounts.models import Role
from appeals import services
from appeals.models import Appeal, AppealEvent, Whistle
from appeals.workflow import Action, Channel, Status
from core.errors import Conflict, InvalidTransition, LinliError
from testing.concurrency import needs_real_locks, race
from testing.factories import user_with_role
from testing.world import build_world

HOLD_SECONDS = 0.3


def submit(world):
    lng, lat = world.point_in(0)
    return services.appeal_submit(actor=world.users["resident"], content="小区门口的路灯坏了一周了，晚上很黑。",
                                  category="streetlight", lng=lng, lat=lat, channel=Channel.RESIDENT)


@pytest.fixture
def slow_effects(monkeypatch, transactional_db):
    """Whoever gets in first keeps the transaction (and its lock) open a little longer."""
    from appeals import services as s

    def slowed(effect):
        def inner(**kwargs):
            time.sleep(HOLD_SECONDS)
            return effect(**kwargs)
        return inner

    needs_real_locks()
    patched = {a: slowed(f) for a, f in s._EFFECTS.items()}
    monkeypatch.setattr(s, "_EFFECTS", patched)


def one_winner(results, action, appeal_pk, version_before):
    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert len(wins) == 1, f"expected one winner, got {results}"
    assert len(losses) == 1 and isinstance(losses[0], (Conflict, InvalidTransition)), f"loser got {losses!r}"
    assert losses[0].message and losses[0].status == 409
    assert AppealEvent.objects.filter(appeal_id=appeal_pk, action=action).count() == 1
    assert Appeal.objects.get(pk=appeal_pk).version == version_before + 1
    return wins[0], losses[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_handlers_of_one_unit_claim_the_same_whistle_at_once(slow_effects):
    world = build_world()
    first, second = world.users["unit_handler"], user_with_role(Role.UNIT_HANDLER, unit=world.units[0], username="unit0b")
    appeal = submit(world)
    services.appeal_transition(appeal=appeal, action=Action.ACCEPT, actor=world.users["street_staff"])
    appeal = services.appeal_transition(appeal=appeal, action=Action.WHISTLE, actor=world.users["street_staff"],
                                        lead_unit=world.units[0].pk)

    results = race(*[lambda u=u: services.appeal_transition(appeal=appeal.pk, action=Action.CLAIM, actor=u)
                     for u in (first, second)])

    winner, _loss = one_winner(results, "claim", appeal.pk, appeal.version)
    assert winner.status == Status.CLAIMED
    claimer = AppealEvent.objects.get(appeal_id=appeal.pk, action="claim").actor_id
    whistle = Whistle.objects.get(appeal_id=appeal.pk)
    assert (whistle.state, whistle.claimed_by_id) == (Whistle.State.CLAIMED, claimer)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_grid_worker_and_community_staff_accept_the_same_appeal_at_once(slow_effects):
    world = build_world()
    appeal = submit(world)

    results = race(*[lambda u=u: services.appeal_transition(appeal=appeal.pk, action=Action.ACCEPT, actor=u)
                     for u in (world.users["grid_worker"], world.users["community_staff"])])

    one_winner(results, "accept", appeal.pk, appeal.version)
    assert Appeal.objects.get(pk=appeal.pk).status == Status.ACCEPTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_and_return_at_once_leave_one_consistent_outcome(slow_effects):
    """A claim racing a return by another handler: the whistle's state matches the appeal's."""
    world = build_world()
    second = user_with_role(Role.UNIT_HANDLER, unit=world.units[0], username="unit0b")
    appeal = submit(world)
    services.appeal_transition(appeal=appeal, action=Action.ACCEPT, actor=world.users["street_staff"])
    appeal = services.appeal_transition(appeal=appeal, action=Action.WHISTLE, actor=world.users["street_staff"],
                                        lead_unit=world.units[0].pk)

    results = race(
        lambda: services.appeal_transition(appeal=appeal.pk, action=Action.CLAIM, actor=world.users["unit_handler"]),
        lambda: services.appeal_transition(appeal=appeal.pk, action=Action.RETURN, actor=second, note="不属本单位职责"),
    )
    wins = [r for r, e in results if e is None]
    assert len(wins) >= 1
    appeal.refresh_from_db()
    whistle = Whistle.objects.get(appeal_id=appeal.pk)
    # Return is allowed after a claim, so both may succeed in order; either way they agree.
    expected = {Status.CLAIMED: Whistle.State.CLAIMED, Status.ACCEPTED: Whistle.State.RETURNED}[appeal.status]
    assert whistle.state == expected
    assert AppealEvent.objects.filter(appeal_id=appeal.pk, action__in=["claim", "return"]).count() == len(wins)
    assert appeal.version == 3 + len(wins)


@pytest.mark.django_db
def test_a_stale_screen_loses_cleanly():
    """The expected version is what the user's screen showed: acting on an old one is a Conflict."""
    world = build_world()
    appeal = submit(world)
    shown = appeal.version
    services.appeal_transition(appeal=appeal, action=Action.ACCEPT, actor=world.users["grid_worker"],
                               expected_version=shown)
    with pytest.raises(Conflict) as info:
        services.appeal_transition(appeal=appeal, action=Action.REJECT, actor=world.users["community_staff"],
                                   note="重复", expected_version=shown)
    assert info.value.status == 409 and info.value.message
    appeal.refresh_from_db()
    assert (appeal.status, appeal.version) == (Status.ACCEPTED, shown + 1)
    assert AppealEvent.objects.filter(appeal=appeal, action="reject").count() == 0
