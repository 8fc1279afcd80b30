"""The figures page over HTTP: who may see it, what it shows, and that its query
count does not grow with the number of appeals."""

import datetime as dt
import re
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.workflow import Action
from core import calendar
from insights import figures as F

from .street import TZ, D, H, report, run

URL = reverse("insights:figures")
MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


def figure_values(html: str) -> dict[str, str]:
    """key → the exact text inside each data-figure element."""
    return {k: unescape(v) for k, v in re.findall(r'data-figure="([a-z_]+)">([^<]*)<', html)}


def get(client, user, params=None, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(URL, params or {})


def test_the_page_shows_every_figure_card_with_its_definition(client, street):
    response = get(client, street.world.users["street_staff"], MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    values = figure_values(html)
    assert set(values) == {f.key for f in F.FIGURES}
    # Counts match the hand count; overdue and the response rate depend on the real clock.
    assert {k: values[k] for k in ("received", "accepted", "handled", "whistles", "answers", "solved_by_whistle",
                                   "closed", "resolution_rate", "satisfaction_rate", "on_time_close_rate",
                                   "rework_rate")} == {
        "received": "13", "accepted": "9", "handled": "7", "whistles": "4", "answers": "4", "solved_by_whistle": "2",
        "closed": "5", "resolution_rate": "44.4%", "satisfaction_rate": "80.0%", "on_time_close_rate": "75.0%",
        "rework_rate": "42.9%",
    }
    for figure in F.FIGURES:
        assert str(figure.label) in html
        assert str(figure.definition) in unescape(html)
    assert response.context["weeks"][-1].start == dt.date(2026, 3, 30)  # the weeks end with the period
    for key in ("category", "channel", "community", "unit"):
        assert f'data-breakdown="{key}"' in html
    assert "社区1" in html and "综合执法中队" in html and "路灯" in html


def test_the_chinese_page_shows_the_same_numbers(client, street):
    params = {**MARCH, "scope": street.world.communities[1].pk}
    english = get(client, street.world.users["street_staff"], params).content.decode()
    chinese = get(client, street.world.users["street_staff"], params, language="zh-hans").content.decode()
    assert 'lang="zh-Hans"' in chinese and "Response rate = appeals responded to" in unescape(english)
    assert figure_values(chinese) == figure_values(english)
    assert figure_values(chinese)["received"] == "1"


def test_zero_denominators_show_a_dash(client, world):
    values = figure_values(get(client, world.users["street_staff"]).content.decode())
    assert values["received"] == "0"
    for key in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_close_rate", "rework_rate"):
        assert values[key] == "—"


def test_community_staff_see_their_community_and_cannot_widen_it(client, street):
    world = street.world
    html = get(client, world.users["community_staff"], MARCH).content.decode()
    assert figure_values(html)["received"] == "12"
    assert "社区2第1网格" not in html  # not offered as a scope
    # Asking for a region outside their scope is refused by the form: the default scope stays.
    response = get(client, world.users["community_staff"], {**MARCH, "scope": world.communities[1].pk})
    assert response.status_code == 200
    assert figure_values(response.content.decode())["received"] == "12"


def test_scope_and_unit_pickers_narrow_the_figures(client, street):
    world = street.world
    street_user = world.users["street_staff"]
    assert figure_values(get(client, street_user, {**MARCH, "scope": world.grids[2].pk}).content.decode())["received"] == "1"
    values = figure_values(get(client, street_user, {**MARCH, "unit": world.units[0].pk}).content.decode())
    assert values["received"] == "3" and values["whistles"] == "3" and values["answers"] == "3"


def test_period_picker(client, street):
    user = street.world.users["street_staff"]
    today = timezone.localtime().date()
    response = get(client, user, {"period": "this_month"})
    assert response.context["first"] == today.replace(day=1)
    response = get(client, user, {"period": "last_month"})
    assert response.context["last"] == today.replace(day=1) - dt.timedelta(days=1)
    response = get(client, user)
    assert response.context["first"] == dt.date(today.year, 1, 1) and response.context["last"] == dt.date(today.year, 12, 31)
    # A reversed custom range is explained, and the default period is shown.
    response = get(client, user, {"period": "custom", "start": "2026-03-31", "end": "2026-03-01"})
    assert response.status_code == 200
    assert "The first day must not be after the last day." in unescape(response.content.decode())
    assert response.context["first"] == dt.date(today.year, 1, 1)


@pytest.mark.parametrize("who", ["resident", "resident2"])
def test_residents_are_refused_with_the_friendly_page(client, world, who):
    response = get(client, world.users[who])
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert 'data-figure="' not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["grid_worker", "community_staff", "street_staff", "unit_handler"])
def test_every_staff_role_may_see_the_page(client, world, who):
    assert get(client, world.users[who]).status_code == 200


def test_the_calendar_warning_names_a_year_nobody_has_loaded(client, world):
    u = world.users
    now = timezone.now()
    far = dt.datetime(now.year + 6, 3, 1, 12, 0, tzinfo=TZ)
    appeal = report(world, at=now - H)
    run(world, appeal, [
        (Action.ACCEPT, "street_staff", now - H / 2, {}),
        (Action.WHISTLE, "street_staff", now - H / 4, {"lead_unit": world.units[0].pk, "deadline": far}),
    ])
    html = unescape(get(client, u["street_staff"]).content.decode())
    assert f'data-calendar-gap="{far.year}"' in html
    assert f"The working-day calendar for {far.year} is not loaded; deadlines fall back to weekends only." in html
    calendar.set_year(far.year, {}, source="admin")
    html = get(client, u["street_staff"]).content.decode()
    assert f'data-calendar-gap="{far.year}"' not in html


def _page_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, MARCH).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_query_count_does_not_grow_with_the_appeals(client, world):
    user = world.users["street_staff"]
    t = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    report(world, at=t)
    small = _page_queries(client, user)
    for i in range(8):
        appeal = report(world, at=t + i * H, grid=i % 4)
        steps = [(Action.ACCEPT, "street_staff", t + i * H + H, {})]
        if i % 2:
            steps += [
                (Action.WHISTLE, "street_staff", t + i * H + 2 * H, {"lead_unit": world.units[i % 4 // 2].pk}),
                (Action.CLAIM, "unit_handler" if i % 4 < 2 else "unit_handler_other", t + i * H + 3 * H, {}),
                (Action.ANSWER, "unit_handler" if i % 4 < 2 else "unit_handler_other", t + D, {"note": "已处理"}),
                (Action.PASS, "street_staff", t + D + H, {}),
                (Action.RATE, "street_staff", t + 2 * D, {"satisfaction": "basic"}),
            ]
        run(world, appeal, steps)
    services.sweep_overdue(now=t + 30 * D)
    large = _page_queries(client, user)
    assert large == small


def test_service_volunteering_points_and_dual_figures_sit_beside_the_appeal_figures(client, world):
    from points.models import PointsRule
    from services.tests.factories import act, ask, make_provider

    PointsRule.objects.create(region=world.communities[0], key="order_wish", points=15)
    provider = make_provider(area=[world.communities[0]])
    wish = ask(world, kind="wish", content="想给孙子买一本新华字典。", title="一本字典")
    act(wish, "claim", provider.user)
    act(wish, "complete", provider.user, note="字典已送到。")
    act(wish, "confirm", world.users["resident"], rating=5, thanks="谢谢！")
    page = get(client, world.users["street_staff"]).content.decode()
    sections = re.findall(r'data-figure-section="([a-z]+)"', page)
    assert sections == ["services", "volunteering", "points", "party", "deliberation", "mediation", "visits", "places"]
    values = dict(re.findall(r'data-figure="([a-z]+\.[a-z_]+)">([^<]*)<', page))
    assert values["services.orders_handled"] == "1" and values["points.points_issued"] == "15"
    assert "volunteering.hours" in values and "party.dual_compliance" in values

    # A community's staff see their community's orders; the other community's see none of them.
    assert dict(re.findall(r'data-figure="([a-z]+\.[a-z_]+)">([^<]*)<', get(
        client, world.users["community_staff_other"]).content.decode()))["services.orders_handled"] == "0"
