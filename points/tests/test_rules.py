"""Points rules per community: own value, else the street's, else the default;
set by the community's (or street's) staff only."""

import pytest

from core.errors import NotAllowed, ValidationFailed
from core.models import AuditLog
from points import selectors, services
from points.models import PointsRule
from testing.world import build_world

pytestmark = pytest.mark.django_db

KEY = PointsRule.Key.ACTIVITY_HOUR


@pytest.fixture
def world():
    return build_world()


def test_a_community_inherits_from_its_street_then_the_default(world):
    community, street = world.communities[0], world.street
    assert services.rule_points(community, KEY) == PointsRule.DEFAULTS[KEY]
    assert selectors.effective_rule(community, KEY)["source"] == "default"

    services.set_rule(actor=world.users["street_staff"], region=street, key=KEY, points=15)
    assert services.rule_points(community, KEY) == 15
    row = selectors.effective_rule(community, KEY)
    assert (row["source"], row["source_region"], row["own"]) == ("street", street, None)

    services.set_rule(actor=world.users["community_staff"], region=community, key=KEY, points=20)
    assert services.rule_points(community, KEY) == 20
    assert services.rule_points(world.communities[1], KEY) == 15
    assert selectors.effective_rule(community, KEY)["source"] == "own"

    services.set_rule(actor=world.users["community_staff"], region=community, key=KEY, points="")
    assert services.rule_points(community, KEY) == 15
    assert services.rule_points(None, KEY) == PointsRule.DEFAULTS[KEY]


def test_zero_is_a_rule_not_a_gap(world):
    services.set_rule(actor=world.users["street_staff"], region=world.street, key=KEY, points=15)
    services.set_rule(actor=world.users["community_staff"], region=world.communities[0], key=KEY, points=0)
    assert services.rule_points(world.communities[0], KEY) == 0


@pytest.mark.parametrize("actor, region", [
    ("community_staff_other", "community0"),
    ("community_staff", "street"),
    ("grid_worker", "community0"),
    ("resident", "community0"),
    ("unit_handler", "street"),
])
def test_rules_are_set_by_the_regions_own_staff(world, actor, region):
    target = world.street if region == "street" else world.communities[0]
    with pytest.raises(NotAllowed):
        services.set_rule(actor=world.users[actor], region=target, key=KEY, points=99)
    assert not PointsRule.objects.exists()


def test_street_staff_set_rules_of_its_communities_too(world):
    services.set_rule(actor=world.users["street_staff"], region=world.communities[1], key=KEY, points=12)
    assert services.rule_points(world.communities[1], KEY) == 12


@pytest.mark.parametrize("key, points, code", [
    ("per_smile", 10, "unknown_rule"), (KEY, -1, "bad_points"), (KEY, 1001, "bad_points"), (KEY, "ten", "bad_points"),
])
def test_bad_rules_are_refused(world, key, points, code):
    with pytest.raises(ValidationFailed) as info:
        services.set_rule(actor=world.users["community_staff"], region=world.communities[0], key=key, points=points)
    assert info.value.code == code


def test_saving_several_rules_is_all_or_nothing_and_audited(world):
    staff, community = world.users["community_staff"], world.communities[0]
    with pytest.raises(ValidationFailed):
        services.rules_save(actor=staff, region=community, values={"order_wish": 15, "activity_hour": "lots"})
    assert not PointsRule.objects.exists()
    services.rules_save(actor=staff, region=community, values={"order_wish": 15, "activity_hour": 20})
    services.rules_save(actor=staff, region=community, values={"order_wish": 15, "activity_hour": 20})  # unchanged
    table = {row["key"]: row for row in selectors.rule_table(community)}
    assert (table["order_wish"]["effective"], table["activity_hour"]["effective"]) == (15, 20)
    assert table["order_service"]["source"] == "default"
    assert AuditLog.objects.filter(action="points.rule").count() == 2
