"""Who may call /api/v1/: Bearer tokens, browser sessions with CSRF, and the
current user's own things (profile, tokens, inbox)."""

import datetime as dt

import pytest
from django.test import Client

from accounts.auth import MAX_ACTIVE_TOKENS, token_create, token_revoke
from accounts.models import ApiToken
from core.errors import ValidationFailed
from core.models import AuditLog, Notification
from testing.world import build_world

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message"} and body["code"] == code and body["message"]
    return body


@pytest.fixture
def browser(world):
    """A logged-in browser that, like a real one, is held to the CSRF check."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["community_staff"])
    client.get(API + "/docs")  # any page that renders a CSRF token sets the cookie
    return client


def csrf_headers(client: Client) -> dict:
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


# ---------------------------------------------------------------- tokens

def test_a_valid_token_authenticates_and_records_its_use(world, client):
    token, key = ApiToken.issue(world.users["grid_worker"], "phone")
    response = client.get(API + "/me", headers=bearer(key))

    assert response.status_code == 200
    assert response.json()["username"] == "grid0"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.key_hash != key and key not in token.key_hash


def test_last_use_is_written_at_most_once_a_minute(world, client):
    token, key = ApiToken.issue(world.users["grid_worker"], "phone")
    client.get(API + "/me", headers=bearer(key))
    token.refresh_from_db()
    first = token.last_used_at
    client.get(API + "/me", headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=5))
    client.get(API + "/me", headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=5)


def test_no_credentials_is_401(client):
    response = client.get(API + "/appeals")
    assert_error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.post(API + "/appeals", {}, content_type="application/json"), 401, "unauthenticated")


@pytest.mark.parametrize("header", ["Bearer ll_not-a-real-key", "Bearer ", "bearer ll_wrong"])
def test_an_unknown_token_is_401(world, client, header):
    assert_error(client.get(API + "/me", headers={"Authorization": header}), 401, "invalid_token")


def test_a_revoked_token_is_401(world, client):
    token, key = ApiToken.issue(world.users["grid_worker"], "phone")
    token_revoke(user=world.users["grid_worker"], token_id=token.pk)
    assert_error(client.get(API + "/me", headers=bearer(key)), 401, "invalid_token")


def test_a_deactivated_users_token_is_401(world, client):
    user = world.users["grid_worker"]
    _, key = ApiToken.issue(user, "phone")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_error(client.get(API + "/me", headers=bearer(key)), 401, "invalid_token")


def test_a_bad_token_is_not_rescued_by_a_session(world, browser):
    assert_error(browser.get(API + "/me", headers=bearer("ll_wrong")), 401, "invalid_token")


def test_the_401_message_follows_the_language(client):
    english = client.get(API + "/me", headers={"Accept-Language": "en"})
    assert english.json()["message"].startswith("Log in")
    assert client.get(API + "/me")["Content-Language"] == "zh-hans"


def test_a_token_is_made_from_a_session_and_shown_once(world, browser, client):
    response = browser.post(API + "/tokens", {"name": "巡查手机"}, content_type="application/json",
                            headers=csrf_headers(browser))

    assert response.status_code == 201, response.content
    made = response.json()
    assert made["name"] == "巡查手机" and made["key"].startswith(made["prefix"]) and made["revoked_at"] is None
    assert client.get(API + "/me", headers=bearer(made["key"])).json()["username"] == "community0"
    listed = browser.get(API + "/tokens").json()
    assert [t["id"] for t in listed] == [made["id"]] and "key" not in listed[0]
    assert AuditLog.objects.filter(object_type="accounts.apitoken", object_id=str(made["id"]), action="create").exists()


def test_a_token_cannot_mint_tokens(world, client):
    _, key = ApiToken.issue(world.users["community_staff"], "script")
    response = client.post(API + "/tokens", {"name": "more"}, content_type="application/json", headers=bearer(key))
    assert_error(response, 401, "unauthenticated")
    assert ApiToken.objects.count() == 1


def test_token_names_are_checked(world, browser):
    headers = csrf_headers(browser)
    assert_error(browser.post(API + "/tokens", {"name": "<b>x</b>"}, content_type="application/json", headers=headers),
                 400, "markup")
    assert_error(browser.post(API + "/tokens", {"name": " "}, content_type="application/json", headers=headers),
                 400, "required")
    assert_error(browser.post(API + "/tokens", {}, content_type="application/json", headers=headers), 400, "required")


def test_active_tokens_are_limited(world):
    user = world.users["street_staff"]
    for n in range(MAX_ACTIVE_TOKENS):
        token_create(user=user, name=f"t{n}")
    with pytest.raises(ValidationFailed) as raised:
        token_create(user=user, name="one too many")
    assert raised.value.code == "too_many_tokens"


def test_revoking_a_token_through_the_api(world, client):
    user = world.users["street_staff"]
    keep, keep_key = ApiToken.issue(user, "keep")
    lost, lost_key = ApiToken.issue(user, "lost laptop")

    response = client.delete(f"{API}/tokens/{lost.pk}", headers=bearer(keep_key))
    assert response.status_code == 204 and response.content == b""
    assert_error(client.get(API + "/me", headers=bearer(lost_key)), 401, "invalid_token")
    assert client.get(API + "/me", headers=bearer(keep_key)).status_code == 200
    assert client.delete(f"{API}/tokens/{lost.pk}", headers=bearer(keep_key)).status_code == 204  # again: harmless
    assert AuditLog.objects.filter(object_id=str(lost.pk), note="revoked").count() == 1


def test_nobody_revokes_someone_elses_token(world, client):
    theirs, their_key = ApiToken.issue(world.users["street_staff"], "theirs")
    _, my_key = ApiToken.issue(world.users["resident"], "mine")
    assert_error(client.delete(f"{API}/tokens/{theirs.pk}", headers=bearer(my_key)), 404, "not_found")
    assert client.get(API + "/me", headers=bearer(their_key)).status_code == 200


# ---------------------------------------------------------------- sessions and CSRF

def test_a_session_reads_without_csrf(world, browser):
    assert browser.get(API + "/me").json()["username"] == "community0"


def test_a_session_write_without_csrf_is_refused(world, browser):
    response = browser.post(API + "/appeals", {"content": "路灯坏了很久了", "category": "streetlight"},
                            content_type="application/json")
    assert_error(response, 403, "csrf_failed")
    response = browser.post(API + "/tokens", {"name": "x"}, content_type="application/json")
    assert_error(response, 403, "csrf_failed")
    assert not ApiToken.objects.exists()


def test_a_session_write_with_csrf_goes_through(world, browser):
    lng, lat = world.point_in(0)
    response = browser.post(API + "/appeals", {"content": "路灯坏了很久了", "category": "streetlight", "lng": lng,
                                               "lat": lat, "channel": "walk_in"},
                            content_type="application/json", headers=csrf_headers(browser))
    assert response.status_code == 201, response.content


def test_an_anonymous_write_is_401_not_a_csrf_error():
    anonymous = Client(enforce_csrf_checks=True)
    assert_error(anonymous.post(API + "/appeals", {}, content_type="application/json"), 401, "unauthenticated")


# ---------------------------------------------------------------- me and my inbox

def test_me_lists_roles_with_their_scopes(world, client):
    _, key = ApiToken.issue(world.users["community_staff"], "t")
    data = client.get(API + "/me", headers=bearer(key)).json()
    assert data["is_admin"] is False
    (role,) = data["roles"]
    assert role["role"] == "community_staff" and role["is_leader"] is True
    assert role["scope"] == {"type": "region", "id": world.communities[0].pk, "code": world.communities[0].code,
                             "level": "community", "name": world.communities[0].name}

    _, key = ApiToken.issue(world.users["unit_handler"], "t")
    (role,) = client.get(API + "/me", headers=bearer(key)).json()["roles"]
    assert role["scope"]["type"] == "unit" and role["scope"]["name"] == world.units[0].name


def test_notifications_list_and_read(world, client):
    user = world.users["grid_worker"]
    old = Notification.objects.create(recipient=user, verb="new_appeal", title="旧消息")
    new = Notification.objects.create(recipient=user, verb="supervision", title="督办")
    others = Notification.objects.create(recipient=world.users["resident"], verb="progress", title="别人的")
    _, key = ApiToken.issue(user, "t")

    page = client.get(API + "/notifications", headers=bearer(key)).json()
    assert page["count"] == 2 and [n["id"] for n in page["items"]] == [new.pk, old.pk]

    response = client.post(f"{API}/notifications/{old.pk}/read", headers=bearer(key))
    assert response.status_code == 200 and response.json()["read_at"]
    first_read = Notification.objects.get(pk=old.pk).read_at
    client.post(f"{API}/notifications/{old.pk}/read", headers=bearer(key))
    assert Notification.objects.get(pk=old.pk).read_at == first_read

    unread = client.get(API + "/notifications", {"unread": "true"}, headers=bearer(key)).json()
    assert [n["id"] for n in unread["items"]] == [new.pk]
    assert_error(client.post(f"{API}/notifications/{others.pk}/read", headers=bearer(key)), 404, "not_found")
    assert Notification.objects.get(pk=others.pk).read_at is None
