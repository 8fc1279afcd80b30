"""Duplicates and support over /api/v1/intelligence/."""

import pytest

from appeals.tests.test_api import Api
from testing.loop import act, report
from testing.world import build_world

from .test_dup_support import lives_in
from .test_duplicates import LAMP, LAMP_AGAIN

pytestmark = pytest.mark.django_db


def test_staff_list_duplicates_and_residents_support_once_over_the_api(client):
    world = build_world()
    lives_in(world, world.users["resident2"], 0)
    first = report(world, grid=0, **LAMP)
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN)

    listed = Api(client, world.users["grid_worker"]).get(f"/intelligence/appeals/{second.pk}/duplicates")
    assert listed.status_code == 200
    assert [d["number"] for d in listed.json()] == [first.number] and listed.json()[0]["same_grid"] is True
    hidden = Api(client, world.users["grid_worker_other"]).get(f"/intelligence/appeals/{second.pk}/duplicates")
    assert hidden.status_code == 404

    neighbour = Api(client, world.users["resident2"])
    once = neighbour.post(f"/intelligence/appeals/{first.pk}/support")
    twice = neighbour.post(f"/intelligence/appeals/{first.pk}/support")
    assert once.json() == {"appeal_id": first.pk, "supported": True, "supporters": 1}
    assert twice.json() == {"appeal_id": first.pk, "supported": False, "supporters": 1}

    act(first, "reject", world.users["grid_worker"], note="不属于受理范围")
    finished = neighbour.post(f"/intelligence/appeals/{first.pk}/support")
    assert finished.status_code == 409 and finished.json()["code"] == "invalid_transition"
    unseen = Api(client, world.users["unit_handler"]).post(f"/intelligence/appeals/{second.pk}/support")
    assert unseen.status_code == 404  # not whistled to this unit: not theirs to see
