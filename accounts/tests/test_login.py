"""Logging in and out through the page, with rate limiting and audit rows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginAttempt
from core.models import AuditLog
from testing.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # testing.factories.UserFactory's password


@pytest.fixture
def user():
    return UserFactory(username="zhangsan")


def post_login(client, username, password, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def test_login_page_is_in_chinese_and_lists_nothing_secret(client, user):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "登录邻里" in page and 'autocomplete="current-password"' in page
    assert "zhangsan" not in page


def test_good_login_lands_on_home_and_is_audited(client, user):
    response = post_login(client, "zhangsan", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("core:home")
    row = AuditLog.objects.get(action=AuditLog.Action.LOGIN)
    assert row.actor == user
    page = client.get(reverse("core:home"), follow=True).content.decode()
    assert "退出" in page


def test_wrong_password_shows_a_message_and_is_audited(client, user):
    response = post_login(client, "zhangsan", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.content.decode()
    assert 'value="zhangsan"' in response.content.decode()  # the user name is kept
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILED, object_repr="zhangsan").count() == 1
    assert LoginAttempt.objects.filter(username="zhangsan").count() == 1


def test_too_many_failures_for_a_user_name_block_even_the_right_password(client, user, settings):
    settings.LOGIN_RATE_LIMIT = 5
    for _ in range(5):
        post_login(client, "zhangsan", "wrong-password")
    response = post_login(client, "zhangsan", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 403 and "登录失败次数过多" in page
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN).count() == 0
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILED, note__startswith="refused").count() == 1


def test_too_many_failures_from_one_address_block_other_user_names(client, user, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for name in ("a", "b", "c"):
        post_login(client, name, "guess", REMOTE_ADDR="10.0.0.9")
    blocked = post_login(client, "zhangsan", PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert "登录失败次数过多" in blocked.content.decode()
    allowed = post_login(client, "zhangsan", PASSWORD, REMOTE_ADDR="10.0.0.10")
    assert allowed.status_code == 302


def test_old_failures_no_longer_count(client, user, settings):
    settings.LOGIN_RATE_LIMIT = 2
    for _ in range(2):
        post_login(client, "zhangsan", "wrong-password")
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(seconds=settings.LOGIN_RATE_WINDOW_SECONDS + 1))
    assert post_login(client, "zhangsan", PASSWORD).status_code == 302
    assert LoginAttempt.objects.filter(username="zhangsan").count() == 0  # a good log-in clears the failures


def test_next_is_followed_only_within_the_site(client, user):
    response = client.post(reverse("accounts:login") + "?next=/inbox/", {"username": "zhangsan", "password": PASSWORD})
    assert response.url == "/inbox/"
    client.logout()
    response = client.post(reverse("accounts:login") + "?next=https://evil.example/", {"username": "zhangsan",
                                                                                          "password": PASSWORD})
    assert response.url == reverse("core:home")


def test_logout_needs_post(client, user):
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "您已退出登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_need_login(client):
    response = client.get(reverse("appeals:workbench"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
