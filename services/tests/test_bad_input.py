"""Bad input (missing fields, bad ratings, forged ids, markup, garbage files)
gets a clear message, never a 500, and saves nothing — in the pages and the API."""

import pytest

from core.errors import ValidationFailed
from regions.models import Household
from services import services
from services.models import OrderEvent, OrderPhoto, ServiceOrder
from services.workflow import Status
from testing.factories import BuildingFactory, EstateFactory
from testing.world import build_world

from .factories import act, ask, make_provider, png

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


def household_in(world, community):
    estate = EstateFactory(community=world.communities[community])
    building = BuildingFactory(estate=estate, grid=world.grids[community * 2], lng=106.805, lat=39.665)
    return Household.objects.create(building=building, room="101")


@pytest.mark.parametrize("kwargs,code", [
    ({"content": ""}, "required"),
    ({"content": "短"}, "too_short"),
    ({"content": "<script>alert(1)</script>坏了"}, "markup"),
    ({"title": "<b>标题</b>"}, "markup"),
    ({"kind": "party"}, "invalid"),
    ({"skills": ["flying"]}, "unknown_skill"),
    ({"preferred_date": "2020-01-01"}, "bad_date"),
    ({"preferred_date": "next week"}, "bad_date"),
    ({"community": "nowhere"}, "unknown_community"),
    ({"community": ""}, "community_required"),
    ({"grid": "150302004002001"}, "grid_mismatch"),
    ({"requester_phone": "12345"}, "bad_phone"),
    ({"kind": "errand", "items": []}, "items_required"),
    ({"kind": "service", "items": ["户口本"]}, "items_not_errand"),
    ({"lng": "abc", "lat": "39"}, "bad_coordinates"),
    ({"channel": "appeal"}, "invalid"),
])
def test_asking_with_bad_input_is_refused_clearly(world, kwargs, code):
    with pytest.raises(ValidationFailed) as info:
        ask(world, **kwargs)
    assert info.value.code == code and info.value.message
    assert ServiceOrder.objects.count() == 0


def test_staff_cannot_place_requests_outside_their_communities(world):
    staff = world.users["community_staff"]
    mine, theirs = household_in(world, 0), household_in(world, 1)
    base = dict(actor=staff, kind="service", content="帮忙修一下水管。", channel="phone", requester_name="王秀英")
    order = services.order_submit(household=mine.pk, **base)
    assert (order.household, order.community, order.grid) == (mine, world.communities[0], world.grids[0])
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.order_submit(household=theirs.pk, **base)
    with pytest.raises(NotAllowed):
        services.order_submit(community=world.communities[1].code, **base)
    with pytest.raises(ValidationFailed) as info:
        services.order_submit(household="99999", **base)
    assert info.value.code == "unknown_household"
    with pytest.raises(ValidationFailed) as info:
        services.order_submit(community=world.communities[0].code, **{**base, "requester_name": ""})
    assert info.value.code == "required"
    with pytest.raises(NotAllowed):  # a resident cannot pose as the counter
        services.order_submit(actor=world.users["resident"], kind="service", content="帮忙修一下水管。", channel="phone",
                              requester_name="别人", community=world.communities[0].code)
    assert ServiceOrder.objects.count() == 1


def test_a_bad_photo_saves_nothing(world):
    helper = make_provider(username="helper", area=[world.communities[0]])
    order = ask(world)
    act(order, "dispatch", world.users["community_staff"], provider=helper)
    act(order, "accept", helper.user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("evil.png", b"<?php system($_GET['c']); ?>", content_type="image/png")
    with pytest.raises(ValidationFailed) as info:
        act(order, "complete", helper.user, note="好了", files=[png(), fake])
    assert info.value.code == "not_an_image"
    with pytest.raises(ValidationFailed) as info:
        act(order, "accept", helper.user, files=[png()])
    assert info.value.code in ("photos_not_allowed",)
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED and OrderPhoto.objects.count() == 0


def test_bad_input_on_the_pages_keeps_what_was_typed(client, world):
    client.force_login(world.users["resident"])
    response = client.post("/services/ask/", {"kind": "service", "title": "我的标题", "content": "",
                                              "community": world.communities[0].code})
    body = response.content.decode()
    assert response.status_code == 400 and "alert--error" in body and 'value="我的标题"' in body
    response = client.post("/services/ask/", {"kind": "service", "content": "<img src=x onerror=alert(1)>坏了",
                                              "community": world.communities[0].code})
    assert response.status_code == 400 and "<img src=x" not in response.content.decode()
    response = client.post("/services/ask/", {"kind": "errand", "content": "帮忙代办。", "community": "garbage",
                                              "photos": [png()]})
    assert response.status_code == 400 and ServiceOrder.objects.count() == 0


def test_bad_actions_on_the_pages(client, world):
    helper = make_provider(username="helper", area=[world.communities[0]])
    order = ask(world)
    act(order, "dispatch", world.users["community_staff"], provider=helper)
    act(order, "accept", helper.user)
    act(order, "complete", helper.user, note="好了")
    order.refresh_from_db()
    client.force_login(world.users["resident"])
    url = f"/services/{order.pk}/act/confirm/"
    for rating in ("", "0", "6", "五星", "4.5"):
        response = client.post(url, {"confirm-expected_version": order.version, "confirm-rating": rating,
                                     "confirm-thanks": "谢谢"})
        assert response.status_code == 400, rating
        assert "alert--error" in response.content.decode() and "谢谢" in response.content.decode()
    assert client.post(url, {"confirm-expected_version": "x", "confirm-rating": "5"}).status_code == 409
    assert client.post(url, {"confirm-expected_version": order.version - 1, "confirm-rating": "5"}).status_code == 409
    assert client.post(f"/services/{order.pk}/act/fly/", {}).status_code == 404
    assert client.post(f"/services/{order.pk}/act/auto_confirm/", {}).status_code == 403
    assert client.post(f"/services/{order.pk}/act/reopen/", {"reopen-note": ""}).status_code == 400
    htmx = client.post(f"/services/{order.pk}/act/reopen/", {"reopen-note": ""}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "alert--error" in htmx.content.decode()
    assert client.post("/services/999999/act/confirm/", {}).status_code == 404
    assert client.post(f"/services/{order.pk}/items/1/", {"done": "1"}).status_code == 302  # not an errand: told why
    order.refresh_from_db()
    assert order.status == Status.DONE and OrderEvent.objects.filter(order=order).count() == 4


def test_bad_input_over_the_api(client, world):
    from accounts.models import ApiToken

    _, key = ApiToken.issue(world.users["resident"], "t")
    headers = {"Authorization": f"Bearer {key}"}

    def post(path, data):
        return client.post(API + path, data, content_type="application/json", headers=headers)

    cases = [
        ({"content": "水管漏水了。"}, "required"),                         # kind missing
        ({"kind": "rocket", "content": "水管漏水了。"}, "invalid"),
        ({"kind": "service", "content": "水管漏水了。", "community": world.communities[0].code,
          "preferred_date": "tomorrow"}, "invalid"),
        ({"kind": "service", "content": "<a href=x>点我</a>", "community": world.communities[0].code}, "markup"),
        ({"kind": "service", "content": "水管漏水了。", "community": world.communities[0].code, "skills": "x"},
         "unknown_skill"),
        ({"kind": "service", "content": "水管漏水了。", "community": world.communities[0].code, "lng": "east"},
         "invalid"),
    ]
    for data, code in cases:
        response = post("/orders", data)
        assert response.status_code == 400, (data, response.content)
        body = response.json()
        assert set(body) == {"code", "message"} and body["code"] == code and body["message"], data
    response = client.post(API + "/orders", "{not json", content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.json()["code"]
    order = ask(world)
    assert post(f"/orders/{order.pk}/actions/fly", {}).json()["code"] == "unknown_action"
    assert post(f"/orders/{order.pk}/actions/cancel", {"note": "<script>x</script>"}).json()["code"] == "markup"
    assert post(f"/orders/{order.pk}/actions/cancel", {"expected_version": "abc"}).status_code == 400
    assert post(f"/orders/{order.pk}/actions/cancel", {"note": "不要了", "expected_version": 99}).status_code == 409
    assert post("/orders/99999/actions/cancel", {"note": "不要了"}).status_code == 404
    assert client.get(API + "/orders/abc", headers=headers).json()["code"] == "not_found"
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.REQUESTED
