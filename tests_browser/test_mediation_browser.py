"""Dispute mediation in a real browser (Debian's chromium through Playwright).

A grid worker on a phone records a dispute whose description carries a risk
word: it shows as high risk, and the community staff finds the alert in their
inbox and on the workbench. Staff assign a mediator, record a session, draw up
the agreement and download it, upload the signed copy, record a follow-up
visit that finds it holding, and close. Screenshots go to test-artifacts/.
"""

import io

import pytest
from PIL import Image

from core.models import Notification
from mediation.models import Dispute
from testing.world import build_world

from .support import DESKTOP, PHONE, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]


def no_error(person):
    page = person.page
    assert page.locator(".alert--error").count() == 0, page.locator(".alert--error").all_inner_texts()


def act(person, action, fill):
    """Open the action's panel on the dispute page, fill it, confirm, wait for the page to reload."""
    page = person.page
    panel = page.locator(f'details[data-action="{action}"]')
    if not panel.evaluate("el => el.open"):
        panel.locator("summary").click()
    fill(panel)
    with page.expect_navigation():
        panel.locator('button[type="submit"]').click()
    no_error(person)


def open_details(page, selector):
    panel = page.locator(selector)
    if not panel.evaluate("el => el.open"):
        panel.locator("summary").first.click()
    return panel


def scan_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (60, 80), (255, 255, 255)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_risky_dispute_is_recorded_on_a_phone_alerted_mediated_and_closed(transactional_db, live_server, browser):
    world = build_world()
    errors: list[str] = []

    # 1. The grid worker records it on a phone.
    worker = Person(browser, live_server, "grid0", PHONE, errors)
    worker.go("mediation:record")
    page = worker.page
    page.locator('textarea[name="description"]').fill("两户为楼道堆物争吵多次，楼上住户扬言要拿刀砍人。")
    page.locator('input[name="title"]').fill("楼道堆物争吵")
    page.locator('select[name="dispute_type"]').select_option("neighbour")
    page.locator('select[name="grid"]').select_option(world.grids[0].code)
    page.locator('input[name="party0_name"]').fill("王大爷")
    page.locator('input[name="party0_phone"]').fill("13900001111")
    page.locator('input[name="party1_name"]').fill("李阿姨")
    worker.shot("mediation-01-record-phone")
    with page.expect_navigation():
        page.locator('button[name="record"]').click()
    no_error(worker)
    dispute = Dispute.objects.get()
    assert page.locator('[data-risk-badge="high"]').first.is_visible()
    assert page.locator("[data-risk-panel]").is_visible()
    worker.shot("mediation-02-high-risk")

    # 2. The community staff sees the alert: in the inbox and at the top of the workbench.
    staff = Person(browser, live_server, "community0", DESKTOP, errors)
    assert Notification.objects.filter(recipient=world.users["community_staff"], verb="dispute_high_risk").exists()
    staff.go("core:inbox")
    page = staff.page
    card = page.locator(".inbox .card", has_text=dispute.number).filter(has_text=dispute.title).first
    with page.expect_navigation():
        card.locator('button[type="submit"].button--primary').click()
    assert page.url.endswith(f"/mediation/{dispute.pk}/")
    staff.go("mediation:workbench")
    assert page.locator(f'[data-queue="alerts"] [data-dispute="{dispute.pk}"]').is_visible()
    staff.shot("mediation-03-workbench-alert")
    staff.go("mediation:detail", dispute.pk)

    # 3. Assign a mediator, record a session.
    act(staff, "accept", lambda p: (p.locator('input[name="accept-mediator_name"]').fill("调委会老李"),
                                    p.locator('select[name="accept-mediator_kind"]').select_option("peoples_mediator")))
    assert page.locator('.dispute-detail[data-status="accepted"]').count() == 1
    panel = open_details(page, "[data-session-form]")
    panel.locator('input[name="session-location"]').fill("社区调解室")
    panel.locator('textarea[name="session-notes"]').fill("双方到场陈述，调解员释法说理，楼上同意清理杂物。")
    with page.expect_navigation():
        panel.locator('button[name="save-session"]').click()
    no_error(staff)
    assert page.locator("[data-session]").count() == 1
    assert page.locator('.dispute-detail[data-status="mediating"]').count() == 1

    # 4. Draw up the agreement, download it, upload the signed copy.
    act(staff, "agree", lambda p: (p.locator('textarea[name="agree-facts"]').fill("两户因楼道堆物发生争执。"),
                                   p.locator('textarea[name="agree-terms"]').fill("楼上一周内清理杂物\n双方互不辱骂")))
    with page.expect_download() as download:
        page.locator('a[data-download="pdf"]').first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    staff.shot("mediation-04-agreed")
    act(staff, "sign", lambda p: p.locator('input[name="sign-signed_copy"]').set_input_files(
        files=[{"name": "signed.png", "mimeType": "image/png", "buffer": scan_png()}]))
    assert page.locator("[data-signed]").count() == 1
    assert page.locator('.dispute-detail[data-status="following_up"]').count() == 1

    # 5. The follow-up visit finds it holding; close.
    panel = open_details(page, "[data-follow-form]")
    panel.locator('input[name="follow-holds"][value="yes"]').check()
    panel.locator('textarea[name="follow-note"]').fill("回访：杂物已清理，双方相安无事。")
    panel.locator('input[name="follow-close"]').check()
    with page.expect_navigation():
        panel.locator('button[name="save-follow-up"]').click()
    no_error(staff)
    assert page.locator('.dispute-detail[data-status="closed"]').count() == 1
    staff.shot("mediation-05-closed")
    dispute.refresh_from_db()
    assert dispute.status == "closed" and dispute.agreements.get().is_signed
    assert errors == []
