"""The points pages in a real browser (Debian's chromium through Playwright):
a resident's page fits a 390 px phone, and staff redeem at the counter.
Screenshots go to test-artifacts/."""

import pytest

from points import selectors
from points.models import Reward
from testing.world import build_world
from tests_browser.support import DESKTOP, PHONE, browser  # noqa: F401 - browser is a fixture
from tests_browser.support import Person

from .factories import RewardFactory, fund, resident_of

pytestmark = [pytest.mark.browser]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_resident_page_on_a_phone_and_the_counter_on_a_desk(transactional_db, live_server, browser):
    world = build_world()
    community = world.communities[0]
    person = resident_of(community, name="张桂兰", phone="13947300001", username="zhangguilan")
    fund(person, 120, community=community)
    RewardFactory(community=community, name="大米5斤（东北长粒香米，真空包装）", points=100, stock=3,
                  description="社区党群服务中心一楼爱心超市领取，请携带身份证")
    RewardFactory(community=community, name="体检券", points=300, stock=1)
    rice = Reward.objects.get(points=100)
    errors: list[str] = []

    resident = Person(browser, live_server, "zhangguilan", PHONE, errors)
    resident.go("points:mine")
    page = resident.page
    assert page.locator("[data-balance]").first.inner_text().strip() == "120"
    assert page.locator(".reward").count() == 2
    assert fits(page), "the resident's points page is wider than the phone"
    resident.shot("points-mine-phone")

    staff = Person(browser, live_server, "community0", DESKTOP, errors)
    staff.go("points:counter")
    page = staff.page
    page.locator("input[name=q]").fill("张桂兰")
    with page.expect_navigation():
        page.locator("form.points-search button[type=submit]").click()
    with page.expect_navigation():
        page.locator(f'a[href$="?person={person.pk}"]').first.click()
    page.locator("select[name=reward]").select_option(str(rice.pk))
    page.locator("input[name=quantity]").fill("1")
    with page.expect_navigation():
        page.locator("form.points-redeem button[type=submit]").click()
    assert page.locator(".alert--success").count() == 1, page.locator(".alert").all_inner_texts()
    staff.shot("points-counter-desk")
    assert selectors.balance(person) == 20 and Reward.objects.get(pk=rice.pk).stock == 2

    staff_phone = Person(browser, live_server, "community0", PHONE, errors)
    staff_phone.go("points:counter")
    assert fits(staff_phone.page), "the counter is wider than a phone"
    assert not errors, errors
