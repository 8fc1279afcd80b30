"""The figures-page part and the demo loader."""

import datetime as dt
import random
from types import SimpleNamespace

import pytest

from mediation import selectors
from mediation.models import Dispute, DisputeEvent
from testing.loop import act as appeal_act
from testing.loop import report
from testing.world import build_world

from .factories import at, committed, record, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def values(community_ids=None, start=None, end=None) -> dict:
    return {f["key"]: f["value"] for f in selectors.figures(community_ids, start, end)}


def test_figures_count_each_step(world):
    t = at(2026, 3, 2)
    to_state(world, "closed", now=t)                                           # mediated, agreed, closed
    to_state(world, "referred", now=t, parties=[{"name": "甲"}, {"name": "乙"}])  # mediated, no agreement
    to_state(world, "recorded", now=t, description="扬言要报复对方", parties=[{"name": "丙"}])  # high risk
    to_state(world, "following_up", now=t, grid=2, user="community_staff_other",
             actor=world.users["grid_worker_other"], parties=[{"name": "丁"}])                                         # the other community
    fig = values(None, at(2026, 3, 1), at(2026, 4, 1))
    assert fig["received"] == 4 and fig["mediated"] == 3 and fig["agreements"] == 2
    assert fig["agreement_rate"] == round(1000 * 2 / 3) / 10  # the referred one ended without agreement
    assert (fig["high_risk"], fig["referrals"], fig["follow_ups_done"], fig["closed_in_community"]) == (1, 1, 1, 1)
    assert fig["follow_ups_overdue"] == 1  # due 2026-03-17, long past
    mine = values([world.communities[0].pk], at(2026, 3, 1), at(2026, 4, 1))
    assert mine["received"] == 3 and mine["follow_ups_overdue"] == 0
    empty = values(None, at(2020, 1, 1), at(2020, 2, 1))
    assert empty["received"] == 0 and empty["agreement_rate"] is None
    keys = [f["key"] for f in selectors.figures(None, None, None)]
    assert len(keys) == len(set(keys)) == 9
    assert all(f["label"] and f["definition"] for f in selectors.figures(None, None, None))


def test_the_figures_page_shows_mediation(client, world):
    from django.urls import reverse

    record(world)
    client.force_login(world.users["street_staff"])
    html = client.get(reverse("insights:figures")).content.decode()
    assert 'data-figure="mediation.received"' in html and 'data-figure="mediation.agreement_rate"' in html


def test_the_demo_loader_drives_disputes_through_the_real_services(world):
    now = at(2026, 6, 1, 12)
    c0, c1 = world.communities
    appeal_act(report(world, now=now - dt.timedelta(days=3)), "accept", world.users["grid_worker"],
               now=now - dt.timedelta(days=3))
    demo_world = SimpleNamespace(
        street=world.street, units={"police": world.units[0]},
        community_staff={c0.pk: world.users["community_staff"], c1.pk: world.users["community_staff_other"]},
        grid_workers={world.grids[0].pk: world.users["grid_worker"],
                      world.grids[2].pk: world.users["grid_worker_other"]},
        street_staff=world.users["street_staff"], residents=[], members=[], volunteers=[], merchants=[])
    from mediation import demo

    tally = committed(demo.load, demo_world, random.Random(7), now)
    disputes = Dispute.objects.all()
    assert tally["disputes"] == disputes.count() >= 40
    assert tally["from_appeals"] == 1 and disputes.filter(source="appeal").count() == 1
    statuses = set(disputes.values_list("status", flat=True))
    assert {"closed", "following_up", "referred", "recorded", "mediating", "withdrawn"} <= statuses
    assert disputes.filter(risk_level="high").count() == tally["high_risk"] >= 3
    assert not disputes.filter(created_at__gt=now).exists()
    assert not DisputeEvent.objects.filter(at__gt=now).exists()
    assert selectors.overdue_follow_ups(now).exists()
    fig = values(None, now - dt.timedelta(days=130), now)
    assert fig["agreement_rate"] is not None and fig["agreements"] >= 15
    for d in disputes[:15]:
        events = list(d.events.order_by("at", "id"))
        assert events[0].action == "record"
        assert events[-1].to_status == d.status or events[-1].action in ("risk", "appeal", "session", "mediator",
                                                                          "follow_up")
