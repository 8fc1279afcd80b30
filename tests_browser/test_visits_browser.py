"""Visits and a patrol in a real browser (Debian's chromium through Playwright).

A grid worker on a phone sees an overdue 独居老人 on the due list, records a
visit that opens an appeal in the same step, then starts a patrol (the
browser's location is mocked), notes a finding with a photo there, reports it
as an appeal and ends the patrol. Both appeals exist with the right channel.
Screenshots go to test-artifacts/.
"""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from appeals.models import Appeal
from testing.world import build_world
from visits import services
from visits.models import Patrol, PatrolFinding, Visit
from visits.tests.factories import person

from .support import PHONE, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]


def no_error(page):
    assert page.locator(".alert--error").count() == 0, page.locator(".alert--error").all_inner_texts()


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 40)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_grid_worker_visits_an_overdue_elder_and_patrols(transactional_db, live_server, browser):
    world = build_world()
    services.ensure_default_tags()
    started = timezone.now() - dt.timedelta(days=10)
    elder = person(world, 0, name="张奶奶", phone="13912345678")
    subject = services.subject_save(actor=world.users["community_staff"], person=elder, tags=["living_alone"],
                                    started_on=started.date(), now=started)
    errors: list[str] = []
    worker = Person(browser, live_server, "grid0", PHONE, errors)
    lng, lat = world.point_in(0)
    worker.context.grant_permissions(["geolocation"], origin=live_server.url)
    worker.context.set_geolocation({"longitude": lng, "latitude": lat})
    page = worker.page

    # the overdue elder is first on the list, phone masked
    worker.go("visits:due")
    card = page.locator(f'[data-list="overdue"] [data-subject="{subject.pk}"]')
    assert card.count() == 1
    assert "139****5678" in card.inner_text() and "13912345678" not in page.content()
    worker.shot("visits-1-due")
    with page.expect_navigation():
        card.locator("[data-record-visit]").click()

    # a visit that opens an appeal in the same step
    page.locator("#id_findings").fill("老人说楼道灯坏了一周，晚上下楼看不见台阶。")
    page.locator('input[name="flags"][value="safety"]').check()
    page.locator('input[name="also_open"][value="appeal"]').check()
    page.locator("#id_category").select_option(world.category.code)
    worker.shot("visits-2-visit-form")
    with page.expect_navigation():
        page.locator("form[data-visit-form] button[type=submit]").click()
    no_error(page)
    assert page.locator('[data-opened="appeal"]').count() == 1
    assert page.locator("[data-subject-status]").get_attribute("data-subject-status") in ("ok", "due")

    # the patrol: check in where the phone is
    worker.go("visits:patrol")
    page.locator("form[data-patrol-start][data-geo-ready]").wait_for()
    with page.expect_navigation():
        page.locator("[data-start-patrol]").click()
    no_error(page)
    page.locator("form[data-finding-form][data-geo-ready]").wait_for()
    page.locator("#id_note").fill("3号楼下井盖松动，有孩子在旁边玩")
    page.locator("#finding-photos").set_input_files(
        files=[{"name": "well.png", "mimeType": "image/png", "buffer": png_bytes()}])
    with page.expect_navigation():
        page.locator("[data-add-finding]").click()
    no_error(page)
    finding = PatrolFinding.objects.get()
    item = page.locator(f'[data-finding="{finding.pk}"]')
    item.locator("select[name=category]").select_option(world.category.code)
    worker.shot("visits-3-patrol")
    with page.expect_navigation():
        item.locator("[data-report-finding]").click()
    no_error(page)
    assert page.locator(f'[data-finding="{finding.pk}"][data-finding-status="reported"]').count() == 1
    with page.expect_navigation():
        page.locator("[data-end-patrol]").click()
    no_error(page)
    worker.shot("visits-4-ended")
    assert page.locator("[data-start-patrol]").count() == 1

    visit = Visit.objects.get()
    assert Appeal.objects.get(pk=visit.appeal_id).channel == "visit"
    finding.refresh_from_db()
    patrol = Patrol.objects.get()
    assert patrol.status == "closed" and patrol.start_in_grid is True
    assert abs(finding.lng - lng) < 1e-5 and abs(finding.lat - lat) < 1e-5
    appeal = Appeal.objects.get(pk=finding.appeal_id)
    assert appeal.channel == "patrol" and appeal.grid == world.grids[0] and appeal.attachments.count() == 1
    assert not errors, errors
