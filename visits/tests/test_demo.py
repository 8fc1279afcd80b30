"""The demo loader goes through the real services and is deterministic for the rng."""

import random
from types import SimpleNamespace

import pytest

from appeals.models import Appeal
from regions.models import Household
from testing.world import build_world
from visits import demo
from visits.models import CareSubject, Knock, Patrol, Visit

from .factories import at, building, person

pytestmark = pytest.mark.django_db


def test_the_demo_loader(django_capture_on_commit_callbacks):
    world = build_world()
    for g in (0, 1):
        b = building(world, g)
        for i in range(6):
            hh = Household.objects.create(building=b, room=f"{i + 1}01")
            person(world, g, name=f"居民{g}{i}", phone=f"1390000{g}{i:03d}", hh=hh)
    demo_world = SimpleNamespace(
        street=world.street,
        grid_workers={world.grids[0].pk: world.users["grid_worker"]},
        community_staff={world.communities[0].pk: world.users["community_staff"]},
    )
    tally = demo.load(demo_world, random.Random(8), at(2026, 6, 1, 12))
    assert tally["subjects"] == CareSubject.objects.count() == 4
    assert tally["visits"] == Visit.objects.count() > 4
    assert tally["patrols"] == Patrol.objects.count() == 5
    assert Patrol.objects.filter(status="open").count() == 0
    assert tally["findings_reported"] == Appeal.objects.filter(channel="patrol").count()
    assert tally["campaigns"] == 1 and tally["knocks"] == Knock.objects.exclude(result="").count() > 0
    assert all(isinstance(v, int) for v in tally.values())
