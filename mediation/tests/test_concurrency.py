"""Two people acting on one dispute at once: exactly one wins."""

import pytest

from core.errors import LinliError
from mediation import services
from mediation.models import Dispute, DisputeEvent, Mediator
from testing.concurrency import needs_real_locks, race
from testing.world import build_world

from .factories import NEIGHBOURS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_accepting_at_once_one_wins():
    needs_real_locks()
    world = build_world()
    d = services.dispute_record(actor=world.users["grid_worker"], title="漏水", description="楼上漏水到楼下。",
                                dispute_type="neighbour", source="grid", parties=NEIGHBOURS, grid=world.grids[0])
    calls = [lambda u=u, n=n: services.dispute_transition(dispute=d.pk, action="accept", actor=world.users[u],
                                                          mediator_name=n)
             for u, n in (("community_staff", "甲调解员"), ("grid_worker", "乙调解员"), ("street_staff", "丙调解员"))]
    results = race(*calls)
    winners = [r for r, e in results if e is None]
    losers = [e for r, e in results if e is not None]
    assert len(winners) == 1 and len(losers) == 2
    assert all(isinstance(e, LinliError) and e.status == 409 for e in losers), losers
    fresh = Dispute.objects.get(pk=d.pk)
    assert (fresh.status, fresh.version) == ("accepted", 2)
    assert Mediator.objects.filter(dispute=d).count() == 1
    assert DisputeEvent.objects.filter(dispute=d, action="accept").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_follow_up_and_a_withdrawal_race_one_wins():
    needs_real_locks()
    world = build_world()
    staff = world.users["community_staff"]
    d = services.dispute_record(actor=world.users["grid_worker"], title="漏水", description="楼上漏水到楼下。",
                                dispute_type="neighbour", source="grid", parties=NEIGHBOURS, grid=world.grids[0])
    services.dispute_transition(dispute=d, action="accept", actor=staff, mediator_name="张")
    results = race(lambda: services.dispute_transition(dispute=d.pk, action="start", actor=staff, expected_version=2),
                   lambda: services.dispute_transition(dispute=d.pk, action="withdraw", actor=staff, note="和解",
                                                       expected_version=2))
    assert sum(1 for r, e in results if e is None) == 1
    assert Dispute.objects.get(pk=d.pk).version == 3
