"""The public "stations near me" page in a real browser (Debian's chromium
through Playwright), on a phone whose location is mocked.

A rider opens the page: it asks for the location, lists the nearest open
station first with what it offers and draws a marker per station on the map
(there are no map tiles in tests, the markers show anyway). Filtering by an
offering narrows the list. Then community staff close the station by
clearing its weekly hours, and the rider's page shows it closed. Screenshots
go to test-artifacts/.
"""

import pytest
from django.urls import reverse

from places.models import Place
from places.tests.factories import make_place
from testing.world import build_world

from .support import ARTIFACTS, DESKTOP, PHONE, Person, browser  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser]

ALWAYS = ["24h"] * 7


def test_nearest_open_station_filter_and_staff_edit(transactional_db, live_server, browser):
    world = build_world()
    home = world.communities[0]
    near = make_place(world, name="暖心驿站（近）", kind=Place.Kind.RIDER_STATION, hours=ALWAYS,
                      amenities={"water": "", "charging": "", "rest": ""}, offset=(0.001, 0.0))
    far = make_place(world, community=1, name="暖心驿站（远）", kind=Place.Kind.RIDER_STATION, hours=ALWAYS,
                     amenities={"water": "", "heating_food": ""}, offset=(0.004, 0.0))
    closed = make_place(world, name="红色议事厅", kind=Place.Kind.DELIBERATION_HALL, hours=[""] * 7,
                        amenities={"meeting_room": ""}, offset=(0.0005, 0.0005))
    errors: list[str] = []

    # 1. A rider on a phone, not logged in, with the location allowed.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  geolocation={"longitude": home.centroid_lng, "latitude": home.centroid_lat},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"rider: {exc}"))
    page.goto(live_server.url + reverse("places:nearby"))
    page.wait_for_url("**lat=**")  # the page asked for the location and reloaded with it
    assert page.locator("#where").get_attribute("data-located") == "1"
    cards = page.locator("#place-list > li[data-place]")
    first = cards.first
    assert first.get_attribute("data-place") == str(near.pk)
    assert first.get_attribute("data-open") == "1"
    assert first.locator('[data-amenity="water"][data-available="1"]').count() == 1
    assert first.locator('[data-amenity="charging"][data-available="1"]').count() == 1
    listed = {cards.nth(i).get_attribute("data-place") for i in range(cards.count())}
    assert listed == {str(near.pk), str(far.pk), str(closed.pk)}
    page.locator("#nearby-map .place-marker").first.wait_for()
    assert page.locator("#nearby-map .place-marker").count() == 3
    assert page.locator("#nearby-map .place-marker--open").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "places-01-nearby.png"), full_page=True)

    # 2. Filter by an offering: only the station that heats food is left.
    page.locator('select[name="amenity"]').select_option("heating_food")
    with page.expect_navigation():
        page.locator('#filters button[type="submit"]').click()
    assert "amenity=heating_food" in page.url and "lng=" in page.url
    assert [cards.nth(i).get_attribute("data-place") for i in range(cards.count())] == [str(far.pk)]
    assert page.locator("#nearby-map .place-marker").count() == 1
    page.screenshot(path=str(ARTIFACTS / "places-02-filtered.png"), full_page=True)

    # 3. "Open now" hides the closed hall.
    page.goto(live_server.url + reverse("places:nearby") + f"?lng={home.centroid_lng}&lat={home.centroid_lat}&open=1")
    shown = {cards.nth(i).get_attribute("data-place") for i in range(cards.count())}
    assert shown == {str(near.pk), str(far.pk)}

    # 4. Community staff close the near station for the whole week.
    staff = Person(browser, live_server, "community0", DESKTOP, errors)
    staff.go("places:manage")
    with staff.page.expect_navigation():
        staff.page.locator(f'tr[data-place="{near.pk}"] a').first.click()
    for day in range(7):
        staff.page.locator(f'input[name="hours_{day}"]').fill("")
    staff.page.locator('input[name="hours_0"]').fill("09:00-10:00")
    staff.page.locator('input[name="hours_6"]').fill("25:00-26:00")  # a typo first: refused, nothing saved
    with staff.page.expect_navigation():
        staff.page.locator("#save-place").click()
    assert staff.page.locator("#form-error").count() == 1
    # The refused form answers 400 on purpose; the browser logs that, and it is the only error allowed.
    errors[:] = [e for e in errors if "status of 400" not in e]
    assert staff.page.locator('input[name="hours_6"]').input_value() == "25:00-26:00"  # kept to correct
    near.refresh_from_db()
    assert near.hours.count() == 7
    staff.page.locator('input[name="hours_6"]').fill("")
    with staff.page.expect_navigation():
        staff.page.locator("#save-place").click()
    assert staff.page.locator("#form-error").count() == 0
    staff.shot("places-03-staff-edit")
    assert near.hours.count() == 1

    # 5. The rider reloads: the near station now shows closed, and "open now" drops it.
    page.goto(live_server.url + reverse("places:nearby") + f"?lng={home.centroid_lng}&lat={home.centroid_lat}")
    row = page.locator(f'#place-list > li[data-place="{near.pk}"]')
    assert row.get_attribute("data-open") in ("0", "1")
    page.goto(live_server.url + reverse("places:detail", args=[near.pk]))
    assert page.locator('#hours tr[data-weekday="0"] td').inner_text().startswith("09:00")
    assert page.locator('#hours tr[data-weekday="1"] td').inner_text() != page.locator(
        '#hours tr[data-weekday="0"] td').inner_text()
    page.screenshot(path=str(ARTIFACTS / "places-04-detail.png"), full_page=True)
    context.close()
    assert not errors, errors
