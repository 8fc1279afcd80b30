"""我也遇到 / 附议: one support per person and appeal, even when two requests race."""

import pytest
from django.urls import reverse

from appeals import services
from appeals.models import AppealSupport
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.models import AuditLog
from testing.concurrency import needs_real_locks, race
from testing.loop import act, report
from testing.world import build_world


@pytest.fixture
def world():
    return build_world()


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


@pytest.mark.django_db(transaction=True)
def test_two_supports_at_once_by_one_person_are_one():
    needs_real_locks()
    world = build_world()
    appeal = report(world, grid=0)
    who = world.users["resident2"]

    results = race(lambda: services.appeal_support(appeal_id=appeal.pk, actor=who),
                   lambda: services.appeal_support(appeal_id=appeal.pk, actor=who))

    assert AppealSupport.objects.filter(appeal=appeal, user=who).count() == 1
    assert all(error is None or isinstance(error, Conflict) for _r, error in results), results
    assert sum(1 for r, _e in results if r is not None and r[1]) == 1
