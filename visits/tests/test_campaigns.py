"""敲门行动: a drive over a set of households, knocks with results, coverage and the revisit list."""

import pytest

from appeals.models import Appeal
from appeals.workflow import Channel
from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import Notification
from regions.models import Household
from testing.world import build_world
from visits import selectors, services
from visits.models import Campaign, Knock
from visits.workflow import CampaignStatus

from .factories import at, building, committed, person, subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    b0, b1, b2 = building(w, 0, number="1号楼"), building(w, 1, number="2号楼"), building(w, 2, number="3号楼")
    for b in (b0, b1, b2):
        for room in ("101", "102", "201"):
            Household.objects.create(building=b, room=room)
    w.buildings = [b0, b1, b2]
    return w


def plan(world, user="community_staff", **kwargs):
    params = dict(title="敲门行动·春季", starts_on="2024-04-01", ends_on="2024-04-30", now=at(2024, 3, 30))
    params.update(kwargs)
    return committed(services.campaign_create, actor=world.users[user], **params)


def run(world, campaign, user="community_staff"):
    return committed(services.campaign_transition, actor=world.users[user], campaign=campaign, action="start",
                     now=at(2024, 4, 1))


def knock(world, k, result, user="grid_worker", **kwargs):
    k.refresh_from_db()
    return committed(services.knock_record, actor=world.users[user], knock=k, result=result,
                     expected_version=k.version, now=at(2024, 4, 2), **kwargs)


def test_a_drive_over_a_community_with_coverage_and_revisits(world):
    c = plan(world)
    assert c.status == CampaignStatus.DRAFT and c.knocks.count() == 6  # grids 0 and 1 of community 1
    run(world, c)
    assert Notification.objects.filter(verb="campaign_started", recipient=world.users["grid_worker"]).exists()
    knocks = list(c.knocks.filter(household__building=world.buildings[0]))
    knock(world, knocks[0], "met", note="一切正常")
    knock(world, knocks[1], "nobody_home")
    knock(world, knocks[2], "refused")
    c = selectors.get_campaign(world.users["community_staff"], c.pk)
    assert (c.n_knocked, c.n_households, c.coverage) == (3, 6, 50.0)
    assert [k.pk for k in selectors.campaign_knocks(c, result="nobody_home")] == [knocks[1].pk]
    # the revisit finds them home
    k = knock(world, knocks[1], "met")
    assert k.attempts == 2 and k.result == "met"
    groups = selectors.knocks_by_building(c)
    # Groups follow the estates' names, which the factory numbers by a process-wide sequence.
    assert {g["building"].pk: g["done"] for g in groups} == {world.buildings[0].pk: 3, world.buildings[1].pk: 0}
    committed(services.campaign_transition, actor=world.users["community_staff"], campaign=c, action="finish",
              now=at(2024, 4, 30))
    with pytest.raises(InvalidTransition):
        knock(world, knocks[0], "met")


def test_a_grid_drive_over_tagged_households_only(world):
    p = person(world, 0, hh=Household.objects.filter(building=world.buildings[0]).first())
    subject(world, person=p)
    c = plan(world, grid=world.grids[0].code, target="tagged")
    assert c.community == world.communities[0] and list(c.knocks.values_list("household", flat=True)) == [p.household_id]


def test_only_workers_of_the_households_grid_knock(world):
    c = plan(world)
    run(world, c)
    other_grid = c.knocks.filter(household__building=world.buildings[1]).first()
    with pytest.raises(NotAllowed):
        knock(world, other_grid, "met")   # grid_worker holds grid 0, this door is in grid 1
    knock(world, other_grid, "met", user="community_staff")
    with pytest.raises(NotFound):
        knock(world, other_grid, "met", user="grid_worker_other")


def test_a_knock_can_open_an_appeal(world):
    c = plan(world)
    run(world, c)
    k = c.knocks.filter(household__building=world.buildings[0]).first()
    k = knock(world, k, "met", note="楼道堆放杂物堵住消防通道", appeal={"category": world.category.code})
    appeal = Appeal.objects.get(pk=k.appeal_id)
    assert appeal.channel == Channel.VISIT and appeal.building == world.buildings[0]
    from appeals import hooks

    assert any(x["key"] == "knock" for x in hooks.links_for(appeal, world.users["community_staff"]))


@pytest.mark.parametrize("kwargs, code", [
    ({"result": ""}, "bad_result"), ({"result": "asleep"}, "bad_result"), ({"expected_version": None}, "version_required"),
    ({"note": "<b>x</b>"}, "markup"), ({"appeal": {"category": "x"}, "note": ""}, "required"),
])
def test_bad_knocks_save_nothing(world, kwargs, code):
    c = plan(world)
    run(world, c)
    k = c.knocks.filter(household__building=world.buildings[0]).first()
    params = {"result": "met", "expected_version": k.version, **kwargs}
    with pytest.raises(ValidationFailed) as e:
        services.knock_record(actor=world.users["grid_worker"], knock=k, **params)
    assert e.value.code == code
    k.refresh_from_db()
    assert k.result == "" and k.version == 1


def test_a_stale_checklist_loses(world):
    c = plan(world)
    run(world, c)
    k = c.knocks.filter(household__building=world.buildings[0]).first()
    services.knock_record(actor=world.users["grid_worker"], knock=k, result="met", expected_version=1)
    with pytest.raises(Conflict):
        services.knock_record(actor=world.users["community_staff"], knock=k, result="refused", expected_version=1)
    k.refresh_from_db()
    assert k.result == "met" and k.knocked_by == world.users["grid_worker"]


def test_knocks_only_while_running(world):
    c = plan(world)
    k = c.knocks.first()
    with pytest.raises(InvalidTransition):
        services.knock_record(actor=world.users["community_staff"], knock=k, result="met", expected_version=1)


@pytest.mark.parametrize("kwargs, code", [
    ({"title": ""}, "required"), ({"starts_on": "2024-05-01"}, "bad_period"), ({"ends_on": "someday"}, "bad_date"),
    ({"ends_on": "2026-01-01"}, "bad_period"), ({"grid": "nope"}, "unknown_grid"), ({"target": "cats"}, "bad_target"),
    ({"target": "tagged"}, "no_households"),
])
def test_bad_drives_are_refused(world, kwargs, code):
    with pytest.raises(ValidationFailed) as e:
        plan(world, **kwargs)
    assert e.value.code == code
    assert Campaign.objects.count() == 0 and Knock.objects.count() == 0


def test_who_plans_drives(world):
    with pytest.raises(NotAllowed):
        plan(world, "grid_worker", community=world.communities[0].code)
    with pytest.raises(NotAllowed):
        plan(world, community=world.communities[1].code)
    with pytest.raises(ValidationFailed):   # street staff run two communities: say which
        plan(world, "street_staff")
    assert plan(world, "street_staff", community=world.communities[1].code).knocks.count() == 3


def test_campaign_visibility(world):
    c = plan(world, grid=world.grids[1].code)
    assert selectors.visible_campaigns(world.users["grid_worker"]).filter(pk=c.pk).exists() is False
    whole = plan(world)
    assert selectors.visible_campaigns(world.users["grid_worker"]).filter(pk=whole.pk).exists()
    assert not selectors.visible_campaigns(world.users["community_staff_other"]).filter(pk=whole.pk).exists()
