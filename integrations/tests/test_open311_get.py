"""GET requests: one, a list with its filters and defaults, status after real transitions,
and no personal data in any response."""

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.utils import timezone

from appeals.models import Appeal
from appeals.workflow import Channel
from integrations.open311 import selectors
from integrations.open311.testing import build_open311_world
from testing.loop import act, report

pytestmark = pytest.mark.django_db
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
                  "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture
def o3():
    cache.clear()
    return build_open311_world()


def post(client, o3, **overrides) -> Appeal:
    r = client.post("/open311/v2/requests.json", o3.post_data(**overrides))
    assert r.status_code == 201, r.content
    return Appeal.objects.get(number=r.json()[0]["service_request_id"])


def one(client, appeal, fmt="json"):
    r = client.get(f"/open311/v2/requests/{appeal.number}.{fmt}")
    assert r.status_code == 200
    return r.json()[0] if fmt == "json" else ET.fromstring(r.content).find("request")


def test_get_one_matches_spec_shape(client, o3):
    appeal = post(client, o3)
    item = one(client, appeal)
    assert set(item) == REQUEST_FIELDS
    assert item["service_request_id"] == appeal.number and item["status"] == "open"
    assert item["service_code"] == "streetlight" and item["service_name"] == "路灯"
    assert item["description"] == "小区门口的路灯坏了一周了，晚上很黑。"
    assert item["agency_responsible"] == o3.world.communities[0].name
    assert item["service_notice"] == "网格员将在24小时内到场核实。"
    assert item["requested_datetime"] == timezone.localtime(appeal.created_at).isoformat(timespec="seconds")
    assert item["requested_datetime"].endswith("+08:00") and item["expected_datetime"] is None
    assert item["lat"] == pytest.approx(appeal.lat) and item["long"] == pytest.approx(appeal.lng)
    assert item["media_url"] == "https://img.example.cn/p/1.jpg"
    node = one(client, appeal, "xml")
    assert {c.tag for c in node} == REQUEST_FIELDS
    assert node.findtext("status") == "open" and node.findtext("service_request_id") == appeal.number


def test_unknown_request_is_404(client, o3):
    for fmt in ("json", "xml"):
        r = client.get(f"/open311/v2/requests/19990101000001.{fmt}")
        assert r.status_code == 404


def test_personal_data_never_appears(client, o3):
    appeal = post(client, o3, description="路灯坏了，联系我13987654321，身份证150302199001011234")
    for url in (f"/open311/v2/requests/{appeal.number}.json", f"/open311/v2/requests/{appeal.number}.xml",
                "/open311/v2/requests.json", "/open311/v2/requests.xml"):
        body = client.get(url).content.decode()
        for secret in ("13812345678", "zhang.san@example.cn", "张三", "13987654321", "199001011234",
                       o3.key.account.username):
            assert secret not in body, (url, secret)
    assert "139****4321" in client.get(f"/open311/v2/requests/{appeal.number}.json").content.decode()


def test_status_follows_real_transitions(client, o3):
    users = o3.world.users
    appeal = post(client, o3)
    act(appeal, "accept", users["grid_worker"])
    accepted = one(client, appeal)
    assert accepted["status"] == "open" and accepted["expected_datetime"].endswith("+08:00")
    act(appeal, "whistle", users["street_staff"], lead_unit=o3.world.units[0], note="请尽快维修")
    act(appeal, "claim", users["unit_handler"])
    assert one(client, appeal)["agency_responsible"] == o3.world.units[0].name
    act(appeal, "answer", users["unit_handler"], note="已更换灯泡，恢复照明。")
    act(appeal, "pass", users["grid_worker"])
    item = one(client, appeal)
    assert item["status"] == "open" and item["status_notes"] == "已更换灯泡，恢复照明。"
    act(appeal, "rate", users["street_staff"], satisfaction="satisfied")
    closed = one(client, appeal, "xml")
    assert closed.findtext("status") == "closed" and closed.findtext("status_notes") == "已更换灯泡，恢复照明。"
    assert closed.findtext("updated_datetime") >= closed.findtext("requested_datetime")


def test_rejected_merged_and_suspended(client, o3):
    users = o3.world.users
    rejected, parent, dup, held = (post(client, o3) for _ in range(4))
    act(rejected, "reject", users["grid_worker"], note="非本辖区事项，已告知去电13500001111")
    item = one(client, rejected)
    assert item["status"] == "closed" and item["status_notes"] == "非本辖区事项，已告知去电135****1111"
    act(dup, "merge", users["grid_worker"], parent=parent)
    merged = one(client, dup)
    assert merged["status"] == "open" and parent.number in merged["status_notes"]  # follows the open parent
    act(held, "accept", users["grid_worker"])
    act(held, "suspend", users["community_staff"], note="等待产权单位确认")
    assert one(client, held)["status"] == "open" and "等待" not in (one(client, held)["status_notes"] or "")
    act(parent, "reject", users["grid_worker"], note="重复")
    assert one(client, dup)["status"] == "closed"
    numbers = {i["service_request_id"] for i in client.get("/open311/v2/requests.json", {"status": "closed"}).json()}
    assert numbers == {rejected.number, parent.number, dup.number}
    numbers = {i["service_request_id"] for i in client.get("/open311/v2/requests.json", {"status": "open"}).json()}
    assert numbers == {held.number}


def test_list_filters_and_defaults(client, o3):
    now = timezone.now()
    old = post(client, o3)
    Appeal.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=100))
    recent = post(client, o3)
    other_code = report(o3.world, channel=Channel.OPEN311, user="resident")  # open311 channel, not via the API
    from testing.factories import CategoryFactory
    CategoryFactory(code="pothole", name="坑洼", parent=o3.world.category.parent)
    pothole = post(client, o3, service_code="pothole", **{"attribute[pole]": None, "attribute[lamp]": None})

    def ids(**params):
        r = client.get("/open311/v2/requests.json", params)
        assert r.status_code == 200, r.content
        return [i["service_request_id"] for i in r.json()]

    assert set(ids()) == {recent.number, other_code.number, pothole.number}  # default: the last 90 days
    assert ids()[0] == pothole.number  # newest first
    assert ids(service_code="pothole") == [pothole.number]
    assert set(ids(service_code="pothole,streetlight")) == {recent.number, other_code.number, pothole.number}
    assert ids(service_request_id=f"{old.number},{pothole.number}") == [pothole.number, old.number]  # overrides dates
    day = timezone.localtime(now - dt.timedelta(days=100)).date()
    assert ids(start_date=f"{day}T00:00:00+08:00", end_date=f"{day}T23:59:59+08:00") == [old.number]
    assert ids(start_date=f"{day}") == [old.number]  # start alone: 90 days from it
    assert ids(end_date=(now - dt.timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ")) == [old.number]
    assert ids(start_date=(now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), status="open,closed") == \
        [pothole.number, other_code.number, recent.number]
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests" and len(root.findall("request")) == 3


def test_list_caps_at_the_limit(client, o3, monkeypatch):
    made = [post(client, o3) for _ in range(3)]
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 2)
    items = client.get("/open311/v2/requests.json").json()
    assert [i["service_request_id"] for i in items] == [made[2].number, made[1].number]


@pytest.mark.parametrize("params,mentions", [
    ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}, "90"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2024-13-45"}, "end_date"),
    ({"start_date": "2024-05-02", "end_date": "2024-05-01"}, "end_date"),
    ({"status": "pending"}, "status"),
])
def test_bad_filters_are_400(client, o3, params, mentions):
    for fmt in ("json", "xml"):
        r = client.get(f"/open311/v2/requests.{fmt}", params)
        assert r.status_code == 400
        description = r.json()[0]["description"] if fmt == "json" else ET.fromstring(r.content).findtext("error/description")
        assert mentions in description


def test_what_is_published(client, o3):
    own = post(client, o3)
    resident = report(o3.world)  # a resident's own report in the app
    mediation = report(o3.world, user="street_staff", channel=Channel.MEDIATION)
    listed = {i["service_request_id"] for i in client.get("/open311/v2/requests.json").json()}
    assert listed == {own.number}
    assert client.get(f"/open311/v2/requests/{resident.number}.json").status_code == 404
    o3.jurisdiction.publish_all_channels = True
    o3.jurisdiction.save()
    listed = {i["service_request_id"] for i in client.get("/open311/v2/requests.json").json()}
    assert listed == {own.number, resident.number}  # mediation stays private
    assert client.get(f"/open311/v2/requests/{mediation.number}.json").status_code == 404
    assert one(client, resident)["description"] == resident.content and one(client, resident)["media_url"] is None
