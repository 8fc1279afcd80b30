"""The appeal loop through /api/v1/: behaviour over HTTP with Bearer tokens,
data made by the services."""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from accounts.models import ApiToken
from appeals import services
from appeals.models import Appeal, Attachment
from appeals.workflow import Action, Status
from testing.factories import CategoryFactory
from testing.loop import act, report
from testing.world import build_world

pytestmark = pytest.mark.django_db

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world():
    return build_world()


class Api:
    """The test client speaking as one user through a Bearer token."""

    def __init__(self, client, user, language: str | None = None):
        self.client = client
        _, key = ApiToken.issue(user, "test")
        self.headers = {"Authorization": f"Bearer {key}"}
        if language:
            self.headers["Accept-Language"] = language

    def get(self, path, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(API + path, data or {}, content_type="application/json", headers=self.headers)

    def post_form(self, path, data):
        return self.client.post(API + path, data, headers=self.headers)


@pytest.fixture
def as_user(client, world):
    return lambda key, language=None: Api(client, world.users[key], language)






def whistled(world, grid=0, unit=0, **kwargs):
    appeal = report(world, grid=grid, **kwargs)
    appeal = act(appeal, Action.ACCEPT, world.users["street_staff"])
    return act(appeal, Action.WHISTLE, world.users["street_staff"], lead_unit=world.units[unit].pk)


def png(name="photo.png") -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buf, "PNG")
    buf.seek(0)
    buf.name = name
    return buf


def ids(response) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code and body["message"]
    return body


def appeal_body(world, grid=0, **overrides):
    lng, lat = world.point_in(grid)
    body = {"title": "井盖丢失", "content": "三号楼前的井盖不见了，很危险。", "category": "streetlight",
            "lng": lng, "lat": lat, "address": "三号楼前", "reporter_phone": "13812345678"}
    body.update(overrides)
    return body


# ---------------------------------------------------------------- reporting

def test_resident_reports_an_appeal_and_gets_its_detail(world, as_user):
    response = as_user("resident").post("/appeals", appeal_body(world))

    assert response.status_code == 201, response.content
    data = response.json()
    appeal = Appeal.objects.get(pk=data["id"])
    assert appeal.reporter == world.users["resident"] and appeal.grid == world.grids[0]
    assert data["status"] == Status.SUBMITTED and data["number"] == appeal.number and data["version"] == 1
    assert data["grid"] == {"code": world.grids[0].code, "name": world.grids[0].name}
    assert data["community"]["code"] == world.communities[0].code and data["street"]["code"] == world.street.code
    assert data["category"] == {"code": "streetlight", "name": "路灯"}
    assert data["reporter_phone_masked"] == "138****5678" and "13812345678" not in response.content.decode()
    assert [e["action"] for e in data["events"]] == ["submit"]
    assert data["available_actions"] == []


def test_staff_records_a_hotline_call_by_grid_code(world, as_user):
    body = appeal_body(world, channel="hotline_12345", reporter_name="王先生", lng=None, lat=None,
                       grid_code=world.grids[3].code)
    response = as_user("street_staff").post("/appeals", body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["channel"] == "hotline_12345" and data["grid"]["code"] == world.grids[3].code
    assert data["reporter_name"] == "王先生"
    assert {a["action"] for a in data["available_actions"]} >= {"accept", "reject"}


def test_a_resident_may_not_record_for_a_staff_channel(world, as_user):
    response = as_user("resident").post("/appeals", appeal_body(world, channel="hotline_12345"))
    assert_error(response, 403, "forbidden")
    assert not Appeal.objects.exists()


def test_report_with_photos_as_multipart(world, as_user):
    body = appeal_body(world)
    body["photos"] = [png("a.png"), png("b.png")]
    response = as_user("resident").post_form("/appeals/with-photos", body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["attachments"]) == 2 and data["attachments"][0]["content_type"] == "image/png"
    assert len(data["events"][0]["attachments"]) == 2


def test_a_file_that_is_not_a_picture_saves_nothing(world, as_user):
    fake = io.BytesIO(b"<?php echo 'hi'; ?>")
    fake.name = "photo.jpg"
    body = appeal_body(world)
    body["photos"] = [png(), fake]
    response = as_user("resident").post_form("/appeals/with-photos", body)

    assert_error(response, 400, "not_an_image")
    assert not Appeal.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("field, value, code", [
    ("title", "<script>alert(1)</script>", "markup"),
    ("content", "路灯坏了 <img src=x onerror=alert(1)>", "markup"),
    ("address", "javascript:alert(1)", "markup"),
    ("category", "no-such-category", "unknown_category"),
    ("category", "municipal", "category_not_leaf"),
    ("reporter_phone", "12345", "bad_phone"),
    ("content", "太短", "too_short"),
])
def test_invalid_reports_are_refused_and_save_nothing(world, as_user, field, value, code):
    response = as_user("resident").post("/appeals", appeal_body(world, **{field: value}))
    assert_error(response, 400, code)
    assert not Appeal.objects.exists()


def test_an_inactive_category_is_unknown(world, as_user):
    CategoryFactory(code="retired", name="旧类别", is_active=False)
    response = as_user("resident").post("/appeals", appeal_body(world, category="retired"))
    assert_error(response, 400, "unknown_category")


@pytest.mark.parametrize("lng, lat, code", [
    (500, 39.66, "bad_coordinates"),       # not a coordinate
    (2.35, 48.85, "bad_coordinates"),      # Paris: outside China
    (116.39, 39.91, "outside_grids"),      # Beijing: in China, outside every grid we serve
])
def test_places_that_cannot_be_placed_in_a_grid(world, as_user, lng, lat, code):
    api = as_user("resident")
    assert_error(api.post("/appeals", appeal_body(world, lng=lng, lat=lat)), 400, code)
    assert_error(api.get("/locate", lng=lng, lat=lat), 400, code)
    assert not Appeal.objects.exists()


def test_schema_errors_are_400_and_name_the_field(world, as_user):
    api = as_user("resident", "en")
    body = appeal_body(world)
    del body["content"]
    missing = assert_error(api.post("/appeals", body), 400, "required")
    assert "content" in missing["message"]

    wrong_type = assert_error(api.post("/appeals", appeal_body(world, lng="east")), 400, "invalid")
    assert "lng" in wrong_type["message"]

    bad_enum = assert_error(api.post("/appeals", appeal_body(world, urgency="panic")), 400, "invalid")
    assert "urgency" in bad_enum["message"]

    not_json = api.client.post(API + "/appeals", "{not json", content_type="application/json", headers=api.headers)
    assert_error(not_json, 400, "bad_request")
    assert not Appeal.objects.exists()


def test_query_errors_name_the_field_and_what_it_takes(world, as_user):
    api = as_user("street_staff", "en")
    status = assert_error(api.get("/appeals", status="lost"), 400, "invalid")["message"]
    assert status.startswith("“status” must be one of: open, submitted, accepted")
    assert assert_error(api.get("/appeals", date_from="yesterday"), 400, "invalid")["message"] == \
        "“date_from” must be a date like 2024-05-01."
    assert assert_error(api.get("/appeals", limit=500), 400, "invalid")["message"] == "“limit” must be at most 100."
    assert assert_error(api.get("/locate", lat=39.6), 400, "required")["message"] == "“lng” is required."


# ---------------------------------------------------------------- reading

def test_locate_names_the_grid_community_and_street(world, as_user):
    lng, lat = world.point_in(2)
    response = as_user("resident").get("/locate", lng=lng, lat=lat)
    assert response.status_code == 200
    assert response.json() == {
        "grid": {"code": world.grids[2].code, "name": world.grids[2].name},
        "community": {"code": world.communities[1].code, "name": world.communities[1].name},
        "street": {"code": world.street.code, "name": world.street.name},
    }


def test_regions_list_one_level_and_one_region_with_geometry(world, as_user):
    api = as_user("resident")
    grids = api.get("/regions", level="grid").json()
    assert [g["code"] for g in grids] == sorted(g.code for g in world.grids)
    assert grids[0]["parent_code"] == world.communities[0].code and grids[0]["level"] == "grid"
    assert_error(api.get("/regions", level="planet"), 400, "invalid")

    detail = api.get(f"/regions/{world.grids[1].code}").json()
    assert detail["geometry"]["type"] == "Polygon" and detail["parent_code"] == world.communities[0].code
    assert detail["centroid"] == pytest.approx(list(world.point_in(1)))
    assert_error(api.get("/regions/000"), 404, "not_found")


def test_category_tree_with_default_unit_and_limits(world, as_user):
    data = as_user("resident").get("/categories").json()
    (municipal,) = data
    assert municipal["code"] == "municipal" and municipal["default_unit"] is None
    (light,) = municipal["children"]
    assert light["code"] == "streetlight" and light["children"] == []
    assert light["default_unit"] == {"id": world.units[0].pk, "name": world.units[0].name}
    assert (light["response_hours"], light["resolve_workdays"]) == (24, 5)


def test_units(world, as_user):
    data = as_user("street_staff").get("/units").json()
    assert {u["name"] for u in data} == {u.name for u in world.units}
    assert {u["kind"] for u in data} == {"department", "utility"}


def test_list_filters_like_the_workbench(world, as_user):
    lamp = report(world, grid=0)
    far = report(world, grid=2, title="噪音扰民", content="夜里工地施工噪音很大，影响休息。")
    done = report(world, grid=1)
    Appeal.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    sent = whistled(world, grid=3)
    api = as_user("street_staff")

    assert ids(api.get("/appeals")) == {lamp.pk, far.pk, done.pk, sent.pk}
    assert ids(api.get("/appeals", status="open")) == {lamp.pk, far.pk, sent.pk}
    assert ids(api.get("/appeals", status="closed")) == {done.pk}
    assert ids(api.get("/appeals", status="whistled")) == {sent.pk}
    assert ids(api.get("/appeals", grid=world.grids[2].code)) == {far.pk}
    assert ids(api.get("/appeals", community=world.communities[0].code)) == {lamp.pk, done.pk}
    assert ids(api.get("/appeals", unit=str(world.units[0].pk))) == {sent.pk}
    assert ids(api.get("/appeals", category="municipal")) == {lamp.pk, far.pk, done.pk, sent.pk}
    assert ids(api.get("/appeals", q="噪音")) == {far.pk}
    assert ids(api.get("/appeals", channel="hotline_12345")) == set()
    assert ids(api.get("/appeals", overdue="true")) == set()
    today = timezone.localdate()
    assert len(ids(api.get("/appeals", date_from=today.isoformat(), date_to=today.isoformat()))) == 4
    assert ids(api.get("/appeals", date_to=(today - dt.timedelta(days=1)).isoformat())) == set()
    assert_error(api.get("/appeals", status="lost"), 400, "invalid")
    assert_error(api.get("/appeals", date_from="yesterday"), 400, "invalid")


def test_list_is_paginated_with_a_total(world, as_user):
    made = [report(world).pk for _ in range(5)]
    api = as_user("street_staff")

    page = api.get("/appeals", limit=2, offset=0).json()
    assert page["count"] == 5 and [a["id"] for a in page["items"]] == made[::-1][:2]
    rest = api.get("/appeals", limit=2, offset=4).json()
    assert rest["count"] == 5 and [a["id"] for a in rest["items"]] == [made[0]]
    assert_error(api.get("/appeals", limit=0), 400, "invalid")
    assert_error(api.get("/appeals", limit=1000), 400, "invalid")


def test_list_does_not_query_per_appeal(world, client):
    user = world.users["street_staff"]
    _, key = ApiToken.issue(user, "n+1")
    headers = {"Authorization": f"Bearer {key}"}

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(API + "/appeals", {"limit": 100}, headers=headers)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    for _ in range(3):
        whistled(world)
    count_queries()  # the first use of a token records last_used_at
    few, n = count_queries()
    assert n == 3
    for _ in range(27):
        whistled(world, grid=2, unit=1)
    many, n = count_queries()
    assert n == 30
    assert many == few


# ---------------------------------------------------------------- scoping

def test_each_role_sees_only_its_own_appeals(world, as_user):
    mine = report(world, grid=0)
    theirs = report(world, "resident2", grid=2)
    to_unit0 = whistled(world, grid=1, unit=0)
    to_unit1 = whistled(world, grid=3, unit=1, actor=world.users["resident2"])
    expected = {
        "resident": {mine.pk, to_unit0.pk},
        "resident2": {theirs.pk, to_unit1.pk},
        "grid_worker": {mine.pk},
        "grid_worker_other": {theirs.pk},
        "community_staff": {mine.pk, to_unit0.pk},
        "community_staff_other": {theirs.pk, to_unit1.pk},
        "street_staff": {mine.pk, theirs.pk, to_unit0.pk, to_unit1.pk},
        "unit_handler": {to_unit0.pk},
        "unit_handler_other": {to_unit1.pk},
    }
    for key, visible in expected.items():
        api = as_user(key)
        assert ids(api.get("/appeals")) == visible, key
        for appeal in (mine, theirs, to_unit0, to_unit1):
            status = api.get(f"/appeals/{appeal.pk}").status_code
            assert status == (200 if appeal.pk in visible else 404), (key, appeal.pk)


def test_hidden_and_missing_appeals_look_the_same(world, as_user):
    appeal = report(world, "resident2")
    api = as_user("resident")
    hidden = assert_error(api.get(f"/appeals/{appeal.pk}"), 404, "not_found")
    missing = assert_error(api.get("/appeals/999999"), 404, "not_found")
    assert hidden == missing
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/rate", {"satisfaction": "satisfied"}), 404, "not_found")


# ---------------------------------------------------------------- the loop

def test_the_whistle_loop_over_http(world, as_user, client):
    appeal = report(world)
    street, unit, grid, resident = (as_user(k) for k in ("street_staff", "unit_handler", "grid_worker", "resident"))

    data = street.post(f"/appeals/{appeal.pk}/actions/accept", {"expected_version": 1}).json()
    assert data["status"] == "accepted" and data["version"] == 2
    assert "whistle" in {a["action"] for a in data["available_actions"]}

    response = street.post(f"/appeals/{appeal.pk}/actions/whistle", {
        "note": "请三日内修复", "lead_unit": world.units[0].pk, "helper_units": [world.units[1].pk],
        "deadline_workdays": 3, "expected_version": 2})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "whistled" and data["lead_unit"]["id"] == world.units[0].pk
    (whistle,) = data["whistles"]
    assert whistle["state"] == "open" and whistle["helper_units"] == [{"id": world.units[1].pk, "name": world.units[1].name}]

    assert [a["action"] for a in unit.get(f"/appeals/{appeal.pk}").json()["available_actions"]] == ["claim", "return"]
    unit.post(f"/appeals/{appeal.pk}/actions/claim")
    response = unit.post_form(f"/appeals/{appeal.pk}/actions/answer/with-photos",
                              {"note": "已更换灯泡", "photos": [png("evidence.png")]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "verifying"
    assert data["answers"][0]["text"] == "已更换灯泡" and data["answers"][0]["unit"]["id"] == world.units[0].pk
    evidence = data["events"][-1]["attachments"][0]

    photo = client.get(evidence["url"], headers=grid.headers)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content).startswith(b"\x89PNG")
    assert client.get(evidence["url"], headers=as_user("resident2").headers).status_code == 404

    grid.post(f"/appeals/{appeal.pk}/actions/pass")
    data = resident.post(f"/appeals/{appeal.pk}/actions/rate", {"satisfaction": "satisfied", "note": "很快"}).json()
    assert data["status"] == "closed" and data["ratings"][0]["satisfaction"] == "satisfied"
    assert [e["action"] for e in data["events"]] == ["submit", "accept", "whistle", "claim", "answer", "pass", "rate"]


def test_a_stale_screen_gets_409_conflict(world, as_user):
    appeal = report(world)
    act(appeal, Action.ACCEPT, world.users["grid_worker"])
    response = as_user("street_staff").post(f"/appeals/{appeal.pk}/actions/handle", {"expected_version": 1})
    assert_error(response, 409, "conflict")
    assert Appeal.objects.get(pk=appeal.pk).status == Status.ACCEPTED


def test_an_action_the_state_no_longer_allows_gets_409(world, as_user):
    appeal = report(world)
    act(appeal, Action.ACCEPT, world.users["grid_worker"])
    response = as_user("street_staff").post(f"/appeals/{appeal.pk}/actions/accept", {"expected_version": 2})
    assert_error(response, 409, "invalid_transition")


def test_unknown_action_and_missing_arguments(world, as_user):
    appeal = report(world)
    api = as_user("street_staff")
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/teleport"), 400, "unknown_action")
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/reject"), 400, "required")
    act(appeal, Action.ACCEPT, world.users["street_staff"])
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/whistle"), 400, "unit_required")
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/whistle", {"lead_unit": 999999}), 400, "unknown_unit")
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/whistle", {"lead_unit": world.units[0].pk,
                                                                    "deadline_workdays": "soon"}), 400, "invalid")
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/whistle", {"lead_unit": world.units[0].pk, "deadline": past}),
                 400, "bad_deadline")
    assert Appeal.objects.get(pk=appeal.pk).status == Status.ACCEPTED


def test_an_action_the_user_may_not_take_is_403(world, as_user):
    appeal = report(world)
    assert_error(as_user("resident").post(f"/appeals/{appeal.pk}/actions/accept"), 403, "forbidden")
    assert_error(as_user("grid_worker").post(f"/appeals/{appeal.pk}/actions/whistle",
                                             {"lead_unit": world.units[0].pk}), 409, "invalid_transition")


def test_rating_needs_a_known_satisfaction(world, as_user):
    appeal = report(world)
    for action, key, kw in [(Action.ACCEPT, "grid_worker", {}), (Action.HANDLE, "grid_worker", {}),
                            (Action.RESOLVE, "grid_worker", {"note": "已修复"}), (Action.PASS, "community_staff", {})]:
        appeal = act(appeal, action, world.users[key], **kw)
    api = as_user("resident")
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/rate", {"satisfaction": "ecstatic"}), 400, "invalid")
    assert_error(api.post(f"/appeals/{appeal.pk}/actions/rate"), 400, "bad_satisfaction")
    data = api.post(f"/appeals/{appeal.pk}/actions/rate", {"satisfaction": "dissatisfied", "note": "没修好"}).json()
    assert data["status"] == "in_progress" and data["reopen_count"] == 1


def test_merging_into_another_appeal(world, as_user):
    first = report(world)
    second = report(world, "resident2")
    assert_error(as_user("grid_worker").post(f"/appeals/{second.pk}/actions/merge"), 400, "parent_required")
    data = as_user("grid_worker").post(f"/appeals/{second.pk}/actions/merge", {"parent": first.pk}).json()
    assert data["status"] == "merged" and data["parent"] == {"id": first.pk, "number": first.number}


def test_supervise(world, as_user):
    appeal = whistled(world)
    response = as_user("street_staff").post(f"/appeals/{appeal.pk}/supervise", {"note": "请加快处理"})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "manual" and response.json()["unit"]["id"] == world.units[0].pk
    detail = as_user("unit_handler").get(f"/appeals/{appeal.pk}").json()
    assert [s["note"] for s in detail["supervisions"]] == ["请加快处理"]
    assert detail["events"][-1]["action"] == "supervise"

    assert_error(as_user("resident").post(f"/appeals/{appeal.pk}/supervise", {"note": "快点"}), 403, "forbidden")
    assert_error(as_user("street_staff").post(f"/appeals/{appeal.pk}/supervise", {"note": "<b>快</b>"}), 400, "markup")
    Appeal.objects.filter(pk=appeal.pk).update(status=Status.CLOSED)
    assert_error(as_user("street_staff").post(f"/appeals/{appeal.pk}/supervise", {"note": "快"}), 409,
                 "invalid_transition")


def test_tasks_for_grid_workers_and_units(world, as_user):
    new = report(world, grid=0)
    other_grid = report(world, grid=2)
    sent = whistled(world, grid=0, unit=0)
    helping = act(act(report(world, grid=1), Action.ACCEPT, world.users["street_staff"]), Action.WHISTLE,
                  world.users["street_staff"], lead_unit=world.units[1].pk, helper_units=[world.units[0].pk])

    grid = as_user("grid_worker").get("/tasks").json()
    assert grid["unit"] is None
    assert grid["grid"]["to_accept"] == {"count": 1, "ids": [new.pk]}
    assert other_grid.pk not in {i for bucket in grid["grid"].values() for i in bucket["ids"]}

    unit = as_user("unit_handler").get("/tasks").json()
    assert unit["grid"] is None
    assert unit["unit"]["to_claim"] == {"count": 1, "ids": [sent.pk]}
    assert unit["unit"]["to_answer"]["count"] == 0
    assert unit["unit"]["helping"] == {"count": 1, "ids": [helping.pk]}
    assert as_user("resident").get("/tasks").json() == {"grid": None, "unit": None}


# ---------------------------------------------------------------- errors and languages

def test_error_messages_follow_the_request_language(world, as_user):
    appeal = report(world, "resident2")
    chinese = as_user("resident").get(f"/appeals/{appeal.pk}")
    english = as_user("resident", "en").get(f"/appeals/{appeal.pk}")

    assert chinese["Content-Language"] == "zh-hans" and english["Content-Language"] == "en"
    assert english.json()["message"] == "Not found, or you cannot see it."
    with translation.override("zh-hans"):
        expected = str(services.NotFound().message)
    assert chinese.json()["message"] == expected
    if expected != english.json()["message"]:  # the zh-hans catalog is compiled
        assert CJK.search(chinese.json()["message"])


def test_schema_error_messages_are_translated_too(world, as_user):
    with translation.override("zh-hans"):
        expected = translation.gettext("“%(field)s” is required.") % {"field": "content"}
    body = appeal_body(world)
    del body["content"]
    assert as_user("resident").post("/appeals", body).json()["message"] == expected


def test_an_unexpected_error_is_a_logged_500_without_a_traceback(world, as_user, monkeypatch, caplog):
    def boom(user):
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setattr("appeals.selectors.visible_appeals", boom)
    response = as_user("street_staff").get("/appeals")

    body = assert_error(response, 500, "server_error")
    assert "secret detail" not in response.content.decode() and "Traceback" not in body["message"]
    assert any("database on fire" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_unknown_addresses_answer_in_the_error_shape(as_user):
    assert_error(as_user("resident").get("/no/such/thing"), 404, "not_found")


def test_a_wrong_method_answers_in_the_error_shape(as_user):
    api = as_user("resident")
    response = api.client.put(API + "/me", headers=api.headers)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_appeal_ids_that_are_not_numbers_are_not_found(as_user):
    assert_error(as_user("resident").get("/appeals/abc"), 404, "not_found")

