"""Mediation through /api/v1/: behaviour over HTTP with Bearer tokens."""

import pytest

from accounts.models import ApiToken
from core.models import AuditLog
from mediation.models import Dispute
from testing.world import build_world

from .factories import pdf, record, to_state

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

    def post_form(self, path, data):
        return self.client.post(API + path, data, headers=self.headers)


def test_the_loop_over_the_api(client, world):
    worker = Api(client, world.users["grid_worker"])
    staff = Api(client, world.users["community_staff"])
    response = worker.post("/disputes", {
        "description": "楼上住户扬言要报复楼下", "dispute_type": "neighbour", "source": "grid",
        "grid": world.grids[0].code, "parties": [{"name": "王大爷", "phone": "13900001111"}, {"name": "李阿姨"}]})
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert body["risk_level"] == "high" and body["parties"][0]["phone_masked"] == "139****1111"
    assert "13900001111" not in response.content.decode()
    listed = staff.get("/disputes").json()
    assert [d["id"] for d in listed["items"]] == [pk]
    assert staff.get("/disputes", risk="low").json()["items"] == []

    body = staff.post(f"/disputes/{pk}/actions/accept", {"mediator_name": "张调解", "mediator_kind": "elder"}).json()
    assert body["status"] == "accepted"
    assert staff.post(f"/disputes/{pk}/sessions", {"notes": "双方坐下来谈"}).status_code == 201
    assert len(staff.get(f"/disputes/{pk}/sessions").json()) == 1
    body = staff.post(f"/disputes/{pk}/actions/agree", {"facts": "漏水纠纷", "terms": "赔偿500元"}).json()
    assert body["status"] == "agreed"
    agreement_id = body["agreements"][0]["id"]
    doc = staff.get(f"/disputes/{pk}/agreements/{agreement_id}/document", format="docx")
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, note__contains="docx").exists()
    assert staff.get(f"/disputes/{pk}/agreements/{agreement_id}/document", format="odt").status_code == 400
    assert staff.post(f"/disputes/{pk}/actions/sign").json()["code"] == "use_upload"
    body = staff.post_form(f"/disputes/{pk}/signed-copy", {"file": pdf()}).json()
    assert body["status"] == "following_up" and body["agreements"][0]["signed"] is True
    body = staff.post(f"/disputes/{pk}/follow-ups", {"holds": True, "note": "履行了", "close": True}).json()
    assert body["status"] == "closed"


def test_errors_over_the_api_are_code_and_message(client, world):
    staff = Api(client, world.users["community_staff"])
    d = record(world)
    bad = staff.post("/disputes", {"description": "短", "dispute_type": "neighbour", "grid": world.grids[0].code})
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message"}
    assert staff.post(f"/disputes/{d.pk}/actions/start").json()["code"] == "invalid_transition"
    assert staff.post(f"/disputes/{d.pk}/actions/withdraw", {"note": "x", "expected_version": 9}).status_code == 409
    assert staff.post(f"/disputes/{d.pk}/risk", {"level": "extreme", "reason": "x"}).status_code == 400
    assert Dispute.objects.get(pk=d.pk).status == "recorded"


def test_others_cannot_see_or_act(client, world):
    d = record(world)
    for who in ("community_staff_other", "resident", "grid_worker_other"):
        api = Api(client, world.users[who])
        assert api.get(f"/disputes/{d.pk}").status_code == 404
        assert api.post(f"/disputes/{d.pk}/actions/accept", {"mediator_name": "x"}).status_code == 404
        assert api.get("/disputes").json()["items"] == []
    assert Api(client).get("/disputes").status_code == 401
    assert Api(client, world.users["resident"]).post("/disputes", {
        "description": "我要记录纠纷", "dispute_type": "neighbour"}).status_code == 403


def test_a_partner_unit_sees_masked_names_and_cannot_download(client, world):
    staff = world.users["community_staff"]
    d = to_state(world, "mediating")
    Api(client, staff).post(f"/disputes/{d.pk}/actions/refer", {"partner": "police", "unit": world.units[0].pk,
                                                                 "note": "转警调"})
    partner = Api(client, world.users["unit_handler"])
    body = partner.get(f"/disputes/{d.pk}").json()
    assert body["parties"][0]["name"] == "王**"
    assert [a["action"] for a in body["available_actions"]] == ["feedback"]
    body = partner.post(f"/disputes/{d.pk}/actions/feedback", {"result": "returned", "note": "请社区继续"}).json()
    assert body["status"] == "feedback_received"


def test_mediators_and_risk_over_the_api(client, world):
    staff = Api(client, world.users["community_staff"])
    d = to_state(world, "accepted")
    response = staff.post(f"/disputes/{d.pk}/mediators", {"name": "志愿者小王", "kind": "volunteer"})
    assert response.status_code == 201 and response.json()["kind"] == "volunteer"
    body = staff.post(f"/disputes/{d.pk}/risk", {"level": "medium", "reason": "一方情绪不稳"}).json()
    assert body["risk_level"] == "medium" and body["risk_note"] == "一方情绪不稳"
