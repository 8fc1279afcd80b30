"""一事多诉 in a real browser: a grid worker opens a new appeal, sees the likely
duplicate reported the day before in the same place, and merges it with one click.
Screenshots go to test-artifacts/."""

import datetime as dt

import pytest
from django.utils import timezone

from appeals.models import Appeal
from appeals.workflow import Status
from testing.loop import report
from testing.world import build_world

from .support import DESKTOP, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]


def test_staff_see_a_likely_duplicate_and_merge_it_with_one_click(transactional_db, live_server, browser):
    world = build_world()
    first = report(world, grid=0, title="幸福小区北门路灯不亮",
                   content="幸福小区北门的路灯坏了一个星期了，晚上很黑，老人出门不方便。",
                   now=timezone.now() - dt.timedelta(days=1))
    second = report(world, user="resident2", grid=0, title="北门路灯坏了",
                    content="幸福小区北门口路灯一直不亮，晚上太黑了，请尽快修理。")
    errors: list[str] = []

    staff = Person(browser, live_server, "grid0", DESKTOP, errors)
    staff.go("appeals:detail", second.pk)
    page = staff.page
    panel = page.locator('[data-linked="duplicates"]')
    assert first.number in panel.inner_text()
    staff.shot("dup-01-panel-on-the-appeal")

    with page.expect_navigation():
        panel.get_by_role("link").click()
    item = page.locator(f'[data-duplicate="{first.pk}"]')
    assert item.count() == 1 and "%" in item.inner_text()
    staff.shot("dup-02-likely-duplicates")

    with page.expect_navigation():
        item.locator('[data-merge="into-it"]').click()

    assert page.url.endswith(f"/appeals/{first.pk}/")
    assert page.locator(".alert--success").count() == 1
    assert second.number in page.locator(".detail__work").inner_text()  # listed under its merged duplicates
    staff.shot("dup-03-merged")
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.parent_id == first.pk
    assert Appeal.objects.get(pk=first.pk).status == Status.SUBMITTED
    assert errors == []
