"""Two staff saving one place at once from the same version: exactly one wins, the
other gets Conflict (409) and one audit row is written. Run on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_places .venv/bin/pytest places/tests/test_concurrency.py -q
"""

import time

import pytest

from core.errors import Conflict
from core.models import AuditLog
from places import services
from places.models import Place
from testing.concurrency import needs_real_locks, race
from testing.world import build_world

from .factories import make_place


@pytest.fixture
def slow_audit(monkeypatch, transactional_db):
    """Whoever gets the lock first keeps it a moment, so the other really waits for it."""
    needs_real_locks()
    real = services.audit

    def slowed(**kwargs):
        time.sleep(0.3)
        return real(**kwargs)

    monkeypatch.setattr(services, "audit", slowed)


def test_two_edits_from_one_version_give_one_winner(slow_audit):
    world = build_world()
    place = make_place(world)
    a, b = world.users["community_staff"], world.users["street_staff"]
    results = race(lambda: services.place_update(place.pk, actor=a, expected_version=0, name="甲改的名字"),
                   lambda: services.place_update(place.pk, actor=b, expected_version=0, name="乙改的名字"))
    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert len(wins) == 1 and len(losses) == 1 and isinstance(losses[0], Conflict), results
    assert losses[0].status == 409 and losses[0].message
    place = Place.objects.get(pk=place.pk)
    assert place.version == 1 and place.name == wins[0].name
    assert AuditLog.objects.filter(action="places.update", object_id=str(place.pk)).count() == 1
