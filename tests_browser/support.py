"""What every browser test needs: Debian's chromium through Playwright, and a
logged-in person in a browser context of their own (phone or desk)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "pass-word-123"  # testing.factories.UserFactory's password
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

pytestmark = [pytest.mark.browser]


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


class Person:
    """One user in their own browser context (own cookies), on a phone or a desk."""

    def __init__(self, browser, live_server, username, viewport, errors):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE,
                                           has_touch=viewport is PHONE)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        self.page.on("console", lambda msg: errors.append(f"{username}: {msg.text}") if msg.type == "error" else None)
        self.base = live_server.url
        self.username = username
        page = self.page
        page.goto(self.base + reverse("accounts:login"))
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        assert "退出" in page.content()

    def go(self, url_name, *args):
        self.page.goto(self.base + reverse(url_name, args=args))

    def shot(self, name):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
