"""The pages: a resident asks, staff dispatch from the workbench, a provider
takes and finishes it, the resident rates it; the public wall; registration."""

import re

import pytest
from django.test import TestCase

from core.models import Notification
from services.models import OrderPhoto, Provider, ServiceOrder
from services.workflow import Status
from testing.world import build_world

from .factories import act, ask, make_provider, png

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def world():
    return build_world()


def html(response) -> str:
    return response.content.decode()


def test_the_whole_loop_through_the_pages(client, world):
    resident, staff = world.users["resident"], world.users["community_staff"]
    helper = make_provider(username="helper", area=[world.communities[0]], skills=["plumbing_electrical"])

    client.force_login(resident)
    assert client.get("/services/ask/").status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/services/ask/", {
            "kind": "service", "title": "水龙头漏水", "content": "厨房水龙头一直滴水。", "skills": ["plumbing_electrical"],
            "preferred_time": "周六上午", "community": world.communities[0].code, "requester_phone": "13812345678"})
    order = ServiceOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/{order.pk}/"
    page = html(client.get(response["Location"]))
    assert order.number in page and "138****5678" in page and "13812345678" not in page

    client.force_login(staff)
    bench = html(client.get("/services/workbench/"))
    assert f'data-order="{order.pk}"' in bench
    panel = client.get(f"/services/{order.pk}/dispatch/", headers=HTMX)
    assert panel.status_code == 200 and helper.display_name in html(panel) and "1/1" in html(panel)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/services/{order.pk}/act/dispatch/", {
            "dispatch-provider": str(helper.pk), "dispatch-expected_version": order.version,
            "next": "/services/workbench/"})
    assert response.status_code == 302 and response["Location"] == "/services/workbench/"
    assert Notification.objects.filter(recipient=helper.user, verb="order_dispatched").exists()

    client.force_login(helper.user)
    jobs = html(client.get("/services/jobs/"))
    assert f'data-order="{order.pk}"' in jobs
    order.refresh_from_db()
    client.post(f"/services/{order.pk}/act/accept/", {"accept-expected_version": order.version})
    order.refresh_from_db()
    response = client.post(f"/services/{order.pk}/act/complete/", {
        "complete-expected_version": order.version, "complete-note": "换了阀芯", "complete-files": [png()]})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.DONE
    photo = OrderPhoto.objects.get(order=order)

    client.force_login(resident)
    assert client.get(f"/services/photos/{photo.pk}/")["Content-Type"] == "image/png"
    mine = html(client.get("/services/mine/"))
    assert order.number in mine
    response = client.post(f"/services/{order.pk}/act/confirm/", {
        "confirm-expected_version": order.version, "confirm-rating": "5", "confirm-thanks": "谢谢"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.rating) == (Status.CONFIRMED, 5)
    assert "★★★★★" in html(client.get(f"/services/{order.pk}/"))

    client.force_login(world.users["resident2"])
    assert client.get(f"/services/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/services/{order.pk}/").status_code == 404


def test_the_wall_is_public_and_shows_no_personal_data(client, world):
    near = make_provider(username="near", area=[world.communities[0]])
    wish = ask(world, kind="wish", title="想要一副老花镜", content="眼睛花了，想要一副200度的老花镜。",
               requester_phone="13812345678")
    world.users["resident"].display_name_override = "张桂兰"
    ServiceOrder.objects.filter(pk=wish.pk).update(requester_name="张桂兰")

    page = html(client.get("/services/wall/"))
    assert "想要一副老花镜" in page and "张**" in page
    assert "张桂兰" not in page and "5678" not in page and "claim" not in page

    client.force_login(near.user)
    page = html(client.get("/services/wall/"))
    assert f'action="/services/{wish.pk}/act/claim/"' in page
    response = client.post(f"/services/{wish.pk}/act/claim/", {"claim-expected_version": wish.version,
                                                               "next": "/services/wall/"})
    assert response.status_code == 302 and response["Location"] == "/services/wall/"
    assert ServiceOrder.objects.get(pk=wish.pk).provider == near

    # A second provider arriving late is told so, and is sent back where they came from.
    late = make_provider(username="late", area=[world.communities[0]])
    client.force_login(late.user)
    response = client.post(f"/services/{wish.pk}/act/claim/", {"claim-expected_version": wish.version,
                                                               "next": "/services/wall/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/services/wall/"
    assert 'alert--error' in html(response)


def test_registering_as_a_provider_and_the_board(client, world):
    user = world.users["resident2"]
    client.force_login(user)
    assert client.get("/services/board/")["Location"] == "/services/provider/"
    assert client.get("/services/provider/").status_code == 200
    bad = client.post("/services/provider/", {"kind": "volunteer", "service_area": [world.communities[0].code]})
    assert bad.status_code == 400 and Provider.objects.count() == 0
    response = client.post("/services/provider/", {
        "kind": "volunteer", "skills": ["haircut"], "service_area": [world.communities[0].code],
        "available_days": ["6", "7"], "availability_note": "周末"})
    assert response["Location"] == "/services/board/"
    order = ask(world)
    act(order, "publish", world.users["community_staff"])
    board = html(client.get("/services/board/"))
    assert f'data-order="{order.pk}"' in board
    response = client.post(f"/services/{order.pk}/act/claim/", {"claim-expected_version": order.version + 1,
                                                                "next": "/services/jobs/"})
    assert response["Location"] == "/services/jobs/"
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.ACCEPTED


def test_staff_approve_a_merchant_on_the_providers_page(client, world):
    merchant = make_provider(username="shop", area=[world.communities[0]], kind=Provider.Kind.MERCHANT, active=False)
    merchant.shop_name = "便民维修店"
    merchant.save()
    client.force_login(world.users["community_staff_other"])
    assert f'data-provider="{merchant.pk}"' not in html(client.get("/services/providers/"))
    client.post(f"/services/providers/{merchant.pk}/approve/")
    assert not Provider.objects.get(pk=merchant.pk).is_active
    client.force_login(world.users["community_staff"])
    page = html(client.get("/services/providers/?state=pending"))
    assert f'data-provider="{merchant.pk}"' in page and "便民维修店" in page
    response = client.post(f"/services/providers/{merchant.pk}/approve/", {"next": "/services/providers/?state=pending"})
    assert response["Location"] == "/services/providers/?state=pending"
    assert Provider.objects.get(pk=merchant.pk).is_active
    client.post(f"/services/providers/{merchant.pk}/deactivate/", {"note": ""})
    assert Provider.objects.get(pk=merchant.pk).is_active  # a reason is required
    client.post(f"/services/providers/{merchant.pk}/deactivate/", {"note": "多次爽约"})
    assert not Provider.objects.get(pk=merchant.pk).is_active
    client.force_login(world.users["resident"])
    assert client.get("/services/providers/").status_code == 404
    assert client.get("/services/workbench/").status_code == 404


def test_staff_record_a_walk_in_errand_and_tick_its_checklist(client, world):
    staff = world.users["community_staff"]
    client.force_login(staff)
    form = html(client.get("/services/ask/"))
    assert 'name="requester_name"' in form and 'name="channel"' in form
    response = client.post("/services/ask/", {
        "kind": "errand", "content": "帮王奶奶办理高龄津贴申请。", "items": "身份证复印件\n户口本\n\n",
        "channel": "walk_in", "requester_name": "王秀英", "requester_phone": "13900001111",
        "community": world.communities[0].code})
    order = ServiceOrder.objects.get()
    assert response["Location"] == f"/services/{order.pk}/"
    assert (order.requester, order.requester_name, order.channel) == (None, "王秀英", "walk_in")
    item = order.items.first()
    fragment = client.post(f"/services/{order.pk}/items/{item.pk}/", {"done": "1"}, headers=HTMX)
    assert fragment.status_code == 200 and "checklist__item is-done" in html(fragment)
    page = html(client.get(f"/services/{order.pk}/"))
    assert "身份证复印件" in page and "户口本" in page


def test_workbench_queues_and_filters(client, world):
    staff = world.users["street_staff"]
    first = ask(world, in_community=0)
    second = ask(world, in_community=1, kind="wish", content="想学用智能手机视频通话。")
    client.force_login(staff)
    page = html(client.get("/services/workbench/"))
    assert f'data-order="{first.pk}"' in page and f'data-order="{second.pk}"' in page
    fragment = client.get("/services/workbench/", {"community": world.communities[1].code, "kind": "wish"},
                          headers=HTMX)
    body = html(fragment)
    assert "<html" not in body and f'data-order="{second.pk}"' in body and f'data-order="{first.pk}"' not in body
    only_board = html(client.get("/services/workbench/", {"queue": "on_board"}))
    assert 'id="q-on_board"' in only_board and 'id="q-to_dispatch"' not in only_board


def test_pages_carry_no_inline_script(client, world):
    make_provider(user=world.users["resident2"], area=[world.communities[0]])
    order = ask(world, kind="errand", content="代办居住证续签，需要准备材料。")
    pages = [("resident", "/services/ask/"), ("resident", "/services/mine/"), ("resident", f"/services/{order.pk}/"),
             ("community_staff", "/services/workbench/"), ("community_staff", "/services/providers/"),
             ("community_staff", f"/services/{order.pk}/"), ("resident2", "/services/board/"),
             ("resident2", "/services/jobs/"), ("resident2", "/services/provider/"), (None, "/services/wall/")]
    for who, url in pages:
        if who:
            client.force_login(world.users[who])
        else:
            client.logout()
        response = client.get(url)
        assert response.status_code == 200, url
        body = html(response)
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), url
        assert not re.search(r"\son[a-z]+=", body), url
        assert 'name="viewport"' in body
