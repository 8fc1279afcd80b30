"""The whole appeal loop in a real browser (Debian's chromium through Playwright).

A resident reports on a phone with a pin dropped on the map; the street
accepts and whistles it to a unit; the unit claims and answers; the grid
worker verifies on site; the resident rates it 满意; the street's figures
count one more whistle and one more closed appeal. Screenshots go to
test-artifacts/.
"""

import re

import pytest

from appeals.models import Appeal
from appeals.workflow import Status
from testing.world import build_world

from .support import DESKTOP, PHONE, browser  # noqa: F401 - browser is a fixture
from .support import Person as BrowserPerson

pytestmark = [pytest.mark.browser]


class Person(BrowserPerson):
    def act(self, action, fill=None):
        """Open the action's panel on the appeal page, fill it, confirm, wait for the page to reload."""
        page = self.page
        panel = page.locator(f'details[data-action="{action}"]')
        if not panel.evaluate("el => el.open"):
            panel.locator("summary").click()
        if fill:
            fill(panel)
        with page.expect_navigation():
            panel.locator('button[type="submit"]').click()
        assert page.locator(".alert--success").count() == 1, page.locator(".alert").all_inner_texts()

    def figures(self) -> dict[str, int]:
        self.go("insights:figures")
        values = {}
        for key in ("received", "whistles", "answers", "closed"):
            text = self.page.locator(f'[data-figure="{key}"]').first.inner_text()
            values[key] = int(re.sub(r"\D", "", text) or 0)
        return values


def test_the_appeal_loop_in_a_browser(transactional_db, live_server, browser):
    world = build_world()
    errors: list[str] = []

    street = Person(browser, live_server, "street", DESKTOP, errors)
    before = street.figures()
    street.shot("00-figures-before")

    # 1. A resident reports on a phone, dropping the pin by tapping the map.
    resident = Person(browser, live_server, "resident", PHONE, errors)
    resident.go("appeals:report")
    page = resident.page
    page.get_by_label("诉求类别").select_option("streetlight")
    page.get_by_label("遇到了什么问题？").fill("小区北门的路灯坏了一周了，晚上很黑，老人出门不方便。")
    page.get_by_label("标题").fill("北门路灯不亮")
    page.locator("#pick-map.leaflet-container").wait_for()
    grid = world.grids[0]  # the grid of the grid worker "grid0"
    point = page.evaluate("([lat, lng]) => { const m = document.getElementById('pick-map')._linliMap;"
                          " const p = m.latLngToContainerPoint([lat, lng]); return {x: p.x, y: p.y}; }",
                          [grid.centroid_lat, grid.centroid_lng])
    page.locator("#pick-map").click(position=point)
    assert grid.name in page.locator("#pin-status").inner_text()
    assert page.locator("#id_lng").input_value() and page.locator("#id_lat").input_value()
    page.get_by_label("地址或标志性地点").fill("幸福小区北门")
    resident.shot("01-resident-report-form")
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()
    appeal = Appeal.objects.get()
    assert appeal.grid == grid and appeal.status == Status.SUBMITTED
    assert appeal.number in page.content() and "感谢您的反映" in page.content()
    resident.shot("02-resident-my-appeals")

    # 2. The street accepts it and whistles it to the unit (the category's default unit is preselected).
    street.go("appeals:workbench")
    street.shot("03a-street-workbench")
    with street.page.expect_navigation():
        street.page.get_by_role("link", name=appeal.number).click()
    street.act("accept")
    street.shot("03-street-accepted")

    def whistle(panel):
        assert panel.locator("select").first.input_value() == str(world.units[0].pk)
        panel.get_by_label("办理时限（工作日）").fill("3")
        panel.get_by_label("对承办单位的要求").fill("请三个工作日内修复路灯。")

    street.act("whistle", whistle)
    assert "已吹哨" in street.page.locator(".detail__head").inner_text()
    street.shot("04-street-whistled")

    # 3. The unit claims and answers.
    unit = Person(browser, live_server, "unit0", DESKTOP, errors)
    unit.go("appeals:unit_workbench")
    unit.shot("05a-unit-workbench")
    unit.page.locator("#to_claim").get_by_text("北门路灯不亮").click()
    unit.act("claim")
    unit.act("answer", lambda panel: panel.get_by_label("答卷：采取了哪些措施").fill("已更换灯泡并检修线路，现已正常照明。"))
    unit.shot("05-unit-answered")

    # 4. The grid worker verifies on site, on a phone.
    worker = Person(browser, live_server, "grid0", PHONE, errors)
    worker.go("appeals:my_tasks")
    worker.shot("06-grid-worker-tasks")
    worker.page.locator("#to_verify").get_by_text("北门路灯不亮").click()
    worker.act("pass")
    worker.shot("07-grid-worker-verified")

    # 5. The resident rates it 满意.
    resident.go("appeals:mine")
    assert "请评价" in resident.page.content()
    resident.page.get_by_text("北门路灯不亮").click()
    resident.act("rate", lambda panel: panel.get_by_label("满意", exact=True).check())
    assert "已结案" in resident.page.locator(".detail__head").inner_text()
    resident.shot("08-resident-rated")
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.satisfaction == "satisfied"

    # 6. The street's figures moved.
    after = street.figures()
    street.shot("09-figures-after")
    assert after["closed"] == before["closed"] + 1
    assert after["whistles"] == before["whistles"] + 1
    assert after["received"] == before["received"] + 1
    assert after["answers"] == before["answers"] + 1
    assert not errors, errors
