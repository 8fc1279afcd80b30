"""Briefings in a real browser (Debian's chromium through Playwright).

Street staff at a desk generate last week's briefing for the street, see it in
the list and download the Word document, which opens with python-docx. A
community worker on a phone sees only their community's briefings and cannot
choose the street. Screenshots go to test-artifacts/.
"""

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from insights import briefings as B
from insights.models import Briefing
from testing.world import build_world
from tests_browser.support import DESKTOP, PHONE, Person, browser  # noqa: F401 - browser is a fixture

from .street import report

pytestmark = [pytest.mark.browser]


def test_generate_list_and_download_a_briefing(transactional_db, live_server, browser):
    world = build_world()
    last_week = B.last_complete_period("week", timezone.localdate())
    report(world, at=timezone.make_aware(dt.datetime.combine(last_week.start, dt.time(10, 0))))
    community_briefing = B.briefing_generate(actor=None, scope=world.communities[0], kind="week",
                                             start=last_week.start)
    errors: list[str] = []

    staff = Person(browser, live_server, "street", DESKTOP, errors)
    page = staff.page
    staff.go("insights:briefings")
    page.select_option("select[name=scope]", f"region:{world.street.pk}")
    page.select_option("select[name=kind]", "week")
    page.fill("input[name=day]", (last_week.start + dt.timedelta(days=2)).isoformat())
    with page.expect_navigation():
        page.click("button[name=generate]")
    briefing = Briefing.objects.get(region=world.street)
    card = page.locator(f'[data-briefing="{briefing.pk}"]')
    assert card.count() == 1
    assert card.get_attribute("data-briefing-start") == last_week.start.isoformat()
    assert card.locator('[data-summary="received"]').inner_text() == "1"
    staff.shot("briefings-desk")
    with page.expect_download() as download_info:
        card.locator(f'[data-download="{briefing.pk}"]').click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        document = Document(io.BytesIO(handle.read()))
    assert document.core_properties.title == briefing.title
    assert download_info.value.suggested_filename.endswith(".docx")

    assert not errors, errors

    # A bad date is explained in the page (a 400, which the browser reports), not a crash.
    page.fill("input[name=day]", (timezone.localdate() + dt.timedelta(days=60)).isoformat())
    page.select_option("select[name=kind]", "month")
    with page.expect_navigation():
        page.click("button[name=generate]")
    assert page.locator("[data-briefing-error]").count() == 1
    assert all("status of 400" in e for e in errors), errors
    errors.clear()

    worker = Person(browser, live_server, "community0", PHONE, errors)
    worker.go("insights:briefings")
    phone = worker.page
    options = phone.locator("select[name=scope] option")
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert f"region:{world.communities[0].pk}" in values and f"region:{world.street.pk}" not in values
    assert phone.locator("[data-briefing]").count() == 1
    assert phone.locator(f'[data-briefing="{community_briefing.pk}"]').count() == 1
    worker.shot("briefings-phone")
    assert not errors, errors
