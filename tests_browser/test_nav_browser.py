"""The header fits the screen: street staff (the longest navigation) on a 1366×768
laptop see every link of the navigation without the page scrolling sideways; on a
390×844 phone the page does not scroll sideways either (the navigation scrolls
within itself there). Screenshots to test-artifacts/."""

import pytest

from testing.world import build_world

from .support import PHONE, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]

LAPTOP = {"width": 1366, "height": 768}
WIDTHS = """() => ({
  page: document.documentElement.scrollWidth, window: window.innerWidth,
  nav: document.querySelector('.mainnav__inner').scrollWidth,
  navBox: document.querySelector('.mainnav__inner').clientWidth,
  hidden: [...document.querySelectorAll('.mainnav a')].filter(a => {
    const r = a.getBoundingClientRect(), box = document.querySelector('.mainnav__inner').getBoundingClientRect();
    return r.right > box.right + 1 || r.left < box.left - 1; }).map(a => a.textContent),
})"""


@pytest.mark.parametrize("viewport,name", [(LAPTOP, "laptop-1366"), (PHONE, "phone-390")])
def test_the_staff_header_does_not_overflow(transactional_db, live_server, browser, viewport, name):
    build_world()
    errors: list[str] = []
    street = Person(browser, live_server, "street", viewport, errors)
    for page in ("appeals:workbench", "insights:dashboard"):
        street.go(page)
        widths = street.page.evaluate(WIDTHS)
        assert widths["page"] <= widths["window"], (page, widths)
        if viewport is LAPTOP:  # every link in sight, none cut off at the edge
            assert widths["nav"] <= widths["navBox"] and not widths["hidden"], (page, widths)
    street.page.set_viewport_size(viewport)
    street.shot(f"nav-{name}")
    assert not errors, errors
