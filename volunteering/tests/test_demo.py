"""The demo's volunteering, on the small test street: teams, activities in
every state, hours and a certificate, all through the services."""

import datetime as dt
import random

import pytest

from demo.world import DemoWorld
from points.models import PointsEntry
from testing.world import build_world
from volunteering import demo, selectors
from volunteering.models import Activity, HoursCertificate, Signup, VolunteerTeam
from volunteering.workflow import ActivityStatus, SignupStatus

from .factories import at, volunteer

pytestmark = pytest.mark.django_db


def test_the_demo_builds_teams_activities_hours_and_a_certificate():
    world = build_world()
    demo_world = DemoWorld(street=world.street)
    demo_world.community_staff = {world.communities[0].pk: world.users["community_staff"],
                                  world.communities[1].pk: world.users["community_staff_other"]}
    demo_world.volunteers = [volunteer("赵雪梅", username="volunteer")] + [
        volunteer(f"志愿者{i}", username=f"vol{i:02d}") for i in range(2, 8)]
    demo_world.members = [volunteer(f"党员{i}", username=f"member{i:02d}") for i in range(1, 9)]
    demo_world.residents = [world.users["resident"], world.users["resident2"]]
    now = at(2026, 5, 20, 10)

    tally = demo.load(demo_world, random.Random(7), now)

    assert VolunteerTeam.objects.filter(community=world.communities[0]).count() == 5
    assert VolunteerTeam.objects.filter(community=world.communities[1]).count() == 3
    assert set(VolunteerTeam.objects.values_list("kind", flat=True)) >= {
        "party_service", "stability", "disability_elderly", "culture", "clean"}
    assert tally["activities"] == Activity.objects.count() == 30
    statuses = set(Activity.objects.values_list("status", flat=True))
    assert statuses == {ActivityStatus.PUBLISHED, ActivityStatus.FINISHED, ActivityStatus.CANCELLED}
    assert not Activity.objects.filter(status=ActivityStatus.PUBLISHED, ends_at__lt=now - dt.timedelta(hours=2)).exists()
    assert Signup.objects.filter(checked_in_at__isnull=False, check_in_method="qr").exists()
    assert Signup.objects.filter(status=SignupStatus.CONFIRMED, hours__gt=0).count() > 20
    assert PointsEntry.objects.filter(source="activity").exists()
    hero = demo_world.volunteers[0]
    assert selectors.total_hours(hero) > 0
    assert HoursCertificate.objects.filter(user=hero).count() == 1
