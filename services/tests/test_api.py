"""三单制 through /api/v1/: behaviour over HTTP with Bearer tokens, data made by the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from services.models import Provider, ServiceOrder
from services.workflow import Status
from testing.world import build_world

from .factories import act, ask, make_provider, png

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


class Api:
    def __init__(self, client, user=None):
        self.client = client
        self.headers = {}
        if user is not None:
            _, key = ApiToken.issue(user, "test")
            self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(API + path, data or {}, content_type="application/json", headers=self.headers)

    def put(self, path, data):
        return self.client.put(API + path, data, content_type="application/json", headers=self.headers)

    def post_form(self, path, data):
        return self.client.post(API + path, data, headers=self.headers)


def test_the_loop_over_the_api(client, world):
    resident = Api(client, world.users["resident"])
    staff = Api(client, world.users["community_staff"])
    helper = make_provider(username="helper", area=[world.communities[0]], skills=["appliance_repair"])
    provider = Api(client, helper.user)

    response = resident.post("/orders", {"kind": "service", "content": "电视收不到信号，想请师傅看看。",
                                         "skills": ["appliance_repair"], "community": world.communities[0].code,
                                         "preferred_date": "", "requester_phone": "138 1234 5678"})
    assert response.status_code == 201, response.content
    body = response.json()
    order_id = body["id"]
    assert (body["status"], body["kind"], body["requester_phone_masked"]) == ("requested", "service", "138****5678")
    assert [a["action"] for a in body["available_actions"]] == ["cancel"]

    listed = staff.get("/orders", status="requested").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == order_id
    suggestions = staff.get(f"/orders/{order_id}/suggestions").json()
    assert suggestions[0]["provider"]["id"] == helper.pk and suggestions[0]["skill_match"] == 1.0
    assert provider.get(f"/orders/{order_id}/suggestions").status_code == 404

    response = staff.post(f"/orders/{order_id}/actions/dispatch", {"provider": helper.pk, "expected_version": 1})
    assert response.status_code == 200 and response.json()["status"] == "dispatched"
    assert provider.post(f"/orders/{order_id}/actions/accept").json()["status"] == "accepted"
    response = provider.post_form(f"/orders/{order_id}/actions/complete/with-photos",
                                  {"note": "更换了高频头", "photos": [png()]})
    assert response.status_code == 200, response.content
    done = response.json()
    assert done["status"] == "done"
    photo_url = done["events"][-1]["photos"][0]["url"]
    assert client.get(photo_url, headers=resident.headers)["Content-Type"] == "image/png"

    bad = resident.post(f"/orders/{order_id}/actions/confirm", {"rating": 7})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_rating"
    confirmed = resident.post(f"/orders/{order_id}/actions/confirm", {"rating": 4, "thanks": "谢谢"}).json()
    assert (confirmed["status"], confirmed["rating"]) == ("confirmed", 4)
    again = resident.post(f"/orders/{order_id}/actions/confirm", {"rating": 4})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_declining_over_the_api_answers_without_personal_data(client, world):
    helper = make_provider(username="helper", area=[world.communities[0]])
    order = ask(world, requester_phone="13812345678")
    act(order, "dispatch", world.users["community_staff"], provider=helper)
    response = Api(client, helper.user).post(f"/orders/{order.pk}/actions/decline", {"note": "出差"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "requested" and body["requester_phone_masked"] is None
    assert body["available_actions"] == []


def test_the_public_wall_needs_no_login_and_shows_no_personal_data(client, world):
    ask(world, kind="wish", title="想要一副老花镜", content="眼睛花了，想要一副200度的老花镜。", requester_phone="13812345678")
    ServiceOrder.objects.update(requester_name="张桂兰")
    response = Api(client).get("/wishes")
    assert response.status_code == 200
    wish = response.json()["items"][0]
    assert wish["title"] == "想要一副老花镜" and wish["requester"] == "张**"
    assert "5678" not in response.content.decode() and "张桂兰" not in response.content.decode()
    assert Api(client).get("/orders").status_code == 401


def test_a_wish_over_the_api_and_claiming_it(client, world):
    near = make_provider(username="near", area=[world.communities[0]])
    far = make_provider(username="far", area=[world.communities[1]])
    body = Api(client, world.users["resident"]).post("/orders", {
        "kind": "wish", "content": "想学用智能手机视频通话。", "community": world.communities[0].code}).json()
    assert body["status"] == "open"
    refused = Api(client, far.user).post(f"/orders/{body['id']}/actions/claim")
    assert refused.status_code == 403 and refused.json()["message"]
    claimed = Api(client, near.user).post(f"/orders/{body['id']}/actions/claim", {"expected_version": body["version"]})
    assert claimed.status_code == 200 and claimed.json()["provider"]["id"] == near.pk


def test_my_provider_profile(client, world):
    me = Api(client, world.users["resident2"])
    assert me.get("/providers/me").status_code == 404
    response = me.put("/providers/me", {"kind": "merchant", "shop_name": "便民理发店", "skills": ["haircut"],
                                        "service_area": [world.communities[0].code], "available_days": [1, 2, 9]})
    assert response.status_code == 400 and response.json()["code"] == "bad_days"
    response = me.put("/providers/me", {"kind": "merchant", "shop_name": "便民理发店", "skills": ["haircut"],
                                        "service_area": [world.communities[0].code], "available_days": [1, 2]})
    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["is_active"], body["is_pending"]) == ("merchant", False, True)
    assert [s["code"] for s in body["skills"]] == ["haircut"]
    assert me.get("/providers/me").json()["shop_name"] == "便民理发店"
    assert Provider.objects.get().user == world.users["resident2"]


def test_skills_and_the_errand_checklist(client, world):
    skills = Api(client, world.users["resident"]).get("/skills").json()
    assert {"plumbing_electrical", "elderly_care", "legal_advice"} <= {s["code"] for s in skills}
    staff = Api(client, world.users["community_staff"])
    body = staff.post("/orders", {"kind": "errand", "content": "代办高龄津贴申请。", "items": ["身份证复印件", "户口本"],
                                  "channel": "phone", "requester_name": "王秀英", "community": world.communities[0].code
                                  }).json()
    assert body["channel"] == "phone" and [i["name"] for i in body["items"]] == ["身份证复印件", "户口本"]
    item = body["items"][0]["id"]
    ticked = staff.post(f"/orders/{body['id']}/items/{item}", {"done": True})
    assert ticked.status_code == 200 and ticked.json()["is_done"] is True
    assert Api(client, world.users["resident"]).post(f"/orders/{body['id']}/items/{item}", {"done": False}
                                                     ).status_code == 404


def test_the_list_does_not_grow_queries_with_orders(client, world):
    staff = Api(client, world.users["community_staff"])
    helper = make_provider(username="helper", area=[world.communities[0]])
    for _ in range(3):
        act(ask(world), "dispatch", world.users["community_staff"], provider=helper)
    staff.get("/orders")  # the token's first use is written down once
    with CaptureQueriesContext(connection) as few:
        assert staff.get("/orders").json()["count"] == 3
    for _ in range(5):
        act(ask(world), "dispatch", world.users["community_staff"], provider=helper)
    with CaptureQueriesContext(connection) as more:
        assert staff.get("/orders").json()["count"] == 8
    assert len(more.captured_queries) == len(few.captured_queries)
    assert ServiceOrder.objects.filter(status=Status.DISPATCHED).count() == 8
