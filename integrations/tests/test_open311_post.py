"""POST requests: the loop entry, the key, and every kind of bad input (clear error, nothing saved)."""

from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection

from accounts.models import Role
from appeals.models import Appeal, AppealEvent
from appeals.workflow import Channel, Status
from core.models import AuditLog, Notification
from integrations.models import Open311Jurisdiction, Open311Key, Open311Request
from integrations.open311 import keys
from integrations.open311.testing import build_open311_world
from regions.models import Building, Estate
from testing.loop import report

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests.json"


@pytest.fixture
def o3():
    cache.clear()
    return build_open311_world()


def counts():
    return Appeal.objects.count(), Open311Request.objects.count(), AppealEvent.objects.count()


def test_post_creates_an_appeal_in_the_loop(client, django_capture_on_commit_callbacks, o3):
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(URL, o3.post_data(account_id="u-42"))
    assert r.status_code == 201, r.content
    [item] = r.json()
    assert set(item) == {"service_request_id", "service_notice", "account_id"}
    assert item["service_notice"] == "网格员将在24小时内到场核实。" and item["account_id"] == "u-42"
    appeal = Appeal.objects.get(number=item["service_request_id"])
    assert appeal.channel == Channel.OPEN311 and appeal.status == Status.SUBMITTED
    assert appeal.grid == o3.world.grids[0] and appeal.category.code == "streetlight"
    assert appeal.reporter == o3.key.account and appeal.reporter_name == "张三"
    assert appeal.reporter_phone == "13812345678"
    assert "路灯杆编号: A-017" in appeal.content and "灯的类型: LED" in appeal.content
    extra = appeal.open311
    assert extra.attributes == {"pole": "A-017", "lamp": "led"} and extra.email == "zhang.san@example.cn"
    assert extra.media_url == "https://img.example.cn/p/1.jpg" and extra.key == o3.key
    with connection.cursor() as cur:  # personal data is ciphertext at rest
        cur.execute("SELECT reporter_phone FROM appeals_appeal WHERE id = %s", [appeal.pk])
        assert "13812345678" not in cur.fetchone()[0]
        cur.execute("SELECT email, first_name FROM integrations_open311request WHERE id = %s", [extra.pk])
        assert not {"zhang.san@example.cn", "三"} & set(cur.fetchone())
    assert AppealEvent.objects.filter(appeal=appeal, action="submit", data__channel="open311").exists()
    grid_worker = o3.world.users["grid_worker"]
    assert Notification.objects.filter(recipient=grid_worker, verb="new_appeal").count() == 1
    assert not Notification.objects.filter(recipient=o3.world.users["grid_worker_other"]).exists()
    assert AuditLog.objects.filter(action="create", object_type="appeals.appeal", object_id=str(appeal.pk),
                                   note="open311").exists()
    o3.key.refresh_from_db()
    assert o3.key.last_used_at is not None


def test_grid_worker_can_take_it_on(client, o3):
    number = client.post(URL, o3.post_data()).json()[0]["service_request_id"]
    from testing.loop import act
    appeal = act(Appeal.objects.get(number=number), "accept", o3.world.users["grid_worker"])
    assert appeal.status == Status.ACCEPTED


def test_post_xml_response(client, o3):
    r = client.post("/open311/v2/requests.xml", o3.post_data())
    assert r.status_code == 201
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == Appeal.objects.get().number
    assert root.find("request/account_id") is not None and root.find("request/account_id").text is None


def test_batch_jurisdiction_returns_a_token_then_the_id(client):
    o3 = build_open311_world(service_type=Open311Jurisdiction.ServiceType.BATCH)
    [item] = client.post(URL, o3.post_data()).json()
    assert "service_request_id" not in item and item["token"]
    [found] = client.get(f"/open311/v2/tokens/{item['token']}.json").json()
    assert found == {"service_request_id": Appeal.objects.get().number, "token": item["token"]}
    root = ET.fromstring(client.get(f"/open311/v2/tokens/{item['token']}.xml").content)
    assert root.findtext("request/token") == item["token"]
    r = client.get("/open311/v2/tokens/nope.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


def test_location_by_building_id_and_by_address_string(client, o3):
    estate = Estate.objects.create(name="凤凰小区", community=o3.world.communities[0])
    lng, lat = o3.world.point_in(1)
    building = Building.objects.create(estate=estate, number="3", grid=o3.world.grids[1], lng=lng, lat=lat)
    r = client.post(URL, o3.post_data(lat=None, long=None, address_id=str(building.pk)))
    assert r.status_code == 201, r.content
    assert Appeal.objects.get(number=r.json()[0]["service_request_id"]).building == building
    r = client.post(URL, o3.post_data(lat=None, long=None, address_string="凤凰小区3号楼东侧"))
    assert r.status_code == 201, r.content
    appeal = Appeal.objects.get(number=r.json()[0]["service_request_id"])
    assert appeal.grid == o3.world.grids[1] and appeal.address == "凤凰小区3号楼东侧"


@pytest.mark.parametrize("raw,code", [(None, 403), ("", 403), ("o311_wrong", 403)])
def test_post_without_a_valid_key_is_403(client, o3, raw, code):
    before = counts()
    r = client.post(URL, o3.post_data(api_key=raw))
    assert r.status_code == code and r.json()[0]["code"] == 403
    assert r.json()[0]["description"]
    assert counts() == before


def test_revoked_key_and_other_jurisdictions_key_are_403(client, o3):
    keys.revoke_key(actor=o3.world.users["street_staff"], key_id=o3.key.pk)
    r = client.post("/open311/v2/requests.xml", o3.post_data())
    assert r.status_code == 403 and ET.fromstring(r.content).findtext("error/code") == "403"
    from testing.factories import RegionFactory
    other = RegionFactory(code="150302009", name="别的街道", level="street")
    Open311Jurisdiction.objects.create(jurisdiction_id="other", street=other)
    _key, raw = keys.issue_key(actor=o3.world.users["street_staff"].__class__.objects.filter(is_superuser=True).first()
                               or _admin(), street_id=other.pk, name="别的平台")
    r = client.post(URL, o3.post_data(api_key=raw))
    assert r.status_code == 403
    assert Appeal.objects.count() == 0


def _admin():
    from testing.factories import user_with_role
    return user_with_role(Role.ADMIN, username="admin")


BAD = [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "nope"}, 404, "nope"),
    ({"service_code": "municipal"}, 404, "municipal"),
    ({"lat": None, "long": None}, 400, "lat"),
    ({"long": None}, 400, "lat"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "91", "long": "106.8"}, 400, "lat"),
    ({"lat": "30.0", "long": "120.0"}, 400, ""),
    ({"lat": None, "long": None, "address_id": "999999"}, 400, "address_id"),
    ({"lat": None, "long": None, "address_string": "火星某处"}, 400, "address_string"),
    ({"email": "not-an-email"}, 400, "email"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"media_url": "ftp://x.cn/a.jpg"}, 400, "media_url"),
    ({"attribute[pole]": None}, 400, "pole"),
    ({"attribute[lamp]": "neon"}, 400, "lamp"),
    ({"attribute[colour]": "red"}, 400, "colour"),
    ({"attribute": "x"}, 400, "attribute"),
    ({"description": "<script>alert(1)</script>"}, 400, "description"),
    ({"description": "长" * 4001}, 400, "description"),
    ({"phone": "12345"}, 400, ""),
    ({"first_name": "名" * 31}, 400, "first_name"),
]


@pytest.mark.parametrize("overrides,status,mentions", BAD)
def test_bad_input_is_a_clear_error_and_saves_nothing(client, o3, overrides, status, mentions):
    before = counts()
    r = client.post(URL, o3.post_data(**overrides))
    assert r.status_code == status, r.content
    [error] = r.json()
    assert error["code"] == status and mentions in error["description"]
    assert counts() == before


def test_outside_the_jurisdiction_street_is_refused(client, o3):
    from testing.factories import RegionFactory, square
    other_street = RegionFactory(code="150302077", name="外街道", level="street", geometry=square(107.5, 39.0, 0.04))
    community = RegionFactory(code="150302077001", name="外社区", level="community", parent=other_street,
                              geometry=square(107.5, 39.0, 0.02))
    RegionFactory(code="150302077001001", name="外网格", level="grid", parent=community, geometry=square(107.5, 39.0, 0.01))
    r = client.post(URL, o3.post_data(lat="39.005", long="107.505"))
    assert r.status_code == 400 and o3.jurisdiction.jurisdiction_id in r.json()[0]["description"]
    assert Appeal.objects.count() == 0


def test_multi_value_attribute(client, o3):
    from integrations.models import Open311Attribute
    Open311Attribute.objects.create(category=o3.pole.category, code="faults", datatype="multivaluelist", order=3,
                                    description="故障", values=[{"key": "dark", "name": "不亮"}, {"key": "flicker", "name": "闪烁"}])
    data = o3.post_data()
    data["attribute[faults][]"] = ["dark", "flicker"]
    r = client.post(URL, data)
    assert r.status_code == 201, r.content
    assert Open311Request.objects.get().attributes["faults"] == ["dark", "flicker"]
    data["attribute[faults][]"] = ["dark", "smoke"]
    assert client.post(URL, data).status_code == 400


def test_description_may_be_left_out(client, o3):
    r = client.post(URL, o3.post_data(description=None))
    assert r.status_code == 201
    appeal = Appeal.objects.get()
    assert "路灯" in appeal.content and "A-017" in appeal.content


def test_rate_limit_per_key(client):
    cache.clear()
    o3 = build_open311_world(posts_per_minute=2)
    assert [client.post(URL, o3.post_data()).status_code for _ in range(3)] == [201, 201, 429]
    r = client.post(URL, o3.post_data())
    assert r.json()[0]["code"] == 429
    assert Appeal.objects.count() == 2


def test_revoked_keys_account_cannot_log_in(o3):
    keys.revoke_key(actor=o3.world.users["street_staff"], key_id=o3.key.pk)
    assert not Open311Key.objects.get().account.is_active
    assert not o3.key.account.has_usable_password()


def test_appeal_page_panel_for_staff_only(client, o3):
    from integrations.open311.hooks import open311_link
    appeal = Appeal.objects.get(number=client.post(URL, o3.post_data()).json()[0]["service_request_id"])
    [panel] = open311_link(appeal, o3.world.users["grid_worker"])
    assert panel["key"] == "open311" and "区12345平台" in panel["text"] and appeal.open311.token in panel["text"]
    assert panel["url"] == "https://img.example.cn/p/1.jpg"
    assert open311_link(appeal, o3.world.users["resident"]) == []
    assert open311_link(report(o3.world), o3.world.users["grid_worker"]) == []
