"""Street staff issue an Open311 key on a phone, see it once, and revoke it."""

import pytest
from django.urls import reverse

from integrations.models import Open311Key
from testing.world import build_world

from .support import PHONE, Person, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_and_revoke_a_key(browser, live_server):  # noqa: F811
    world = build_world()
    errors: list[str] = []
    staff = Person(browser, live_server, "street", PHONE, errors)
    page = staff.page
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    staff.go("open311:keys")
    page.locator("#id_name").fill("区12345平台")
    page.locator("#id_street").select_option(str(world.street.pk))
    with page.expect_navigation():
        page.locator("button[name=issue]").click()
    raw = page.locator("[data-new-key]").inner_text().strip()
    key = Open311Key.objects.get()
    assert Open311Key.hash_key(raw) == key.key_hash
    assert page.locator(f"[data-key='{key.prefix}'][data-state=active]").count() == 1
    staff.shot("open311-keys-issued")
    with page.expect_navigation():
        # By keyboard: on the phone the key's wrapped meta line can sit over the button's edge.
        page.locator(f"button[name=revoke][value='{key.pk}']").focus()
        page.keyboard.press("Enter")
    assert page.locator(f"[data-key='{key.prefix}'][data-state=revoked]").count() == 1
    assert page.locator("[data-new-key]").count() == 0
    key.refresh_from_db()
    assert key.revoked_at is not None
    # Fetched, not opened: a bare JSON page makes the browser ask for /favicon.ico, which is not the point here.
    discovery = page.request.get(live_server.url + reverse("open311:discovery", args=["json"]))
    assert discovery.status == 200 and "GeoReport_v2" in discovery.text()
    assert errors == [], (errors, missing)
