"""Appeal lists as Excel: the same rows as the filtered page, phones masked for
whoever may not reveal them on the page, every export logged."""

import pytest
from django.urls import reverse

from accounts.models import Role
from appeals.workflow import Action
from core.models import AuditLog
from integrations.models import ExportLog
from testing.factories import user_with_role
from testing.loop import act, report
from testing.world import build_world

from .export_support import download, export_url, values

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()
PHONE = "13812345678"


@pytest.fixture
def appeals(world):
    a = report(world, grid=0, reporter_phone=PHONE, title="=HYPERLINK(\"http://evil\")")
    b = report(world, grid=1, reporter_phone="13900001111")
    c = report(world, grid=2, user="resident2", reporter_phone="13700002222")
    act(a, Action.ACCEPT, world.users["grid_worker"])
    return a, b, c


def page_numbers(response) -> list[str]:
    return [a.number for a in response.context["page"].object_list]


@pytest.mark.parametrize("user, params", [
    ("street_staff", {}),
    ("street_staff", {"status": "submitted"}),
    ("street_staff", {"community": "150302004001"}),
    ("community_staff", {}),
    ("community_staff", {"grid": "150302004001002"}),
    ("grid_worker", {"q": "路灯"}),
    ("street_staff", {"date_from": "not-a-date", "status": "nonsense"}),  # bad filters: the page ignores them
])
def test_workbench_export_has_the_rows_of_the_filtered_page(client, world, appeals, user, params):
    client.force_login(world.users[user])
    page = client.get(reverse("appeals:workbench"), params)
    assert page.status_code == 200
    rows = download(client, "appeals.workbench", **params)
    assert values(rows, "number") == page_numbers(page)


def test_export_link_on_the_workbench_carries_the_filters(client, world, appeals):
    client.force_login(world.users["community_staff"])
    html = client.get(reverse("appeals:workbench"), {"status": "submitted", "page": "1"}).content.decode()
    assert 'data-export-link="masked"' in html
    assert export_url("appeals.workbench", status="submitted") in html
    assert 'data-export-link="full"' in html  # community staff may reveal phones on the page


def test_grid_worker_export_is_masked_even_when_asking_for_full_data(client, world, appeals):
    client.force_login(world.users["grid_worker"])
    rows = download(client, "appeals.workbench", full="1")
    # A grid worker may reveal on the page (region staff), so full data is allowed for their grid only.
    assert PHONE in values(rows, "reporter_phone")
    client.force_login(world.users["unit_handler"])
    rows = download(client, "appeals.unit_tasks", full="1")
    assert all(p is None or "****" in p for p in values(rows, "reporter_phone"))
    log = ExportLog.objects.filter(list_name="appeals.unit_tasks").get()
    assert log.masked and log.full_fields == []


def test_default_export_masks_and_a_full_export_is_logged_as_a_personal_data_access(client, world, appeals):
    staff = world.users["community_staff"]
    client.force_login(staff)
    rows = download(client, "appeals.workbench", status="submitted")
    assert set(values(rows, "reporter_phone")) == {"139****1111"}
    log = ExportLog.objects.get()
    assert (log.user, log.list_name, log.row_count, log.masked) == (staff, "appeals.workbench", 1, True)
    assert log.filters == {"status": "submitted"}
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(log.pk)).count() == 1
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).exists()

    rows = download(client, "appeals.workbench", full="1")
    assert sorted(values(rows, "reporter_phone")) == ["13812345678", "13900001111"]  # community 0 only
    log = ExportLog.objects.order_by("-id").first()
    assert not log.masked and log.full_rows == 2 and log.full_fields == ["reporter_phone"]
    access = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONAL)
    assert access.actor == staff and access.fields == ["reporter_phone"] and access.object_id == str(log.pk)


def test_formula_in_a_title_is_exported_as_text(client, world, appeals):
    client.force_login(world.users["street_staff"])
    rows = download(client, "appeals.workbench")
    assert "'=HYPERLINK(\"http://evil\")" in values(rows, "title")


def test_my_tasks_export_has_the_page_sections(client, world, appeals):
    client.force_login(world.users["grid_worker"])
    page = client.get(reverse("appeals:my_tasks"))
    expected = [(s["title"], a.number) for s in page.context["sections"] for a in s["items"]]
    rows = download(client, "appeals.my_tasks")
    assert [(r["section"], r["number"]) for r in rows] == [(str(t), n) for t, n in expected]
    assert expected  # the grid worker has something to do


def test_building_head_my_tasks_are_the_open_appeals_of_their_area(client, world, appeals):
    head = user_with_role(Role.BUILDING_HEAD, region=world.grids[0])
    client.force_login(head)
    page = client.get(reverse("appeals:my_tasks"))
    rows = download(client, "appeals.my_tasks")
    assert values(rows, "number") == [a.number for a in page.context["area"]]


def test_unit_tasks_export_has_the_page_sections(client, world, appeals):
    a = appeals[0]
    act(a, Action.HANDLE, world.users["grid_worker"])
    act(a, Action.ESCALATE, world.users["grid_worker"], note="需要社区")
    act(a, Action.ESCALATE, world.users["community_staff"], note="需要街道")
    act(a, Action.WHISTLE, world.users["street_staff"], note="请处理", lead_unit=world.units[0].pk)
    client.force_login(world.users["unit_handler"])
    page = client.get(reverse("appeals:unit_workbench"))
    expected = [(str(s["title"]), x.number) for s in page.context["sections"] for x in s["items"]]
    rows = download(client, "appeals.unit_tasks")
    assert [(r["section"], r["number"]) for r in rows] == expected and expected


def test_my_appeals_are_only_my_own_and_masked_for_a_resident(client, world, appeals):
    client.force_login(world.users["resident"])
    page = client.get(reverse("appeals:mine"))
    rows = download(client, "appeals.mine", full="1")
    assert values(rows, "number") == page_numbers(page) and len(rows) == 2
    assert set(values(rows, "reporter_phone")) == {"138****5678", "139****1111"}


def test_who_may_not_see_the_page_may_not_export_it(client, world, appeals):
    client.force_login(world.users["resident"])
    assert client.get(export_url("appeals.workbench")).status_code == 404
    assert client.get(export_url("appeals.unit_tasks")).status_code == 404
    assert client.get(export_url("no.such.list")).status_code == 404
    assert not ExportLog.objects.exists()
    client.logout()
    assert client.get(export_url("appeals.mine")).status_code == 302
