"""Co-building projects (共建项目): a registered unit pledges, staff and the unit's handlers report progress."""

import datetime as dt

import pytest
from django.urls import reverse

from core.errors import Conflict, InvalidTransition, LinliError, NotAllowed, ValidationFailed
from party import selectors, services
from party.models import CoBuildingProject, ProjectUpdate
from testing.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    services.dual_report_register(actor=w.users["community_staff"], kind="unit", unit=w.units[0].pk,
                                  community=w.communities[0].pk)
    return w


def pledge(world, **kwargs):
    values = dict(actor=world.users["community_staff"], unit=world.units[0].pk, community=world.communities[0].pk,
                  title="楼道亮化", target="5号楼3个单元装感应灯", due_date="2026-12-31", pledged_at="2026-09-01")
    values.update(kwargs)
    return services.project_create(**values)


def test_a_registered_unit_pledges_and_progress_is_reported_to_done(world):
    project = pledge(world)
    assert (project.status, project.progress, project.due_date) == ("planned", 0, dt.date(2026, 12, 31))

    services.project_update(actor=world.users["unit_handler"], project=project, progress=40, note="已采购灯具")
    services.project_update(actor=world.users["community_staff"], project=project.pk, progress="100", note="全部装好")
    project.refresh_from_db()
    assert (project.status, project.progress, project.version) == ("done", 100, 3)
    updates = list(ProjectUpdate.objects.filter(project=project).order_by("at", "id"))
    assert [(u.progress, u.from_status, u.to_status) for u in updates] == [(40, "planned", "in_progress"),
                                                                          (100, "in_progress", "done")]
    with pytest.raises(InvalidTransition):
        services.project_update(actor=world.users["community_staff"], project=project, progress=100, note="再报一次")


def test_only_registered_units_and_staff_of_the_community(world):
    with pytest.raises(ValidationFailed) as err:
        pledge(world, unit=world.units[1].pk)
    assert err.value.code == "unit_not_registered"
    with pytest.raises(NotAllowed):
        pledge(world, actor=world.users["community_staff_other"])
    with pytest.raises(NotAllowed):
        pledge(world, actor=world.users["unit_handler"])
    project = pledge(world)
    for outsider in (world.users["unit_handler_other"], world.users["community_staff_other"], world.users["resident"]):
        with pytest.raises(NotAllowed):
            services.project_update(actor=outsider, project=project, progress=10, note="越权")
    assert not ProjectUpdate.objects.exists()


@pytest.mark.parametrize("progress, note", [("-1", "进度"), ("101", "进度"), ("abc", "进度"), ("50", ""),
                                            ("50", "<b>bold</b>")])
def test_bad_progress_is_refused(world, progress, note):
    project = pledge(world)
    with pytest.raises(ValidationFailed):
        services.project_update(actor=world.users["community_staff"], project=project, progress=progress, note=note)
    project.refresh_from_db()
    assert (project.progress, project.version, ProjectUpdate.objects.count()) == (0, 1, 0)


def test_a_stale_screen_loses(world):
    project = pledge(world)
    services.project_update(actor=world.users["unit_handler"], project=project, progress=30, note="开工",
                            expected_version=1)
    with pytest.raises(Conflict):
        services.project_update(actor=world.users["community_staff"], project=project, progress=50, note="晚了",
                                expected_version=1)


@pytest.mark.parametrize("kwargs", [{"title": ""}, {"title": "x" * 101}, {"due_date": "2026-13-45"},
                                    {"due_date": "2026-08-01"}, {"community": str(999999)}, {"unit": "abc"}])
def test_bad_project_input(world, kwargs):
    with pytest.raises(LinliError) as err:
        pledge(world, **kwargs)
    assert getattr(err.value, "message", "")
    assert not CoBuildingProject.objects.exists()


def test_unit_handlers_see_their_units_projects_only(world):
    project = pledge(world)
    assert list(selectors.visible_projects(world.users["unit_handler"])) == [project]
    assert list(selectors.visible_projects(world.users["unit_handler_other"])) == []
    assert list(selectors.visible_projects(world.users["street_staff"])) == [project]


def test_project_pages(client, world):
    client.force_login(world.users["community_staff"])
    response = client.post(reverse("party:project_create"), {
        "community": world.communities[0].pk, "unit": world.units[0].pk, "title": "助老送餐", "target": "每周两次"})
    project = CoBuildingProject.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("party:project", args=[project.pk])

    client.force_login(world.users["unit_handler"])
    page = client.get(reverse("party:project", args=[project.pk]))
    assert page.status_code == 200 and "助老送餐" in page.content.decode()
    bad = client.post(reverse("party:project_progress", args=[project.pk]), {"progress": "120", "note": "我写的进展说明"})
    assert bad.status_code == 400 and "我写的进展说明" in bad.content.decode()
    ok = client.post(reverse("party:project_progress", args=[project.pk]),
                     {"progress": "60", "note": "已送餐8次", "version": project.version})
    assert ok.status_code == 302
    assert "已送餐8次" in client.get(reverse("party:project", args=[project.pk])).content.decode()

    client.force_login(world.users["unit_handler_other"])
    assert client.get(reverse("party:project", args=[project.pk])).status_code == 404
    assert client.post(reverse("party:project_progress", args=[project.pk]),
                       {"progress": "90", "note": "越权"}).status_code == 404


def test_the_dual_page_keeps_a_failed_project(client, world):
    client.force_login(world.users["community_staff"])
    response = client.post(reverse("party:project_create"), {
        "community": world.communities[0].pk, "unit": world.units[0].pk, "title": "", "description": "我写的项目说明"})
    assert response.status_code == 400
    assert "我写的项目说明" in response.content.decode()
