"""The staff workbench: filters, htmx partial, paging, and a flat number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal
from appeals.workflow import Action
from testing.world import build_world
from testing.loop import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()




def test_filters_narrow_the_table_and_htmx_gets_only_the_table(client, world):
    report(world, grid=0, title="井盖丢失")
    accepted = report(world, grid=2, title="路灯闪烁")
    services.appeal_transition(appeal=accepted, action=Action.ACCEPT, actor=world.users["street_staff"])
    client.force_login(world.users["street_staff"])
    url = reverse("appeals:workbench")

    page = client.get(url).content.decode()
    assert "井盖丢失" in page and "路灯闪烁" in page and "共 2 件诉求" in page
    assert 'hx-get="/appeals/workbench/"' in page and 'id="workbench-results"' in page

    partial = client.get(url, {"status": "accepted"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "<table" in partial
    assert "路灯闪烁" in partial and "井盖丢失" not in partial

    assert partial_response_varies(client, url)
    restored = client.get(url, {"status": "accepted"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restored.content.decode()  # the back button gets the whole page

    by_grid = client.get(url, {"grid": world.grids[0].code}).content.decode()
    assert "井盖丢失" in by_grid and "路灯闪烁" not in by_grid
    by_text = client.get(url, {"q": "井盖"}).content.decode()
    assert "井盖丢失" in by_text and "路灯闪烁" not in by_text
    assert 'value="井盖"' in by_text  # the filter keeps what was typed
    assert "路灯闪烁" in client.get(url, {"status": "open", "community": world.communities[1].code}).content.decode()
    nothing = client.get(url, {"date_from": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "没有符合条件的诉求" in nothing
    bad_date = client.get(url, {"date_from": "not-a-date"})
    assert bad_date.status_code == 200 and "井盖丢失" in bad_date.content.decode()


def partial_response_varies(client, url) -> bool:
    return "HX-Request" in client.get(url)["Vary"]


def test_overdue_filter(client, world):
    late = report(world, title="超期的路灯")
    report(world, title="按时的路灯")
    Appeal.objects.filter(pk=late.pk).update(is_overdue=True)
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("appeals:workbench"), {"overdue": "on"}).content.decode()
    assert "超期的路灯" in page and "按时的路灯" not in page


def test_workbench_pages_by_thirty(client, world):
    for i in range(31):
        report(world, title=f"第{i}件")
    client.force_login(world.users["street_staff"])
    first = client.get(reverse("appeals:workbench")).content.decode()
    assert "第 1 页，共 2 页" in first and first.count('class="title-cell"') == 30
    second = client.get(reverse("appeals:workbench"), {"page": 2}).content.decode()
    assert second.count('class="title-cell"') == 1


def _count_queries(client, url, params=None, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {}, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_workbench_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world.users["street_staff"])
    url = reverse("appeals:workbench")
    for i in range(5):
        report(world, grid=i % 4, title=f"诉求{i}")
    whistled = Appeal.objects.first()
    services.appeal_transition(appeal=whistled, action=Action.ACCEPT, actor=world.users["street_staff"])
    services.appeal_transition(appeal=whistled, action=Action.WHISTLE, actor=world.users["street_staff"],
                               lead_unit=world.units[0].pk)
    _count_queries(client, url)  # warm up (session, content types)
    few = _count_queries(client, url)
    few_partial = _count_queries(client, url, {"status": "open"}, HTTP_HX_REQUEST="true")
    for i in range(45):
        report(world, grid=i % 4, title=f"更多诉求{i}")
    many = _count_queries(client, url)
    many_partial = _count_queries(client, url, {"status": "open"}, HTTP_HX_REQUEST="true")
    assert Appeal.objects.count() == 50
    assert few == many
    assert few_partial == many_partial
