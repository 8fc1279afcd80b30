"""Full-data exports read their rows in a fixed number of queries: an export of 20 rows costs
what one of 2 rows costs, the per-row reveal rule included (it reads the user's communities once)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from party import services as party_services
from party.tests.factories import resident_of
from testing.loop import at
from testing.world import build_world
from volunteering import services as vol_services
from volunteering.tests.factories import publish_now, volunteer

from .export_support import download

pytestmark = pytest.mark.django_db


def _queries(client, name: str, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        rows = download(client, name, **params)
    assert rows
    return len(ctx.captured_queries)


def _team_with(world, n: int, tag: str):
    """A team with n people: every other one a member, the rest asking to join."""
    staff = world.users["community_staff"]
    team = vol_services.team_create(actor=staff, community=world.communities[0].pk, name=f"队{tag}", kind="clean")
    for i in range(n):
        who = volunteer(f"志愿{tag}{i}", phone=f"138{tag}{i:07d}", username=f"v{tag}{i}")
        joined = vol_services.team_join(actor=who, team=team.pk)
        if i % 2:
            vol_services.membership_act(actor=staff, membership=joined.pk, action="approve")
    return team


def test_team_members_in_full_do_not_grow_with_the_rows(client):
    world = build_world()
    small, large = _team_with(world, 2, "1"), _team_with(world, 20, "2")
    client.force_login(world.users["community_staff"])
    counts = [_queries(client, "volunteering.team_members", team=t.pk, full="1") for t in (small, large)]
    assert counts[0] == counts[1]


def test_join_requests_in_full_do_not_grow_with_the_rows(client):
    world = build_world()
    client.force_login(world.users["community_staff"])
    _team_with(world, 2, "1")
    small = _queries(client, "volunteering.join_requests", full="1")
    _team_with(world, 20, "2")
    assert _queries(client, "volunteering.join_requests", full="1") == small


def _evaluation_with(world, n: int, tag: str):
    staff = world.users["community_staff"]
    evaluation = party_services.evaluation_create(
        actor=staff, community=world.communities[0].pk, title=f"评选{tag}", kind="beautiful_courtyard",
        nominate_until="2026-06-10", vote_until="2026-06-20", now=at(2026, 6, 1))
    for i in range(n):
        person = resident_of(world, 0, name=f"居民{tag}{i}").person
        party_services.nomination_create(actor=staff, evaluation=evaluation, person=person.pk, reason="热心",
                                         now=at(2026, 6, 2))
    return evaluation


def test_nominations_in_full_do_not_grow_with_the_rows(client):
    world = build_world()
    small, large = _evaluation_with(world, 2, "1"), _evaluation_with(world, 20, "2")
    client.force_login(world.users["community_staff"])
    counts = [_queries(client, "party.nominations", evaluation=e.pk, full="1") for e in (small, large)]
    assert counts[0] == counts[1]


def test_workbench_and_evaluations_do_not_grow_with_the_rows(client):
    """Masked lists that read a relation per row (team, community) read it with the rows."""
    world = build_world()
    client.force_login(world.users["community_staff"])

    def add(n: int, tag: str):
        for i in range(n):
            publish_now(world, title=f"活动{tag}{i}", start_in=dt.timedelta(days=1 + i))
            _evaluation_with(world, 1, f"{tag}-{i}")

    add(2, "1")
    small = [_queries(client, name) for name in ("volunteering.workbench", "party.evaluations")]
    add(18, "2")
    assert [_queries(client, name) for name in ("volunteering.workbench", "party.evaluations")] == small
