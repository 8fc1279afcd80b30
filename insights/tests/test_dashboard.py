"""The dashboard, its JSON endpoints and the 大屏 over HTTP, on the hand-counted
street: who sees what, that the cards equal figures.compute, and the shapes of
what the charts and the map read."""

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from appeals.models import Supervision
from insights import dashboard, selectors
from insights import figures as F
from places.tests.factories import make_place

from .street import END, START, module_street_fixtures

street, world = module_street_fixtures()

PAGE = reverse("insights:dashboard")
SCREEN = reverse("insights:dashboard_screen")
DATA = reverse("insights:dashboard_data")
MAP = reverse("insights:dashboard_map")
MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


def figure_values(html: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in re.findall(r'data-figure="([a-z_.]+)">([^<]*)<', html)}


def get(client, user, url=PAGE, params=None):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(url, params or {})


def march():
    return F.make_period(START, END)


def expected(user, *, region=None, unit=None) -> dict[str, str]:
    appeals = selectors.scoped_appeals(user, region=region, unit=unit)
    return {k: v.display for k, v in F.compute(appeals, march(), unit=unit).items()}


# ---------------------------------------------------------------- the page

def test_street_dashboard_shows_every_card_equal_to_compute_with_formulas(client, street):
    user = street.world.users["street_staff"]
    response = get(client, user, params=MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    values = figure_values(html)
    want = expected(user)
    assert {k: values[k] for k in want} == want
    # The hand count, independent of compute.
    assert {k: values[k] for k in ("received", "handled", "whistles", "answers", "solved_by_whistle", "closed",
                                   "resolution_rate", "satisfaction_rate", "on_time_close_rate", "rework_rate")} == {
        "received": "13", "handled": "7", "whistles": "4", "answers": "4", "solved_by_whistle": "2", "closed": "5",
        "resolution_rate": "44.4%", "satisfaction_rate": "80.0%", "on_time_close_rate": "75.0%", "rework_rate": "42.9%"}
    for f in F.RATE_FIGURES:  # each rate with its formula
        assert re.search(rf'data-formula="{f.key}">\s*{re.escape(str(f.definition))}', unescape(html))
    for key in ("services", "volunteering", "mediation"):  # orders, wishes, errands, hours, disputes mediated
        assert f'data-figure-section="{key}"' in html
    for chart in ("weeks", "months", "categories", "channels"):
        assert f'data-chart="{chart}"' in html
    assert 'data-ranking="unit"' in html and 'data-ranking="grid"' in html
    assert 'data-list="overdue"' in html and 'data-list="supervised"' in html
    assert 'data-hot-word="路灯"' in html
    assert 'id="dashboard-data"' in html and "data-dashboard-map" in html
    assert "/static/vendor/echarts-6.1.0/echarts.common.min.js" in html
    assert "/static/vendor/leaflet.heat-0.2.0/leaflet-heat.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # every script and style is our own


def test_the_unit_and_grid_rankings(client, street):
    board = get(client, street.world.users["street_staff"], params=MARCH).context["board"]
    grids = [(r.label, r.cells[0].display) for r in board["grids"].rows]
    assert grids == [("社区1 · 社区1第1网格", "12"), ("社区2 · 社区2第1网格", "1")]
    units = {r.label: r.cells[0].display for r in board["units"].rows}
    assert units == {"综合执法中队": "3", "自来水公司": "1"}


def test_month_trend_counts_by_calendar_month(street):
    appeals = selectors.scoped_appeals(street.world.users["street_staff"])
    months = dashboard.by_month(appeals, until=dt.date(2026, 3, 31))
    assert len(months) == 12 and months[-1].start == dt.date(2026, 3, 1) and months[0].start == dt.date(2025, 4, 1)
    by = {m.start: (m.received.count, m.closed.count) for m in months}
    assert by[dt.date(2026, 3, 1)] == (13, 5)  # a12 came in February and closed in March
    assert by[dt.date(2026, 2, 1)] == (1, 0)
    assert sum(r for r, _ in by.values()) == 14


def test_overdue_and_supervised_lists(client, street):
    board = get(client, street.world.users["street_staff"], params=MARCH).context["board"]
    overdue = {r["id"] for r in board["overdue"]["rows"]}
    assert overdue == {street.appeals["a9"].pk, street.appeals["a13"].pk} and board["overdue"]["total"] == 2
    open_notices = Supervision.objects.filter(cleared_at__isnull=True)
    assert board["supervised"]["total"] == open_notices.count() > 0
    assert {r["id"] for r in board["supervised"]["rows"]} == set(open_notices.values_list("appeal_id", flat=True))
    # A community sees only its own.
    board = get(client, street.world.users["community_staff_other"], params=MARCH).context["board"]
    assert {r["id"] for r in board["overdue"]["rows"]} == {street.appeals["a13"].pk}


def test_a_grid_worker_sees_only_their_grid(client, street):
    world = street.world
    user = world.users["grid_worker_other"]
    values = figure_values(get(client, user, params=MARCH).content.decode())
    assert values["received"] == "1" and values == {**values, **expected(user)}
    # Asking for another grid is refused by the picker and explained; the own grid stays.
    response = get(client, user, params={**MARCH, "scope": world.grids[0].pk})
    assert response.status_code == 200
    assert figure_values(response.content.decode())["received"] == "1"
    assert "data-picker-error" in response.content.decode()
    body = get(client, user, DATA, {**MARCH, "scope": world.grids[0].pk}).json()
    assert body["errors"] and {c["key"]: c["display"] for c in body["cards"]}["received"] == "1"
    geo = get(client, user, MAP, MARCH).json()
    assert [f["properties"]["id"] for f in geo["grids"]["features"]] == [world.grids[2].pk]
    assert [p["id"] for p in geo["points"]] == [street.appeals["a13"].pk]


def test_a_unit_handler_sees_their_units_dashboard(client, street):
    world = street.world
    u0, u1 = world.units
    values = figure_values(get(client, world.users["unit_handler"], params=MARCH).content.decode())
    assert values == {**values, **expected(world.users["unit_handler"], unit=u0)}
    assert values["received"] == "3" and values["whistles"] == "3" and values["answers"] == "3"
    other = get(client, world.users["unit_handler_other"], DATA, MARCH).json()
    cards = {c["key"]: c["display"] for c in other["cards"]}
    assert cards["received"] == "1" and cards["whistles"] == "1" and cards["answers"] == "1"
    assert other["services"] == [] and other["scope"]["unit"] == u1.pk
    # A unit cannot look at another unit.
    refused = get(client, world.users["unit_handler_other"], DATA, {**MARCH, "unit": u0.pk}).json()
    assert refused["scope"]["unit"] == u1.pk and refused["errors"]
    geo = get(client, world.users["unit_handler_other"], MAP, MARCH).json()
    assert [p["id"] for p in geo["points"]] == [street.appeals["a10"].pk]
    assert [f["properties"]["id"] for f in geo["grids"]["features"]] == [world.grids[0].pk]


def test_street_staff_narrow_to_a_community_or_unit(client, street):
    world = street.world
    user = world.users["street_staff"]
    body = get(client, user, DATA, {**MARCH, "scope": world.communities[1].pk}).json()
    assert {c["key"]: c["display"] for c in body["cards"]} == expected(user, region=world.communities[1])
    body = get(client, user, DATA, {**MARCH, "unit": world.units[0].pk}).json()
    assert {c["key"]: c["display"] for c in body["cards"]} == expected(user, unit=world.units[0])


@pytest.mark.parametrize("who", ["resident", "resident2"])
def test_residents_are_refused(client, world, who):
    user = world.users[who]
    for url in (PAGE, SCREEN):
        response = get(client, user, url)
        assert response.status_code == 403 and 'data-figure="' not in response.content.decode()
    for url in (DATA, MAP):
        response = get(client, user, url)
        assert response.status_code == 403 and "detail" in response.json()


def test_anonymous_visitors(client, world):
    for url in (PAGE, SCREEN):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    for url in (DATA, MAP):
        assert client.get(url).status_code == 401


def test_bad_picker_input_is_explained_never_a_500(client, street):
    user = street.world.users["street_staff"]
    for params in ({"period": "custom"}, {"period": "custom", "start": "2026-03-31", "end": "2026-03-01"},
                   {"period": "someday"}, {"start": "not-a-date", "period": "custom", "end": "2026-01-01"},
                   {"scope": "x"}, {"unit": "999999"}, {"screen": "1", "refresh": "soon"}):
        response = get(client, user, params=params)
        assert response.status_code == 200, params
        assert get(client, user, DATA, params).status_code == 200
        assert get(client, user, MAP, {**params, "figure": "nonsense"}).status_code == 200
    response = get(client, user, params={"period": "custom", "start": "2026-03-31", "end": "2026-03-01"})
    assert "The first day must not be after the last day." in unescape(response.content.decode())


# ---------------------------------------------------------------- JSON

def test_the_data_endpoint_shape(client, street):
    user = street.world.users["street_staff"]
    body = get(client, user, DATA, MARCH).json()
    assert set(body) >= {"generated_at", "scope", "labels", "cards", "services", "weeks", "months", "categories",
                         "channels", "units", "grids", "overdue", "supervised", "hot", "calendar_gaps", "errors"}
    assert [c["key"] for c in body["cards"]] == [f.key for f in F.FIGURES]
    rates = {c["key"]: c for c in body["cards"] if c["rate"]}
    assert rates["resolution_rate"]["value"] == 44.4 and rates["resolution_rate"]["hits"] == 4
    assert rates["resolution_rate"]["count"] == 9 and rates["resolution_rate"]["definition"]
    assert len(body["weeks"]["labels"]) == len(body["weeks"]["received"]) == 12
    assert body["weeks"]["labels"][-1] == "2026-03-30" and sum(body["weeks"]["received"]) == 14  # a12 in Feb
    assert body["months"]["labels"][-1] == "2026-03" and body["months"]["received"][-1] == 13
    assert body["categories"]["rows"][0]["values"]["received"] == 13
    assert body["channels"]["rows"][0]["values"]["received"] == 13
    assert body["hot"]["categories"][0]["value"] == 13
    assert {"word": "路灯", "count": 13} in body["hot"]["words"]
    assert body["scope"] == {"label": "凤凰岭街道", "first": "2026-03-01", "last": "2026-03-31",
                             "region": street.world.street.pk, "unit": None}


def test_the_map_endpoint_shape_and_no_personal_data(client, street):
    world = street.world
    place = make_place(world, community=0, name="社区1党群服务中心")
    body = get(client, world.users["street_staff"], MAP, MARCH).json()
    assert body["grids"]["type"] == "FeatureCollection"
    props = {f["properties"]["id"]: f["properties"] for f in body["grids"]["features"]}
    assert set(props) == {g.pk for g in world.grids}
    assert props[world.grids[0].pk]["received"] == 12 and props[world.grids[2].pk]["overdue"] == 1
    assert props[world.grids[1].pk]["received"] == 0 and props[world.grids[1].pk]["satisfaction_rate"] is None
    assert props[world.grids[0].pk]["satisfaction_rate_display"] == "80.0%"
    assert [f["key"] for f in body["figures"]] == ["received", "overdue", "closed", "satisfaction_rate"]
    assert len(body["points"]) == body["points_total"] == 13 and body["truncated"] is False
    for p in body["points"]:
        assert set(p) == {"id", "number", "status", "lat", "lng", "category", "url"}
    assert {s["key"] for s in body["statuses"]} >= {"closed", "whistled", "verifying"}
    assert [p["name"] for p in body["places"]] == [place.name] and "phone" not in body["places"][0]
    raw = json.dumps(body, ensure_ascii=False)
    for user in world.users.values():
        assert f'"{user.username}"' not in raw
    # The other community's staff do not see the first community's service point.
    other = get(client, world.users["community_staff_other"], MAP, MARCH).json()
    assert other["places"] == [] and {f["properties"]["id"] for f in other["grids"]["features"]} == {
        world.grids[2].pk, world.grids[3].pk}


def test_the_map_caps_its_points(client, street, monkeypatch):
    monkeypatch.setattr(dashboard, "MAX_POINTS", 5)
    body = get(client, street.world.users["street_staff"], MAP, MARCH).json()
    assert len(body["points"]) == 5 and body["points_total"] == 13 and body["truncated"] is True


# ---------------------------------------------------------------- the 大屏

def test_the_large_screen(client, street):
    user = street.world.users["street_staff"]
    response = get(client, user, SCREEN, {**MARCH, "refresh": "15"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="screen"' in html and 'data-refresh="15"' in html
    assert re.search(r'data-screen-figure="received">13<', html)
    assert f'{DATA}?period=custom&amp;start=2026-03-01&amp;end=2026-03-31' in html
    # The dashboard's own URL with screen=1 is the same screen.
    assert 'data-screen' in get(client, user, PAGE, {**MARCH, "screen": "1"}).content.decode()


@pytest.mark.parametrize("given,seconds", [("15", 15), ("1", 2), ("0", 2), ("-5", 2), ("99999", 3600), ("abc", 60),
                                           ("", 60), (None, 60)])
def test_refresh_seconds(given, seconds):
    assert dashboard.refresh_seconds(given) == seconds


# ---------------------------------------------------------------- hot words

def test_title_words_with_jieba_count_each_title_once():
    words = dashboard.title_words(["小区路灯不亮", "路灯坏了路灯", "楼道堆放杂物", "a"])
    assert words["路灯"] == 2 and words["杂物"] == 1
    assert "小区" not in words and "a" not in words  # stop words and single characters are left out


def test_title_words_without_jieba_count_bigrams(monkeypatch):
    monkeypatch.setattr(dashboard, "_segmenter", lambda: None)
    words = dashboard.title_words(["路灯不亮", "门口路灯坏了"])
    assert words["路灯"] == 2 and words["灯不"] == 1 and "门口" not in words


@pytest.mark.parametrize("who,params", [
    ("street_staff", {}), ("community_staff", {}), ("grid_worker_other", {}), ("unit_handler", {}),
    ("street_staff", {"scope": "community1"}), ("street_staff", {"unit": "unit0"}), ("unit_handler_other", {})])
def test_rollups_and_the_naive_figures_agree(street, who, params):
    """Whichever source the dashboard reads (rollups where they cover the scope), it equals figures.py."""
    world = street.world
    ids = {"community1": world.communities[1].pk, "unit0": world.units[0].pk}
    scope = dashboard.choose(world.users[who], {**MARCH, **{k: ids[v] for k, v in params.items()}})
    naive, used = dashboard.NaiveSource(scope), dashboard.figures_source(scope)
    period = scope.period
    assert {k: (v.count, v.hits) for k, v in used.compute(period).items()} == {
        k: (v.count, v.hits) for k, v in naive.compute(period).items()}
    for name in ("by_category", "by_channel", "by_unit"):
        a, b = getattr(used, name)(period), getattr(naive, name)(period)
        assert [(r.label, [c.display for c in r.cells]) for r in a.rows] == [
            (r.label, [c.display for c in r.cells]) for r in b.rows], name
    for name in ("by_week", "by_month"):
        kwargs = {"until": dt.date(2026, 3, 31), "now": scope.now}
        assert [(w.start, w.received.count, w.closed.count) for w in getattr(used, name)(**kwargs)] == [
            (w.start, w.received.count, w.closed.count) for w in getattr(naive, name)(**kwargs)], name


def test_the_rollups_serve_single_area_scopes(street):
    world = street.world
    assert dashboard.figures_source(dashboard.choose(world.users["street_staff"], MARCH)).name == "rollups"
    assert dashboard.figures_source(dashboard.choose(world.users["unit_handler"], MARCH)).name == "rollups"
    # A street narrowed to a unit sees only the unit's appeals in the street: not a rollup scope.
    scope = dashboard.choose(world.users["street_staff"], {**MARCH, "unit": world.units[0].pk})
    assert dashboard.figures_source(scope).name == "figures"


def test_local_times_in_lists(client, street):
    board = get(client, street.world.users["street_staff"], params=MARCH).context["board"]
    row = board["overdue"]["rows"][0]
    assert row["due"].utcoffset() == dt.timedelta(hours=8)  # shown in Beijing time


def test_the_overdue_and_supervised_lists_export_whole_as_filtered_masked_and_logged(client, street):
    from integrations.models import ExportLog
    from integrations.tests.export_support import download, values

    world, a9, a13 = street.world, street.appeals["a9"], street.appeals["a13"]
    a9.reporter_phone = "13812345678"
    a9.save(update_fields=["reporter_phone"])
    html = get(client, world.users["street_staff"], params=MARCH).content.decode()
    assert 'data-export="insights.overdue"' in html and 'data-export="insights.supervised"' in html
    assert "screen=" not in re.search(r'href="([^"]*insights.overdue[^"]*)"', html).group(1)
    rows = download(client, "insights.overdue", **MARCH)
    assert values(rows, "number") == [r["number"] for r in get(client, world.users["street_staff"], params=MARCH)
                                      .context["board"]["overdue"]["rows"]] and len(rows) == 2
    assert "138****5678" in values(rows, "reporter_phone")  # masked by default
    log = ExportLog.objects.get(list_name="insights.overdue")
    assert log.masked and log.filters == MARCH and log.row_count == 2
    rows = download(client, "insights.overdue", full="1", **MARCH)
    assert "13812345678" in values(rows, "reporter_phone")
    assert not ExportLog.objects.filter(list_name="insights.overdue").order_by("-id").first().masked
    notices = Supervision.objects.filter(cleared_at__isnull=True).select_related("appeal")
    rows = download(client, "insights.supervised", **MARCH)
    assert sorted(values(rows, "number")) == sorted(n.appeal.number for n in notices)
    assert all(r["supervision"] and r["supervised_since"] for r in rows)
    # Another community's staff export only what their dashboard lists; a resident gets nothing.
    client.force_login(world.users["community_staff_other"])
    assert values(download(client, "insights.overdue", **MARCH), "number") == [a13.number]
    client.force_login(world.users["resident"])
    assert client.get(reverse("integrations:export", args=["insights.overdue"])).status_code == 404
