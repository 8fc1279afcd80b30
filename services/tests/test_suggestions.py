"""Dispatch suggestions rank constructed providers as worked out by hand."""

import pytest

from services import selectors
from services.models import ServiceOrder
from testing.world import build_world

from .factories import act, ask, make_provider

pytestmark = pytest.mark.django_db

KM_PER_DEGREE_LAT = 111.195


@pytest.fixture
def world():
    return build_world()


def north(lng, lat, km):
    return lng, lat + km / KM_PER_DEGREE_LAT


def test_ranking_by_skills_distance_load_and_reliability(world):
    staff = world.users["community_staff"]
    c0 = world.communities[0]
    lng, lat = world.point_in(0)
    both = ["plumbing_electrical", "appliance_repair"]
    a = make_provider(username="a", area=[c0], skills=both, lng=lng, lat=north(lng, lat, 0.5)[1])
    b = make_provider(username="b", area=[c0], skills=["plumbing_electrical", "haircut"], lng=lng,
                      lat=north(lng, lat, 0.2)[1])
    c = make_provider(username="c", area=[c0], skills=both, lng=lng, lat=north(lng, lat, 5)[1])
    d = make_provider(username="d", area=[c0], skills=both)  # location unknown
    make_provider(username="inactive", area=[c0], skills=both, lng=lng, lat=lat, active=False)
    make_provider(username="elsewhere", area=[world.communities[1]], skills=both, lng=lng, lat=lat)
    make_provider(user=world.users["resident"], area=[c0], skills=both, lng=lng, lat=lat)  # the requester

    # c has two orders in hand; d declined three times.
    for _ in range(2):
        act(ask(world, user="resident2"), "dispatch", staff, provider=c)
    for _ in range(3):
        other = ask(world, user="resident2")
        act(other, "dispatch", staff, provider=d)
        act(other, "decline", d.user, note="没空")

    order = ask(world, skills=both, lng=lng, lat=lat)
    got = selectors.suggest_providers(order)

    # By hand: 0.40·skills + 0.25·distance + 0.15·load + 0.20·reliability
    # a: 0.40·1 + 0.25·(1/1.25) + 0.15·1 + 0.20·(2/3) = 0.8833
    # d: 0.40·1 + 0.25·0.5      + 0.15·1 + 0.20·(2/6) = 0.7417
    # b: 0.40·½ + 0.25·(1/1.1)  + 0.15·1 + 0.20·(2/3) = 0.7106
    # c: 0.40·1 + 0.25·(1/3.5)  + 0.15·⅓ + 0.20·(2/3) = 0.6548
    assert [s.provider for s in got] == [a, d, b, c]
    assert [round(s.score, 3) for s in got] == [0.883, 0.742, 0.711, 0.655]
    first = got[0]
    assert (first.skill_match, first.load, first.done, first.lapses) == (1.0, 0, 0, 0)
    assert first.distance_km == pytest.approx(0.5, abs=0.01)
    assert got[1].distance_km is None and got[1].lapses == 3
    assert got[3].load == 2
    reasons = " | ".join(first.reasons)
    assert "2/2" in reasons and "0.5" in reasons
    assert selectors.suggest_providers(order, limit=2) == got[:2]


def test_reliability_rewards_kept_orders_and_is_smoothed_for_newcomers():
    assert selectors.reliability_score(0, 0) == pytest.approx(2 / 3)
    assert 0 < selectors.reliability_score(0, 5) < selectors.reliability_score(0, 1) < selectors.reliability_score(0, 0)
    assert selectors.reliability_score(0, 0) < selectors.reliability_score(5, 0) < 1


def test_finished_orders_raise_reliability(world):
    staff, resident = world.users["community_staff"], world.users["resident"]
    c0 = world.communities[0]
    veteran = make_provider(username="veteran", area=[c0])
    newcomer = make_provider(username="newcomer", area=[c0])
    for _ in range(2):
        order = ask(world)
        act(order, "dispatch", staff, provider=veteran)
        act(order, "accept", veteran.user)
        act(order, "complete", veteran.user, note="好了")
        act(order, "confirm", resident, rating=5)
    order = ask(world)
    got = selectors.suggest_providers(order)
    assert [s.provider for s in got] == [veteran, newcomer]
    assert (got[0].done, got[0].reliability) == (2, pytest.approx(4 / 5))


def test_a_grid_provider_is_suggested_for_orders_in_its_grid(world):
    grid_only = make_provider(username="gridonly", area=[world.grids[1]])
    in_other_grid = ask(world, grid=world.grids[0].code)
    in_its_grid = ask(world, grid=world.grids[1].code)
    assert selectors.suggest_providers(in_other_grid) == []
    assert [s.provider for s in selectors.suggest_providers(in_its_grid)] == [grid_only]
    assert ServiceOrder.objects.count() == 2
