"""A micro-wish in a real browser (Debian's chromium through Playwright).

A resident posts a wish on a phone; an in-service party member, registered
with the community for 双报到 and serving it as a provider, claims it on the
wish wall and fulfils it; the resident confirms and thanks them. The member's
points go up by the community's points per wish, and the community's quarter
report moves the member from "not served" to "served". Screenshots go to
test-artifacts/.
"""

import pytest

from party import services as party_services
from party.models import DualReport
from party.tests.factories import member_of, user_of
from points.models import PointsRule
from services.models import ServiceOrder
from services.tests.factories import make_provider
from services.workflow import Status
from testing.world import build_world

from .support import DESKTOP, PHONE, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]

WISH_TITLE = "想要一台旧收音机"


def submit(person):
    page = person.page
    with page.expect_navigation():
        page.locator('main button[type="submit"]').last.click()
    assert page.locator(".alert--error").count() == 0, page.locator(".alert--error").all_inner_texts()


def act(person, action, fill):
    """Open the action's panel on the order page, fill it, confirm, wait for the page to reload."""
    page = person.page
    panel = page.locator(f'details[data-action="{action}"]')
    if not panel.evaluate("el => el.open"):
        panel.locator("summary").click()
    fill(panel)
    with page.expect_navigation():
        panel.locator('button[type="submit"]').click()
    assert page.locator(".alert--error").count() == 0, page.locator(".alert--error").all_inner_texts()


def quarter_row(staff, member) -> str:
    staff.go("party:quarter")
    return staff.page.locator(f'tr[data-member="{member.pk}"]').get_attribute("class")


def test_a_wish_is_claimed_fulfilled_thanked_and_counted(transactional_db, live_server, browser):
    world = build_world()
    community = world.communities[0]
    PointsRule.objects.create(region=community, key="order_wish", points=15)
    member = member_of(world, 0, employer=world.units[0], username="member")
    party_services.dual_report_register(actor=world.users["community_staff"], community=community, member=member)
    make_provider(user_of(member), kind="party_member", area=[community])
    errors: list[str] = []

    staff = Person(browser, live_server, "community0", DESKTOP, errors)
    assert "is-not-served" in quarter_row(staff, member)
    staff.shot("10-quarter-before")

    # 1. The resident posts a wish on a phone.
    resident = Person(browser, live_server, "resident", PHONE, errors)
    resident.go("services:ask")
    page = resident.page
    page.locator('input[name="kind"][value="wish"]').check()
    page.locator('textarea[name="content"]').fill("家里老人喜欢听评书，想要一台能用的旧收音机。")
    page.locator('input[name="title"]').fill(WISH_TITLE)
    community_field = page.locator('select[name="community"]')
    if community_field.count():
        community_field.select_option(community.code)
    resident.shot("11-resident-wish-form")
    submit(resident)
    wish = ServiceOrder.objects.get(title=WISH_TITLE)
    assert (wish.kind, wish.status) == ("wish", Status.OPEN)

    # 2. The party member finds it on the wish wall and claims it.
    member_view = Person(browser, live_server, "member", PHONE, errors)
    member_view.go("services:wall")
    card = member_view.page.locator(f'li[data-wish="{wish.pk}"]')
    assert WISH_TITLE in card.inner_text()
    member_view.shot("12-member-wish-wall")
    with member_view.page.expect_navigation():
        card.locator('button[type="submit"]').click()
    wish.refresh_from_db()
    assert wish.status == Status.ACCEPTED and wish.provider.user == user_of(member)

    # 3. … and fulfils it.
    member_view.go("services:detail", wish.pk)
    act(member_view, "complete", lambda panel: panel.locator("textarea").first.fill("收音机已送到，调好了频道。"))
    wish.refresh_from_db()
    assert wish.status == Status.DONE

    # 4. The resident confirms with five stars and a word of thanks.
    resident.go("services:detail", wish.pk)
    resident.shot("13-resident-confirm")

    def rate(panel):
        panel.locator('input[type="radio"][value="5"]').check()
        panel.locator("textarea").first.fill("谢谢李书记，老人很高兴！")

    act(resident, "confirm", rate)
    wish.refresh_from_db()
    assert (wish.status, wish.rating) == (Status.CONFIRMED, 5)

    # 5. The member's points and the quarter report have changed.
    member_view.go("points:mine")
    assert member_view.page.locator("[data-balance]").first.get_attribute("data-balance") == "15"
    member_view.shot("14-member-points")
    assert "is-served" in quarter_row(staff, member).split()
    staff.shot("15-quarter-after")
    assert DualReport.objects.filter(member=member, status="active").count() == 1
    assert errors == []
