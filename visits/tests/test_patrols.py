"""Daily patrols: check in, findings with photos and location, one-step appeals, check out."""

import pytest

from appeals.models import Appeal
from appeals.workflow import Channel
from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from testing.world import build_world
from visits import selectors, services
from visits.models import Event, Patrol, PatrolFinding, Photo
from visits.workflow import FindingStatus, PatrolStatus

from .factories import at, committed, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def start(world, user="grid_worker", when=None, **kwargs):
    lng, lat = world.point_in(0)
    kwargs.setdefault("lng", lng)
    kwargs.setdefault("lat", lat)
    return committed(services.patrol_start, actor=world.users[user], now=when or at(2024, 5, 6, 9), **kwargs)


def test_a_patrol_from_check_in_to_check_out(world):
    gw = world.users["grid_worker"]
    patrol = start(world)
    assert patrol.grid == world.grids[0] and patrol.start_in_grid is True and patrol.status == PatrolStatus.OPEN
    lng, lat = world.point_in(0)
    services.patrol_track(actor=gw, patrol=patrol, lng=lng + 0.001, lat=lat, now=at(2024, 5, 6, 9, 10))
    finding = committed(services.finding_add, actor=gw, patrol=patrol, note="3号楼下井盖松动", lng=lng, lat=lat,
                        photos=[png()], now=at(2024, 5, 6, 9, 20))
    assert finding.status == FindingStatus.NOTED and Photo.objects.filter(finding=finding).count() == 1
    appeal = committed(services.finding_report, actor=gw, finding=finding, category=world.category.code,
                       now=at(2024, 5, 6, 9, 25))
    assert appeal.channel == Channel.PATROL and (appeal.lng, appeal.lat) == (lng, lat)
    assert appeal.attachments.count() == 1 and appeal.grid == world.grids[0]
    finding.refresh_from_db()
    assert finding.status == FindingStatus.REPORTED and finding.appeal == appeal
    ended = committed(services.patrol_end, actor=gw, patrol=patrol, lng=lng, lat=lat, now=at(2024, 5, 6, 11))
    assert ended.status == PatrolStatus.CLOSED and ended.ended_at == at(2024, 5, 6, 11)
    assert len(ended.route) == 3
    # linked both ways: the appeal page names the patrol
    from appeals import hooks

    link = [x for x in hooks.links_for(appeal, world.users["community_staff"]) if x["key"] == "patrol"][0]
    assert gw.display_name in link["text"] and "2024-05-06" in link["text"] and link["url"]
    assert AuditLog.objects.filter(object_type="visits.patrolfinding", note="visits.finding_reported").exists()
    actions = list(Event.objects.filter(machine="patrol", object_id=patrol.pk).values_list("action", flat=True))
    assert actions == ["start", "end"]


def test_one_open_patrol_per_worker(world):
    start(world)
    with pytest.raises(Conflict) as e:
        start(world)
    assert e.value.code == "patrol_open"
    assert Patrol.objects.count() == 1


def test_only_grid_workers_patrol_their_own_grids(world):
    with pytest.raises(NotAllowed):
        start(world, "community_staff")
    with pytest.raises(NotAllowed):
        start(world, grid=world.grids[2].code)
    with pytest.raises(ValidationFailed):
        start(world, grid="nope")


def test_check_in_outside_the_grid_is_recorded_not_refused(world):
    lng, lat = world.point_in(3)
    patrol = start(world, lng=lng, lat=lat)
    assert patrol.start_in_grid is False


def test_check_in_without_location(world):
    patrol = start(world, lng=None, lat=None)
    assert patrol.start_in_grid is None and patrol.route == []


def test_bad_location_is_refused(world):
    with pytest.raises(ValidationFailed) as e:
        start(world, lng="0", lat="0")
    assert e.value.code == "bad_coordinates"
    assert Patrol.objects.count() == 0


def test_findings_only_on_ones_own_open_patrol(world):
    patrol = start(world)
    other = world.users["grid_worker_other"]
    with pytest.raises(NotFound):
        services.finding_add(actor=other, patrol=patrol, note="小区北门路灯不亮")
    with pytest.raises(NotAllowed):
        services.finding_add(actor=world.users["community_staff"], patrol=patrol, note="小区北门路灯不亮")
    with pytest.raises(ValidationFailed):
        services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="")
    with pytest.raises(ValidationFailed):
        services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="小区北门路灯不亮", category="nope")
    committed(services.patrol_end, actor=world.users["grid_worker"], patrol=patrol)
    with pytest.raises(InvalidTransition):
        services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="小区北门路灯不亮")
    assert PatrolFinding.objects.count() == 0


def test_a_finding_without_location_is_reported_in_the_patrol_grid(world):
    patrol = start(world, lng=None, lat=None)
    finding = services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="小区门口垃圾堆放",
                                   category=world.category.code)
    appeal = committed(services.finding_report, actor=world.users["grid_worker"], finding=finding)
    assert appeal.grid == world.grids[0] and appeal.lng == world.grids[0].centroid_lng


def test_report_needs_a_category_and_happens_once(world):
    patrol = start(world)
    finding = services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="小区北门井盖松动")
    with pytest.raises(ValidationFailed) as e:
        services.finding_report(actor=world.users["grid_worker"], finding=finding)
    assert e.value.code == "category_required" and Appeal.objects.count() == 0
    committed(services.finding_report, actor=world.users["grid_worker"], finding=finding, category=world.category)
    with pytest.raises(InvalidTransition):
        services.finding_report(actor=world.users["grid_worker"], finding=finding, category=world.category)
    assert Appeal.objects.count() == 1


def test_a_finding_reported_after_check_out_by_staff(world):
    patrol = start(world)
    finding = services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="小区北门井盖松动")
    committed(services.patrol_end, actor=world.users["grid_worker"], patrol=patrol)
    appeal = committed(services.finding_report, actor=world.users["community_staff"], finding=finding,
                       category=world.category)
    assert appeal.channel == Channel.PATROL
    with pytest.raises(NotFound):
        services.finding_report(actor=world.users["community_staff_other"], finding=finding, category=world.category)


def test_dismiss_and_restore(world):
    patrol = start(world)
    finding = services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="看错了，没问题")
    with pytest.raises(ValidationFailed):
        services.finding_transition(actor=world.users["grid_worker"], finding=finding, action="dismiss", note="")
    services.finding_transition(actor=world.users["grid_worker"], finding=finding, action="dismiss", note="已自行处理")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED
    services.finding_transition(actor=world.users["grid_worker"], finding=finding, action="restore")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.NOTED
    with pytest.raises(ValidationFailed):
        services.finding_transition(actor=world.users["grid_worker"], finding=finding, action="report")
    with pytest.raises(ValidationFailed):
        services.finding_transition(actor=world.users["grid_worker"], finding=finding, action="explode")


def test_only_the_patroller_ends_the_patrol_and_the_sweep_closes_forgotten_ones(world):
    patrol = start(world, when=at(2024, 5, 6, 9))
    with pytest.raises(NotAllowed):
        services.patrol_end(actor=world.users["community_staff"], patrol=patrol)
    counts = committed(services.sweep, now=at(2024, 5, 6, 23))
    assert counts["patrols_closed"] == 0
    counts = committed(services.sweep, now=at(2024, 5, 7, 2))
    patrol.refresh_from_db()
    assert counts["patrols_closed"] == 1 and patrol.status == PatrolStatus.CLOSED
    assert Event.objects.filter(machine="patrol", object_id=patrol.pk, action="auto_close", role="system").exists()
    start(world, when=at(2024, 5, 7, 9))  # a new one may start


def test_patrol_visibility(world):
    patrol = start(world)
    assert selectors.get_patrol(world.users["community_staff"], patrol.pk) == patrol
    assert selectors.get_patrol(world.users["street_staff"], patrol.pk) == patrol
    for name in ("community_staff_other", "grid_worker_other", "resident"):
        with pytest.raises(NotFound):
            selectors.get_patrol(world.users[name], patrol.pk)
