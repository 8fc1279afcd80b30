"""Who sees which appeals (`visible_appeals`), as a matrix: every role at every
scope sees exactly its own, no more, no fewer.

Appeals are spread over the four grids of the world plus a second street;
some are whistled to each unit, as lead or as helper, and carried on to an
answer or a return. The expected sets are written out by hand below.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from appeals import services
from appeals.selectors import get_appeal, visible_appeals
from appeals.workflow import Action, Channel
from core.errors import NotFound
from regions.models import Region
from testing.factories import (
    BuildingFactory,
    EstateFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
    square,
    user_with_role,
)
from testing.module_data import rolled_back
from testing.world import build_world

ALL_STREET1 = {"g0", "g1", "g2", "g3", "lead0", "lead1+helper", "answered0", "returned1", "child", "hotline",
               "building"}

# actor -> the appeals it must see
EXPECTED = {
    "resident": {"g0", "g2", "lead1+helper", "returned1"},
    "resident2": {"g1", "g3", "lead0", "answered0", "building"},
    "resident3": {"child", "g0", "street2"},            # own, plus the appeal its own was merged into
    "grid0": {"g0", "returned1", "child", "building"},
    "grid1": {"g1", "lead0"},
    "grid2": {"g2", "answered0", "hotline"},
    "grid3": {"g3", "lead1+helper"},
    "community0": {"g0", "g1", "lead0", "returned1", "child", "building"},
    "community1": {"g2", "g3", "lead1+helper", "answered0", "hotline"},
    "street": ALL_STREET1,
    "street2": {"street2"},
    "building_head": {"building"},
    "unit0": {"lead0", "answered0"},                   # lead; still after answering
    "unit0_leader": {"lead0", "answered0"},
    "unit1": {"lead1+helper", "returned1"},            # lead; still after returning it
    "unit_helper": {"lead1+helper", "returned1"},      # helper on one, lead after the re-whistle on the other
    "unit_idle": set(),                                # a unit nothing was whistled to
    "superuser": ALL_STREET1 | {"street2"},
    "admin": ALL_STREET1 | {"street2"},
    "anonymous": set(),
}


def _submit(world, actor, grid, channel=Channel.RESIDENT, **kw):
    lng, lat = world.point_in(grid)
    params = dict(actor=actor, content="楼下的井盖松动了，踩上去会响。", category="streetlight", lng=lng, lat=lat,
                  channel=channel)
    params.update(kw)
    return services.appeal_submit(**params)


def build():
    world = build_world()
    u = world.users
    helper = UnitFactory(name="供电公司")
    idle = UnitFactory(name="园林绿化所")
    lng0, lat0 = 106.90, 39.66
    street2 = RegionFactory(code="150302005", name="第二街道", level=Region.Level.STREET, geometry=square(lng0, lat0))
    community2 = RegionFactory(code="150302005001", name="第二社区", level=Region.Level.COMMUNITY, parent=street2,
                               geometry=square(lng0, lat0))
    RegionFactory(code="150302005001001", name="第二网格", level=Region.Level.GRID, parent=community2,
                  geometry=square(lng0, lat0))
    estate = EstateFactory(community=world.communities[0], name="幸福小区")
    building = BuildingFactory(estate=estate, grid=world.grids[0], lng=world.point_in(0)[0], lat=world.point_in(0)[1])
    users = {
        "resident": u["resident"], "resident2": u["resident2"],
        "resident3": user_with_role(Role.RESIDENT, username="resident3"),
        "grid0": u["grid_worker"],
        "grid1": user_with_role(Role.GRID_WORKER, region=world.grids[1], username="grid1"),
        "grid2": u["grid_worker_other"],
        "grid3": user_with_role(Role.GRID_WORKER, region=world.grids[3], username="grid3"),
        "community0": u["community_staff"], "community1": u["community_staff_other"],
        "street": u["street_staff"],
        "street2": user_with_role(Role.STREET_STAFF, region=street2, username="street2"),
        "building_head": user_with_role(Role.BUILDING_HEAD, building=building, username="louzhang"),
        "unit0": u["unit_handler"], "unit0_leader": u["unit_leader"], "unit1": u["unit_handler_other"],
        "unit_helper": user_with_role(Role.UNIT_HANDLER, unit=helper, username="helper"),
        "unit_idle": user_with_role(Role.UNIT_HANDLER, unit=idle, username="idle"),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
        "admin": user_with_role(Role.ADMIN, username="admin"),
        "anonymous": AnonymousUser(),
    }
    st, unit0, unit1 = users["street"], world.units[0], world.units[1]

    def act(appeal, action, who, **kw):
        return services.appeal_transition(appeal=appeal, action=action, actor=users[who] if isinstance(who, str) else who,
                                          **kw)

    a = {
        "g0": _submit(world, users["resident"], 0), "g1": _submit(world, users["resident2"], 1),
        "g2": _submit(world, users["resident"], 2), "g3": _submit(world, users["resident2"], 3),
    }
    a["lead0"] = _submit(world, users["resident2"], 1)
    act(a["lead0"], Action.ACCEPT, st)
    act(a["lead0"], Action.WHISTLE, st, lead_unit=unit0.pk)

    a["lead1+helper"] = _submit(world, users["resident"], 3)
    act(a["lead1+helper"], Action.ACCEPT, st)
    act(a["lead1+helper"], Action.WHISTLE, st, lead_unit=unit1.pk, helper_units=[helper.pk])

    a["answered0"] = _submit(world, users["resident2"], 2)
    act(a["answered0"], Action.ACCEPT, st)
    act(a["answered0"], Action.WHISTLE, st, lead_unit=unit0.pk)
    act(a["answered0"], Action.CLAIM, "unit0")
    act(a["answered0"], Action.ANSWER, "unit0", note="已处理")

    a["returned1"] = _submit(world, users["resident"], 0)
    act(a["returned1"], Action.ACCEPT, st)
    act(a["returned1"], Action.WHISTLE, st, lead_unit=unit1.pk)
    act(a["returned1"], Action.RETURN, "unit1", note="不属本单位")
    act(a["returned1"], Action.WHISTLE, st, lead_unit=helper.pk)

    a["child"] = _submit(world, users["resident3"], 0)
    act(a["child"], Action.MERGE, "grid0", parent=a["g0"].pk)

    a["hotline"] = _submit(world, users["community1"], 2, channel=Channel.HOTLINE, reporter_name="王女士",
                           reporter_phone="13912345678")
    a["building"] = _submit(world, users["resident2"], 0, lng=None, lat=None, building_id=building.pk)
    a["street2"] = _submit(world, users["resident3"], 0, lng=lng0 + 0.005, lat=lat0 + 0.005)
    assert a["hotline"].reporter_id is None and a["building"].grid_id == world.grids[0].pk
    assert a["street2"].street_id == street2.pk
    return users, {name: appeal.pk for name, appeal in a.items()}, world


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build()


def test_expectations_cover_every_appeal_and_actor():
    assert set().union(*EXPECTED.values()) == ALL_STREET1 | {"street2"}


@pytest.mark.django_db
@pytest.mark.parametrize("actor", list(EXPECTED))
def test_each_sees_exactly_its_own(scene, actor):
    users, pks, _world = scene
    names = {pk: name for name, pk in pks.items()}
    qs = visible_appeals(users[actor])
    seen = [names.get(pk, f"unexpected #{pk}") for pk in qs.values_list("pk", flat=True)]
    assert len(seen) == len(set(seen)), "an appeal is listed twice"
    assert set(seen) == EXPECTED[actor]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", list(EXPECTED))
def test_opening_an_appeal_one_cannot_see_is_not_found(scene, actor):
    users, pks, _world = scene
    for name, pk in pks.items():
        if name in EXPECTED[actor]:
            assert get_appeal(users[actor], pk).pk == pk
        else:
            with pytest.raises(NotFound):
                get_appeal(users[actor], pk)


@pytest.mark.django_db
def test_after_a_chain_of_merges_every_reporter_follows_the_final_appeal(scene, django_capture_on_commit_callbacks):
    """B is merged into A, later A into C: B's reporter must still see, and hear about, the one that goes on."""
    users, _pks, world = scene
    u = world.users
    r3 = users["resident3"]
    a, b, c = (_submit(world, who, 0) for who in (u["resident"], u["resident2"], r3))

    def act(appeal, action, who, **kw):
        return services.appeal_transition(appeal=appeal, action=action, actor=who, **kw)

    act(b, Action.MERGE, u["grid_worker"], parent=a.pk)
    act(a, Action.MERGE, u["grid_worker"], parent=c.pk)
    assert set(visible_appeals(u["resident2"]).values_list("pk", flat=True)) >= {b.pk, c.pk}
    for step, who, kw in [(Action.ACCEPT, "grid_worker", {}), (Action.HANDLE, "grid_worker", {}),
                          (Action.RESOLVE, "grid_worker", {"note": "已修复"})]:
        act(c, step, u[who], **kw)
    with django_capture_on_commit_callbacks(execute=True):
        act(c, Action.PASS, u["grid_worker"])
    for reporter in (u["resident"], u["resident2"], r3):
        assert reporter.notifications.filter(verb="resolved").count() == 1, reporter.username
