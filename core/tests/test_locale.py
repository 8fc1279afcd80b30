"""Pages are Chinese first; English only when the user picks it."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_chinese_pages(client):
    page = client.get("/accounts/login/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200 and page.headers["Content-Language"] == "zh-hans"


def test_choosing_english_switches_pages(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/")
    assert page.headers["Content-Language"] == "en"


def test_the_api_negotiates_with_accept_language(client):
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    chinese = client.get("/api/v1/me")
    assert english.headers["Content-Language"] == "en" and chinese.headers["Content-Language"] == "zh-hans"
    assert english.json()["message"] != chinese.json()["message"]
