"""party.demo on a small stand-in for the demo world: everything it builds
goes through the services and makes the pages worth looking at."""

import random

import pytest
from django.urls import reverse
from django.utils import timezone

from demo.world import DemoWorld
from party import demo, selectors
from party.models import Award, CoBuildingProject, DualReport, Evaluation, PartyMember, Vote
from points.models import PointsEntry
from testing.world import build_world

from .factories import member_of, resident_of, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world():
    w = build_world()
    world = DemoWorld(street=w.street)
    world.units = {"enforcement": w.units[0], "water": w.units[1]}
    world.community_staff = {w.communities[0].pk: w.users["community_staff"],
                             w.communities[1].pk: w.users["community_staff_other"]}
    world.unit_handlers = {w.units[0].pk: w.users["unit_handler"], w.units[1].pk: w.users["unit_handler_other"]}
    for i in range(10):
        member = member_of(w, 0 if i < 7 else 1, employer=w.units[i % 2] if i < 8 else None, name=f"党员{i}")
        world.members.append(user_of(member))
    world.residents = [resident_of(w, 0, name=f"居民{i}") for i in range(8)]
    world.volunteers = [resident_of(w, 1, name="志愿者")]
    return w, world


def test_the_party_demo_builds_every_part(client, demo_world):
    w, world = demo_world
    now = timezone.now()
    tally = demo.load(world, random.Random(7), now)

    assert tally["dual_members"] == 8 and DualReport.objects.filter(kind="member", status="active").count() == 8
    assert DualReport.objects.filter(kind="member", status="ended").count() == 1  # the one who moved
    assert DualReport.objects.filter(kind="unit", status="active").count() >= 2
    assert CoBuildingProject.objects.count() >= 2 and CoBuildingProject.objects.exclude(progress=0).exists()
    first = PartyMember.objects.get(person=world.members[0].person)
    assert first.is_public and first.pledge and first.served_households.count() >= 3

    pioneer = Evaluation.objects.get(kind="pioneer_member")
    assert pioneer.status == "closed" and Award.objects.filter(evaluation=pioneer).count() == 2
    assert PointsEntry.objects.filter(source="award").count() == 2
    courtyard = Evaluation.objects.get(kind="beautiful_courtyard")
    assert courtyard.status == "voting" and courtyard.vote_until > now
    assert Vote.objects.filter(evaluation=courtyard).exists()
    assert not Vote.objects.filter(at__gt=now).exists()

    report = selectors.quarter_report(w.communities[0], *selectors.current_quarter(now))
    assert report.registered >= 6
    client.force_login(w.users["community_staff"])
    for name, args in (("party:dual", []), ("party:quarter", []), ("party:evaluations", []),
                       ("party:evaluation", [pioneer.pk]), ("party:evaluation", [courtyard.pk]),
                       ("party:member", [first.pk]), ("party:project", [CoBuildingProject.objects.first().pk])):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    client.logout()
    assert client.get(reverse("party:plaque", args=[first.pk])).status_code == 200
