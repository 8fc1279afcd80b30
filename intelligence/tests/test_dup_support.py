"""我也遇到 / 附议: one support per person and appeal, even when two requests race."""

import pytest
from django.urls import reverse

from appeals import services
from appeals.models import AppealSupport
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.models import AuditLog
from regions.models import Household
from testing.concurrency import needs_real_locks, race
from testing.factories import BuildingFactory, EstateFactory, PersonFactory
from testing.loop import act, report
from testing.world import build_world


def lives_in(world, user, community_index):
    """Register `user` in a household of the community (grid 0 is in community 0, grid 2 in community 1)."""
    community = world.communities[community_index]
    grid = next(g for g in world.grids if g.parent_id == community.pk)
    estate = EstateFactory(community=community)
    household = Household.objects.create(building=BuildingFactory(estate=estate, grid=grid), room="101")
    user.person = PersonFactory(household=household)
    user.save(update_fields=["person"])


@pytest.fixture
def world():
    world = build_world()
    lives_in(world, world.users["resident2"], 0)  # the neighbour of the appeals reported in grid 0
    return world


@pytest.mark.django_db
def test_a_neighbour_supports_once_and_the_support_goes_to_the_appeal_that_goes_on(client, world):
    root = report(world, grid=0)
    merged = report(world, grid=0)
    act(merged, "merge", world.users["grid_worker"], parent=root.pk)
    client.force_login(world.users["resident2"])

    first = client.post(reverse("intelligence:support", args=[merged.pk]), HTTP_HX_REQUEST="true")
    again = client.post(reverse("intelligence:support", args=[root.pk]), HTTP_HX_REQUEST="true")

    assert first.status_code == 200 and "1" in first.content.decode()
    assert again.status_code == 200 and "action__error" not in again.content.decode()
    assert list(AppealSupport.objects.values_list("appeal_id", "user_id")) == [(root.pk, world.users["resident2"].pk)]
    assert AuditLog.objects.filter(action="create", object_type="appeals.appealsupport").count() == 1


@pytest.mark.django_db
def test_support_refusals_are_clear(client, world):
    mine = report(world, grid=0)
    with pytest.raises(ValidationFailed):
        services.appeal_support(appeal_id=mine.pk, actor=world.users["resident"])
    with pytest.raises(NotFound):
        services.appeal_support(appeal_id="x", actor=world.users["resident2"])
    act(mine, "reject", world.users["grid_worker"], note="不属于受理范围")
    with pytest.raises(InvalidTransition):
        services.appeal_support(appeal_id=mine.pk, actor=world.users["resident2"])
    client.force_login(world.users["resident2"])
    page = client.post(reverse("intelligence:support", args=[mine.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "action__error" in page
    plain = client.post(reverse("intelligence:support", args=[mine.pk]), {"next": "https://evil.example/"})
    assert plain.status_code == 302 and plain.url == reverse("core:home")
    assert not AppealSupport.objects.exists()


@pytest.mark.django_db
def test_only_an_appeal_the_person_may_see_can_be_supported(client, world):
    appeal = report(world, grid=0)  # in community 0, reported by `resident`
    outsider = world.users["resident2"]
    lives_in(world, outsider, 1)  # moved to community 1: the appeal is no longer a neighbour's
    stranger = world.users["grid_worker_other"]  # staff of another grid

    for who in (outsider, stranger):
        with pytest.raises(NotFound) as refused:
            services.appeal_support(appeal_id=appeal.pk, actor=who)
        assert "只能附议" in refused.value.message
    client.force_login(outsider)
    page = client.post(reverse("intelligence:support", args=[appeal.pk]), HTTP_HX_REQUEST="true",
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "action__error" in page and "只能附议" in page
    api = client.post(f"/api/v1/intelligence/appeals/{appeal.pk}/support", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert api.status_code == 404 and "只能附议" in api.json()["message"]
    assert not AppealSupport.objects.exists()

    lives_in(world, outsider, 0)  # a neighbour again
    assert services.appeal_support(appeal_id=appeal.pk, actor=outsider)[1] is True
    assert services.appeal_support(appeal_id=appeal.pk, actor=world.users["grid_worker"])[1] is True  # staff over it


@pytest.mark.django_db
def test_at_intake_the_support_button_is_only_on_appeals_the_person_may_support(client, world):
    appeal = report(world, grid=0, title="北门路灯不亮", content="小区北门路灯坏了一周，晚上很黑。")
    lng, lat = world.point_in(0)
    query = {"title": "北门的路灯不亮", "content": "北门路灯坏了，晚上很黑。", "lng": lng, "lat": lat}
    button = reverse("intelligence:support", args=[appeal.pk])

    client.force_login(world.users["resident2"])  # lives in the appeal's community
    assert button in client.get(reverse("intelligence:dup_check"), query).content.decode()
    outsider = world.users["resident2"]
    lives_in(world, outsider, 1)
    page = client.get(reverse("intelligence:dup_check"), query).content.decode()
    assert "data-duplicate" in page and button not in page


@pytest.mark.django_db(transaction=True)
def test_two_supports_at_once_by_one_person_are_one():
    needs_real_locks()
    world = build_world()
    lives_in(world, world.users["resident2"], 0)
    appeal = report(world, grid=0)
    who = world.users["resident2"]

    results = race(lambda: services.appeal_support(appeal_id=appeal.pk, actor=who),
                   lambda: services.appeal_support(appeal_id=appeal.pk, actor=who))

    assert AppealSupport.objects.filter(appeal=appeal, user=who).count() == 1
    assert all(error is None or isinstance(error, Conflict) for _r, error in results), results
    assert sum(1 for r, _e in results if r is not None and r[1]) == 1
