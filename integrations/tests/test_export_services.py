"""Service orders and providers as Excel: the page's rows, the requester's phone
full only for whoever may reveal it on the order page, each export logged."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from integrations.models import ExportLog
from services.tests.factories import act, ask, make_provider
from testing.world import build_world

from .export_support import download, export_url, values

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def orders(world):
    a = ask(world, requester_phone="13812345678", title="+SUM(1)")
    b = ask(world, kind="errand", requester_phone="13900001111")
    c = ask(world, user="resident2", in_community=1, requester_phone="13700002222")
    return a, b, c


def test_workbench_export_has_the_queues_of_the_page(client, world, orders):
    client.force_login(world.users["community_staff"])
    for params in ({}, {"kind": "errand"}, {"queue": "to_dispatch"}, {"community": "bogus", "kind": "nonsense"}):
        page = client.get(reverse("services:workbench"), params)
        assert page.status_code == 200
        expected = [(str(s["title"]), o.number) for s in page.context["sections"] for o in s["items"]]
        rows = download(client, "services.workbench", **params)
        assert [(r["section"], r["number"]) for r in rows] == expected, params
    assert ExportLog.objects.filter(list_name="services.workbench").count() == 4


def test_staff_full_export_shows_their_communities_phones_and_logs_the_access(client, world, orders):
    client.force_login(world.users["street_staff"])
    rows = download(client, "services.workbench")
    assert all("****" in p for p in values(rows, "requester_phone"))
    rows = download(client, "services.workbench", full="1")
    assert {"13812345678", "13900001111", "13700002222"} <= set(values(rows, "requester_phone"))
    assert "'+SUM(1)" in values(rows, "title")
    access = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONAL)
    assert access.fields == ["requester_phone"]


def test_a_provider_on_the_board_never_gets_a_phone_of_an_order_they_do_not_hold(client, world, orders):
    for order in orders[:2]:
        act(order, "publish", world.users["community_staff"])
    provider = make_provider(username="helper", area=[world.communities[0]])
    client.force_login(provider.user)
    page = client.get(reverse("services:board"))
    rows = download(client, "services.board", full="1")
    assert values(rows, "number") == [o.number for o in page.context["page"].object_list]
    assert rows and all(p is None or "****" in p for p in values(rows, "requester_phone"))
    assert ExportLog.objects.get().masked


def test_providers_list_export_matches_the_page(client, world, orders):
    make_provider(username="p1", area=[world.communities[0]])
    make_provider(username="p2", area=[world.communities[0]], active=False)
    client.force_login(world.users["community_staff"])
    for state in ("", "active", "pending", "weird"):
        page = client.get(reverse("services:providers"), {"state": state})
        rows = download(client, "services.providers", state=state)
        assert values(rows, "name") == [p.display_name for p in page.context["rows"]], state
        assert [r["load"] for r in rows] == [p.load for p in page.context["rows"]]


def test_residents_cannot_export_staff_lists(client, world, orders):
    client.force_login(world.users["resident"])
    for name in ("services.workbench", "services.providers", "services.board"):
        assert client.get(export_url(name)).status_code == 404
    assert not ExportLog.objects.exists()
