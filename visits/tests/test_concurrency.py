"""Two people acting on one record at once: exactly one wins, the other gets a
409 with a clear message. Run on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_visits .venv/bin/pytest visits/tests/test_concurrency.py -q
"""

import time

import pytest

from core.errors import Conflict, InvalidTransition
from regions.models import Household
from testing.concurrency import needs_real_locks, race
from testing.world import build_world
from visits import services
from visits.models import Event, Knock, Patrol, Visit

from .factories import building, subject

HOLD_SECONDS = 0.3


@pytest.fixture
def slow_audit(monkeypatch, transactional_db):
    """Whoever gets in first keeps its transaction (and the row lock) open a little longer."""
    from visits import services as s

    needs_real_locks()
    real = s.audit

    def slowed(**kwargs):
        time.sleep(HOLD_SECONDS)
        return real(**kwargs)

    monkeypatch.setattr(s, "audit", slowed)


def one_winner(results):
    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert len(wins) == 1, f"expected one winner, got {results}"
    assert len(losses) == 1 and isinstance(losses[0], (Conflict, InvalidTransition)), f"loser got {losses!r}"
    assert losses[0].status == 409 and losses[0].message
    return wins[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_record_the_same_household_at_once(slow_audit):
    world = build_world()
    Household.objects.create(building=building(world, 0), room="101")
    campaign = services.campaign_create(actor=world.users["community_staff"], title="敲门", starts_on="2024-04-01",
                                        ends_on="2024-04-30", grid=world.grids[0])
    services.campaign_transition(actor=world.users["community_staff"], campaign=campaign, action="start")
    knock = Knock.objects.get(campaign=campaign)
    results = race(
        lambda: services.knock_record(actor=world.users["grid_worker"], knock=knock.pk, result="met",
                                      expected_version=1),
        lambda: services.knock_record(actor=world.users["community_staff"], knock=knock.pk, result="nobody_home",
                                      expected_version=1),
    )
    winner = one_winner(results)
    knock.refresh_from_db()
    assert knock.result == winner.result and knock.attempts == 1 and knock.version == 2
    assert Event.objects.filter(machine="campaign", action="knock").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_visits_of_one_subject_from_the_same_screen(slow_audit):
    world = build_world()
    s = subject(world)
    results = race(
        lambda: services.visit_record(actor=world.users["grid_worker"], subject=s.pk, expected_version=1),
        lambda: services.visit_record(actor=world.users["community_staff"], subject=s.pk, expected_version=1),
    )
    one_winner(results)
    assert Visit.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_starting_two_patrols_at_once(slow_audit):
    world = build_world()
    lng, lat = world.point_in(0)
    results = race(
        lambda: services.patrol_start(actor=world.users["grid_worker"], lng=lng, lat=lat),
        lambda: services.patrol_start(actor=world.users["grid_worker"], lng=lng, lat=lat),
    )
    one_winner(results)
    assert Patrol.objects.count() == 1
