"""The answer check in a real browser: a unit answers with boilerplate, and the
grid worker who is to verify it sees the flag and why — in the list on their
phone and next to the answer on the appeal page. Screenshots to test-artifacts/."""

import pytest

from appeals.workflow import Action
from intelligence import answers
from testing.loop import act, report
from testing.world import build_world

from .support import DESKTOP, PHONE, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]


def test_the_grid_worker_sees_a_boilerplate_answer_flagged(transactional_db, live_server, browser):
    world = build_world()
    u = world.users
    errors: list[str] = []
    appeal = report(world, title="幸福小区3栋门口路灯不亮", content="幸福小区3栋门口的路灯坏了一周了，晚上很黑，老人出门不方便。")
    appeal = act(appeal, Action.ACCEPT, u["street_staff"])
    appeal = act(appeal, Action.WHISTLE, u["street_staff"], lead_unit=world.units[0].pk)

    # The unit claims and answers "已收到，正在处理。" on its own screen.
    unit = Person(browser, live_server, "unit0", DESKTOP, errors)
    unit.go("appeals:detail", appeal.pk)
    for action, text in (("claim", None), ("answer", "已收到，正在处理。")):
        panel = unit.page.locator(f'details[data-action="{action}"]')
        if not panel.evaluate("el => el.open"):
            panel.locator("summary").click()
        if text:
            panel.get_by_label("答卷：采取了哪些措施").fill(text)
        with unit.page.expect_navigation():
            panel.locator('button[type="submit"]').click()
        assert unit.page.locator(".alert--success").count() == 1, unit.page.locator(".alert").all_inner_texts()
    unit.shot("answer-check-01-unit-answered")

    # The grid worker's list of appeals to verify flags it, with the reason.
    worker = Person(browser, live_server, "grid0", PHONE, errors)
    worker.go("appeals:my_tasks")
    card = worker.page.locator("#to_verify li.card").filter(has_text=appeal.title)
    flag = card.locator("[data-answer-flag]")
    assert flag.is_visible()
    assert "回复可能没有针对诉求" in flag.inner_text() and "套话" in flag.inner_text()
    worker.shot("answer-check-02-grid-worker-to-verify")

    # On the appeal page, next to the answer, before the verification buttons.
    with worker.page.expect_navigation():
        card.locator("a").first.click()
    check = worker.page.locator('[data-answer-check="flagged"]')
    assert check.is_visible()
    text = check.inner_text()
    assert "回复可能没有针对诉求" in text and "没有说明采取了什么措施" in text and "没有说明时间" in text
    worker.shot("answer-check-03-grid-worker-appeal")
    assert worker.page.locator('details[data-action="pass"]').count() == 1
    assert answers.REASON_TEXT  # the reasons shown are the module's own
    assert not errors, errors
