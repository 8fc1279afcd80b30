"""双报到, projects and evaluations through /api/v1/ with Bearer tokens."""

import datetime as dt

import pytest

from accounts.models import ApiToken
from party import services
from party.models import DualReport, Evaluation, Nomination, Vote
from testing.loop import at
from testing.world import build_world

from .factories import checked_in, member_of, resident_of, user_of

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


class Api:
    def __init__(self, client, user):
        self.client = client
        _, key = ApiToken.issue(user, "test")
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(API + path, data if data is not None else {}, content_type="application/json",
                                headers=self.headers)


def test_register_list_and_end_over_the_api(client, world):
    member = member_of(world, 0, employer=world.units[0], name="周党员")
    me = Api(client, user_of(member))
    created = me.post("/dual-reports", {"kind": "member"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["member"]["name"] == "周党员" and body["community"]["id"] == world.communities[0].pk
    assert body["status"] == "active"

    again = me.post("/dual-reports", {"kind": "member"})
    assert again.status_code == 409 and again.json()["code"] == "already_registered"

    staff = Api(client, world.users["community_staff"])
    listed = staff.get("/dual-reports", community=world.communities[0].pk, status="active")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["items"]] == [body["id"]]
    assert Api(client, world.users["community_staff_other"]).get("/dual-reports").json()["count"] == 0

    unit = staff.post("/dual-reports", {"kind": "unit", "unit": world.units[1].pk, "community": world.communities[0].pk})
    assert unit.status_code == 201 and unit.json()["unit"]["name"] == world.units[1].name

    ended = me.post(f"/dual-reports/{body['id']}/end", {"note": "搬走了"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert me.post(f"/dual-reports/{body['id']}/end").status_code == 409
    assert Api(client, world.users["resident"]).post(f"/dual-reports/{body['id']}/end").status_code == 404


def test_quarter_report_and_my_record_over_the_api(client, world):
    member = member_of(world, 0, employer=world.units[0], name="吴党员")
    services.dual_report_register(actor=world.users["community_staff"], kind="member", member=member.pk,
                                  community=world.communities[0].pk, now=at(2026, 1, 5))
    checked_in(user_of(member), world.communities[0], at(2026, 2, 14))
    staff = Api(client, world.users["community_staff"])
    report = staff.get("/quarter-report", community=world.communities[0].pk, year=2026, quarter=1)
    assert report.status_code == 200
    data = report.json()
    assert (data["registered"], data["served"], data["rate"]) == (1, 1, 100.0)
    assert data["rows"][0]["member"]["name"] == "吴党员" and data["rows"][0]["services"][0]["kind"] == "activity"
    assert data["units"][0]["unit"]["name"] == world.units[0].name

    assert staff.get("/quarter-report", community=world.communities[1].pk).status_code == 404
    assert staff.get("/quarter-report", quarter=5).status_code == 400
    assert staff.get("/quarter-report", year="abc").status_code == 400
    assert Api(client, user_of(member)).get("/quarter-report").status_code == 403

    mine = Api(client, user_of(member)).get("/me/dual-record")
    assert mine.status_code == 200
    assert mine.json()["registration"]["community"]["id"] == world.communities[0].pk
    assert len(mine.json()["quarters"]) == 4
    assert Api(client, world.users["resident"]).get("/me/dual-record").status_code == 404


def test_projects_over_the_api(client, world):
    staff = Api(client, world.users["community_staff"])
    staff.post("/dual-reports", {"kind": "unit", "unit": world.units[0].pk, "community": world.communities[0].pk})
    created = staff.post("/projects", {"unit": world.units[0].pk, "community": world.communities[0].pk,
                                       "title": "共建图书角", "target": "藏书500册", "due_date": "2030-01-01"})
    assert created.status_code == 201, created.json()
    project = created.json()
    handler = Api(client, world.users["unit_handler"])
    assert [p["id"] for p in handler.get("/projects").json()["items"]] == [project["id"]]
    update = handler.post(f"/projects/{project['id']}/updates", {"progress": 100, "note": "图书已上架",
                                                                 "expected_version": project["version"]})
    assert update.status_code == 201 and update.json()["to_status"] == "done"
    assert handler.post(f"/projects/{project['id']}/updates", {"progress": 100, "note": "再报"}).status_code == 409
    assert handler.post(f"/projects/{project['id']}/updates", {"progress": 101, "note": "x"}).status_code == 400
    other = Api(client, world.users["unit_handler_other"])
    assert other.post(f"/projects/{project['id']}/updates", {"progress": 50, "note": "越权"}).status_code == 404
    bad = staff.post("/projects", {"unit": world.units[1].pk, "community": world.communities[0].pk, "title": "未报到单位"})
    assert bad.status_code == 400 and bad.json()["code"] == "unit_not_registered"


def test_evaluations_over_the_api(client, world):
    staff = Api(client, world.users["community_staff"])
    now = dt.datetime.now(dt.timezone.utc)
    created = staff.post("/evaluations", {
        "community": world.communities[0].pk, "title": "先锋党员评选", "kind": "pioneer_member",
        "nominate_until": (now + dt.timedelta(days=3)).isoformat(), "vote_until": (now + dt.timedelta(days=6)).isoformat(),
        "winners": 1, "votes_per_voter": 1, "award_points": 10})
    assert created.status_code == 201, created.json()
    evaluation_id = created.json()["id"]
    member = member_of(world, 0, name="孙党员")
    voter = resident_of(world, 0)
    resident = Api(client, voter)
    assert [e["id"] for e in resident.get("/evaluations").json()["items"]] == [evaluation_id]
    assert Api(client, resident_of(world, 1)).get("/evaluations").json()["count"] == 0

    nominated = resident.post(f"/evaluations/{evaluation_id}/nominations", {
        "name": "孙党员", "building": member.person.household.building_id, "reason": "带头服务群众"})
    assert nominated.status_code == 201 and nominated.json()["status"] == "pending"
    nomination_id = nominated.json()["id"]
    assert resident.post(f"/nominations/{nomination_id}/votes").status_code == 409  # voting not open
    assert staff.post(f"/nominations/{nomination_id}/review", {"decision": "maybe"}).status_code == 400
    assert staff.post(f"/nominations/{nomination_id}/review", {"decision": "approve"}).json()["status"] == "approved"
    assert staff.post(f"/evaluations/{evaluation_id}/open-voting", {}).json()["status"] == "voting"

    voted = resident.post(f"/nominations/{nomination_id}/votes")
    assert voted.status_code == 201
    assert resident.post(f"/nominations/{nomination_id}/votes").status_code == 409
    assert resident.post(f"/evaluations/{evaluation_id}/close").status_code == 403

    closed = staff.post(f"/evaluations/{evaluation_id}/close", {"expected_version": 1})
    assert closed.status_code == 409 and closed.json()["code"] == "conflict"  # a stale screen
    closed = staff.post(f"/evaluations/{evaluation_id}/close")
    assert closed.status_code == 200 and [a["person"]["name"] for a in closed.json()] == ["孙党员"]
    assert staff.post(f"/evaluations/{evaluation_id}/close").status_code == 409
    assert user_of(member).points_account.balance == 10
    assert (Evaluation.objects.get().status, Nomination.objects.count(), Vote.objects.count()) == ("closed", 1, 1)


@pytest.mark.parametrize("method, path, body", [
    ("post", "/dual-reports", {"kind": "alien"}),
    ("post", "/dual-reports", {"kind": "member", "member": "abc"}),
    ("post", "/dual-reports", "not json at all"),
    ("post", "/dual-reports/999999/end", {}),
    ("post", "/projects", {"unit": 1}),
    ("post", "/projects/abc/updates", {"progress": 1, "note": "x"}),
    ("post", "/evaluations", {"community": 1, "title": "t", "kind": "custom", "nominate_until": "soon",
                              "vote_until": "later"}),
    ("post", "/evaluations/999999/nominations", {"reason": "理由"}),
    ("post", "/nominations/999999/votes", None),
    ("get", "/quarter-report", {"community": "x"}),
])
def test_bad_input_never_gives_a_500(client, world, method, path, body):
    staff = Api(client, world.users["community_staff"])
    if method == "get":
        response = staff.get(path, **body)
    elif isinstance(body, str):
        response = client.post(API + path, body, content_type="application/json", headers=staff.headers)
    else:
        response = staff.post(path, body)
    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()) == {"code", "message"} and response.json()["message"]
    assert not DualReport.objects.exists()


def test_the_api_needs_authentication(client):
    assert client.get(API + "/dual-reports").status_code == 401
    assert client.post(API + "/evaluations/1/close", {}, content_type="application/json").status_code == 401
