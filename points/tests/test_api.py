"""The points ledger and the 爱心超市 through /api/v1/ with Bearer tokens: the
same rules as the pages, errors as {"code", "message"}, never a 500."""

import pytest

from accounts.models import ApiToken
from core.models import AuditLog
from points import selectors, services
from points.models import PointsEntry, Redemption, Reward
from testing.world import build_world

from .factories import RewardFactory, fund, resident_of

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def person(world):
    user = resident_of(world.communities[0], name="张桂兰", phone="13947300001")
    fund(user, 100, community=world.communities[0])
    return user


@pytest.fixture
def rice(world):
    return RewardFactory(community=world.communities[0], name="大米5斤", points=30, stock=3)


class Api:
    def __init__(self, client, user):
        self.client = client
        _, key = ApiToken.issue(user, "test")
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(API + path, data or {}, content_type="application/json", headers=self.headers)

    def put(self, path, data=None):
        return self.client.put(API + path, data or {}, content_type="application/json", headers=self.headers)

    def raw(self, method, path, body: str):
        return getattr(self.client, method)(API + path, body, content_type="application/json", headers=self.headers)


@pytest.fixture
def as_user(client, world):
    return lambda user: Api(client, world.users[user] if isinstance(user, str) else user)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message"} and body["message"]
    if code:
        assert body["code"] == code, body
    return body


# ---------------------------------------------------------------- a resident

def test_a_resident_reads_balance_ledger_and_catalogue(as_user, world, person, rice):
    services.redeem(actor=world.users["community_staff"], user=person, reward=rice)
    me = as_user(person)
    assert me.get("/points/me").json() == {"user_id": person.pk, "balance": 70,
                                           "community": {"code": world.communities[0].code,
                                                         "name": world.communities[0].name}}
    entries = me.get("/points/me/entries").json()
    assert entries["count"] == 2
    assert [e["amount"] for e in entries["items"]] == [-30, 100]
    assert entries["items"][0]["source"] == "redemption" and entries["items"][0]["balance_after"] == 70
    rewards = me.get("/rewards").json()
    assert [r["name"] for r in rewards] == ["大米5斤"] and rewards[0]["stock"] == 2
    mine = me.get("/redemptions").json()
    assert mine["count"] == 1 and mine["items"][0]["person"]["id"] == person.pk


def test_a_reversed_entry_names_its_reversal(as_user, person):
    entry = PointsEntry.objects.get(account__user=person)
    reversal = services.reverse(entry=entry, actor=None, reason="重复")
    items = as_user(person).get("/points/me/entries").json()["items"]
    assert items[0]["reverses_id"] == entry.pk and items[1]["reversed_by_id"] == reversal.pk


def test_another_communitys_catalogue_shows_only_offered_items(as_user, world, person):
    RewardFactory(community=world.communities[1], name="洗衣液", points=10)
    RewardFactory(community=world.communities[1], name="下架了", points=10, is_active=False)
    names = [r["name"] for r in as_user(person).get("/rewards", community=world.communities[1].code).json()]
    assert names == ["洗衣液"]
    staff_names = [r["name"] for r in as_user("community_staff_other").get(
        "/rewards", community=world.communities[1].code).json()]
    assert sorted(staff_names) == ["下架了", "洗衣液"]
    assert_error(as_user(person).get("/rewards", community="nowhere"), 404, "not_found")
    assert_error(as_user(person).get("/rewards", community=world.street.code), 404, "not_found")


def test_a_resident_cannot_redeem_adjust_or_reverse(as_user, person, rice):
    me = as_user(person)
    assert_error(me.post("/redemptions", {"user_id": person.pk, "reward_id": rice.pk}), 403)
    assert_error(me.post("/points/adjustments", {"user_id": person.pk, "amount": 1000, "reason": "自己加"}), 403)
    entry = PointsEntry.objects.get(account__user=person)
    assert_error(me.post(f"/points/entries/{entry.pk}/reverse", {"reason": "x"}), 404)
    assert_error(me.get("/points/people", q="张"), 403)
    assert selectors.balance(person) == 100 and not Redemption.objects.exists()


# ---------------------------------------------------------------- the counter

def test_staff_find_redeem_and_cancel(as_user, person, rice):
    staff = as_user("community_staff")
    found = staff.get("/points/people", q="13947300001").json()
    assert found == [{"id": person.pk, "name": "张桂兰", "phone_masked": "139****0001",
                      "community": {"code": person.person.household.building.grid.parent.code,
                                    "name": person.person.household.building.grid.parent.name}, "balance": 100}]
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).count() == 1
    created = staff.post("/redemptions", {"user_id": person.pk, "reward_id": rice.pk, "quantity": 2})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["points"], body["quantity"], body["status"], body["balance_after"]) == (60, 2, "done", 40)
    cancelled = staff.post(f"/redemptions/{body['id']}/cancel", {"reason": "物品退回"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_error(staff.post(f"/redemptions/{body['id']}/cancel", {"reason": "再退"}), 409, "already_cancelled")
    assert Reward.objects.get(pk=rice.pk).stock == 3 and selectors.balance(person) == 100
    ledger = staff.get(f"/points/people/{person.pk}/entries").json()
    assert [e["kind"] for e in ledger["items"]] == ["reversal", "debit", "credit"]


@pytest.mark.parametrize("body, status, code", [
    ({"quantity": 0}, 400, "bad_quantity"),
    ({"quantity": 21}, 400, "bad_quantity"),
    ({"quantity": 4}, 400, "out_of_stock"),
    ({"quantity": "two"}, 400, "invalid"),
    ({"reward_id": 999999}, 404, "not_found"),
    ({"user_id": 999999}, 404, "not_found"),
    ({"reward_id": None}, 400, None),
])
def test_bad_redemptions_over_the_api(as_user, person, rice, body, status, code):
    payload = {"user_id": person.pk, "reward_id": rice.pk, "quantity": 1, **body}
    assert_error(as_user("community_staff").post("/redemptions", payload), status, code)
    assert not Redemption.objects.exists() and selectors.balance(person) == 100


def test_insufficient_points_over_the_api(as_user, world, person):
    tv = RewardFactory(community=world.communities[0], name="体检券", points=101)
    assert_error(as_user("community_staff").post("/redemptions", {"user_id": person.pk, "reward_id": tv.pk}),
                 400, "insufficient_points")


def test_another_communitys_staff_are_refused(as_user, person, rice):
    other = as_user("community_staff_other")
    assert_error(other.post("/redemptions", {"user_id": person.pk, "reward_id": rice.pk}), 403)
    assert_error(other.get(f"/points/people/{person.pk}"), 404)
    assert other.get("/points/people", q="张桂兰").json() == []


# ---------------------------------------------------------------- adjustments and reversals

def test_staff_adjust_and_reverse(as_user, world, person):
    staff = as_user("community_staff")
    created = staff.post("/points/adjustments", {"user_id": person.pk, "amount": -40, "reason": "误录扣回"})
    assert created.status_code == 201, created.content
    entry = created.json()
    assert (entry["amount"], entry["kind"], entry["balance_after"]) == (-40, "debit", 60)
    assert entry["community"]["code"] == world.communities[0].code
    reversed_ = staff.post(f"/points/entries/{entry['id']}/reverse", {"reason": "扣错了"})
    assert reversed_.status_code == 201 and reversed_.json()["reverses_id"] == entry["id"]
    assert_error(staff.post(f"/points/entries/{entry['id']}/reverse", {"reason": "再冲"}), 409, "already_reversed")
    assert_error(staff.post(f"/points/entries/{reversed_.json()['id']}/reverse", {"reason": "冲正的冲正"}), 400,
                 "reverse_reversal")
    assert selectors.balance(person) == 100


@pytest.mark.parametrize("body, status, code", [
    ({"amount": 0}, 400, "bad_points"),
    ({"amount": -101}, 400, "insufficient_points"),
    ({"amount": 10, "reason": ""}, 400, "required"),
    ({"amount": 10, "reason": "<script>x</script>"}, 400, "markup"),
    ({"amount": "lots"}, 400, "invalid"),
    ({"amount": 10, "community": "nowhere"}, 404, "not_found"),
    ({"amount": 10, "user_id": 999999}, 404, "not_found"),
])
def test_bad_adjustments_over_the_api(as_user, person, body, status, code):
    payload = {"user_id": person.pk, "reason": "表彰", **body}
    assert_error(as_user("community_staff").post("/points/adjustments", payload), status, code)
    assert selectors.balance(person) == 100


def test_garbage_bodies_never_give_a_500(as_user, person, rice):
    staff = as_user("community_staff")
    for method, path in [("post", "/redemptions"), ("post", "/points/adjustments"),
                         ("post", "/redemptions/1/cancel"), ("put", f"/points/rules/{rice.community.code}")]:
        for body in ("", "{", "[]", '{"user_id": {"a": 1}}', "null"):
            response = staff.raw(method, path, body)
            assert 400 <= response.status_code < 500, (method, path, body, response.content)
            assert set(response.json()) == {"code", "message"}


# ---------------------------------------------------------------- rules

def test_rules_over_the_api(as_user, world):
    community = world.communities[0]
    path = f"/points/rules/{community.code}"
    assert_error(as_user("community_staff_other").put(path, {"rules": {"activity_hour": 20}}), 403)
    staff = as_user("community_staff")
    body = staff.put(path, {"rules": {"activity_hour": 20, "order_wish": 15}}).json()
    rules = {r["key"]: r for r in body["rules"]}
    assert body["can_edit"] is True
    assert (rules["activity_hour"]["effective"], rules["activity_hour"]["source"]) == (20, "own")
    assert rules["order_service"]["source"] == "default"
    as_user("street_staff").put(f"/points/rules/{world.street.code}", {"rules": {"order_service": 8}})
    rules = {r["key"]: r for r in as_user("resident").get(path).json()["rules"]}
    assert (rules["order_service"]["effective"], rules["order_service"]["source"]) == (8, "street")
    assert rules["order_service"]["source_region"]["code"] == world.street.code
    cleared = staff.put(path, {"rules": {"activity_hour": None}}).json()
    assert {r["key"]: r for r in cleared["rules"]}["activity_hour"]["own"] is None
    assert_error(staff.put(path, {"rules": {"per_smile": 3}}), 400, "invalid")
    assert_error(staff.put(path, {"rules": {"activity_hour": -1}}), 400, "bad_points")
    assert_error(staff.get(f"/points/rules/{world.grids[0].code}"), 404)
    assert_error(staff.get("/points/rules/nowhere"), 404)
    assert staff.get(f"/points/rules/{community.pk}").json()["region"]["code"] == community.code


def test_ids_beyond_any_integer_column_are_not_found(as_user, person, rice):
    staff, huge = as_user("community_staff"), 10 ** 20
    assert_error(staff.get(f"/points/people/{huge}"), 404)
    assert_error(staff.post(f"/redemptions/{huge}/cancel", {"reason": "退"}), 404)
    assert_error(staff.post(f"/points/entries/{huge}/reverse", {"reason": "冲"}), 404)
    assert_error(staff.post("/redemptions", {"user_id": huge, "reward_id": rice.pk}), 404)
    assert_error(staff.post("/redemptions", {"user_id": person.pk, "reward_id": huge}), 404)
    assert_error(staff.post("/points/adjustments", {"user_id": huge, "amount": 5, "reason": "奖励"}), 404)
