"""议事协商 in a real browser: a resident raises a big matter on a phone; staff
sort it big and the branch accepts it; a meeting with the matter on its agenda
is held and records a decision with votes; a task is added and whistled to a
unit through the appeal loop, which the unit claims and answers on the
appeal's own page; a party member records a check; the resident rates it and
sees the matter closed with step 6 done. Screenshots go to test-artifacts/.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from deliberation.models import Matter, Task
from deliberation.tests.factories import build

from .support import DESKTOP, PHONE, browser  # noqa: F401 - browser is a fixture
from .support import Person as BrowserPerson

pytestmark = [pytest.mark.browser]


class Person(BrowserPerson):
    def submit(self, button_selector):
        page = self.page
        with page.expect_navigation():
            page.locator(button_selector).first.click()
        assert page.locator(".alert--error").count() == 0, page.locator(".alert").all_inner_texts()

    def act(self, action, fill=None, scope="details[data-action=\"{a}\"]"):
        """Open an action's panel, fill it, confirm, wait for the page to reload with a success message."""
        page = self.page
        panel = page.locator(scope.format(a=action)).first
        if not panel.evaluate("el => el.open"):
            panel.locator("summary").click()
        if fill:
            fill(panel)
        with page.expect_navigation():
            panel.locator('button[type="submit"]').first.click()
        assert page.locator(".alert--success").count() == 1, page.locator(".alert").all_inner_texts()


def test_a_big_matter_passes_the_six_steps_in_a_browser(transactional_db, live_server, browser):
    w = build()
    errors: list[str] = []

    # 1. 居民提事: the resident raises on a phone.
    resident = Person(browser, live_server, "resident", PHONE, errors)
    resident.go("deliberation:raise")
    resident.page.locator("#id_title").fill("小区停车难")
    resident.page.locator("#id_content").fill("车位太少，晚上车都停到消防通道上了，希望大家商量个办法。")
    resident.submit("[data-submit]")
    matter = Matter.objects.get()
    assert resident.page.locator("[data-matter]").first.get_attribute("data-step") == "1"
    resident.shot("delib-01-raised")

    # 2. 支部理事: staff sort it big, the branch secretary accepts.
    staff = Person(browser, live_server, "community0", DESKTOP, errors)
    staff.go("deliberation:workbench")
    staff.page.locator(f'[data-queue="to_sort"] [data-matter="{matter.number}"] a').click()
    staff.act("sort_big")
    branch = Person(browser, live_server, "secretary", PHONE, errors)
    branch.go("deliberation:detail", matter.pk)
    branch.act("accept", lambda p: p.locator("textarea").fill("支部研究，同意提交联席会议"))
    assert Matter.objects.get(pk=matter.pk).status == "accepted"

    # 3. 联席议事: a meeting with the matter on its agenda, held, with a decision and votes.
    staff.go("deliberation:meeting_new")
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    staff.page.locator("#id_starts_at").fill(start)
    staff.page.locator("#id_venue").fill("社区议事厅")
    staff.submit("[data-submit]")
    staff.submit("[data-agenda-add]")
    staff.page.locator("#id_party").select_option("property")
    staff.page.locator("#id_invite_name").fill("物业公司")
    staff.submit("[data-invite]")
    staff.submit("[data-meeting-hold]")
    staff.page.locator("#id_decision_text").fill("施划夜间临时停车位，消防通道禁停")
    staff.page.locator("#id_votes_for").fill("9")
    staff.page.locator("#id_votes_against").fill("1")
    staff.page.locator("#id_votes_abstain").fill("1")
    staff.submit("[data-decision-submit]")
    assert staff.page.locator('[data-decision-votes="9-1-1"]').count() == 1
    staff.shot("delib-02-meeting")

    # 4. 部门办事: a task for the unit, whistled through the appeal loop by the street.
    staff.go("deliberation:detail", matter.pk)
    staff.page.locator("#id_task_title").fill("施划停车线")
    staff.page.locator("#id_owner_unit").select_option(str(w.units[0].pk))
    staff.submit("[data-task-add]")
    assert Matter.objects.get(pk=matter.pk).status == "in_action"
    street = Person(browser, live_server, "street", DESKTOP, errors)
    street.go("deliberation:detail", matter.pk)
    street.act("whistle", lambda p: p.locator("textarea").fill("请三个工作日内施划"),
               scope='details[data-task-action="{a}"]')
    task = Task.objects.get()
    assert task.appeal.status == "whistled"

    # The unit answers on the appeal loop's own page.
    unit = Person(browser, live_server, "unit0", DESKTOP, errors)
    unit.page.goto(unit.base + reverse("appeals:detail", args=[task.appeal_id]))
    assert unit.page.locator('[data-linked="deliberation_task"]').count() == 1
    unit.act("claim")
    unit.act("answer", lambda p: p.locator("textarea").first.fill("已施划32个夜间停车位，并设置禁停标识。"))
    unit.shot("delib-03-unit-answered")
    assert Task.objects.get().status == "done"

    # 5. 党员监事: a party member records a check.
    member = Person(browser, live_server, "member_b", PHONE, errors)
    member.go("deliberation:detail", matter.pk)
    member.page.locator("#id_check_note").fill("到现场看过，停车线已划好，通道畅通。")
    member.submit("[data-check-submit]")
    staff.go("deliberation:detail", matter.pk)
    staff.act("open_rating")

    # 6. 居民评事: the resident rates; staff close the round; the resident sees it closed.
    resident.go("deliberation:detail", matter.pk)
    resident.page.locator('input[name="satisfaction"][value="satisfied"]').check()
    resident.submit("[data-rate-submit]")
    staff.go("deliberation:detail", matter.pk)
    staff.act("close_rating")
    resident.go("deliberation:list")
    card = resident.page.locator(f'[data-matter="{matter.number}"]')
    assert card.get_attribute("data-status") == "closed"
    assert card.locator('[data-step-n="6"]').get_attribute("class").split().count("is-done") == 1
    assert card.locator("[data-progress]").get_attribute("data-progress") == "100"
    resident.go("deliberation:detail", matter.pk)
    assert resident.page.locator(".delib-detail").get_attribute("data-status") == "closed"
    resident.shot("delib-04-closed")
    assert errors == []
