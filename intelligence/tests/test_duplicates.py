"""Likely duplicates: near in place and time and alike in text, and one-click merge from the list."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from appeals.workflow import Action, Status
from intelligence.duplicates import bigrams, duplicates_of, likely_duplicates
from testing.loop import act, report
from testing.world import build_world

from .test_dup_support import lives_in

pytestmark = pytest.mark.django_db

LAMP = dict(title="幸福小区北门路灯不亮", content="幸福小区北门的路灯坏了一个星期了，晚上很黑，老人出门不方便。")
LAMP_AGAIN = dict(title="北门路灯坏了", content="幸福小区北门口路灯一直不亮，晚上太黑了，请尽快修理。")
RUBBISH = dict(title="垃圾桶满了没人清运", content="三号楼下的垃圾桶已经满出来三天，臭气熏天，没有人来清运。")


@pytest.fixture
def world():
    world = build_world()
    lives_in(world, world.users["resident2"], 0)  # a neighbour: may support what is reported in grid 0
    return world


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


def keys(matches):
    return [m.appeal.pk for m in matches]


def test_bigrams_split_on_punctuation_and_keep_latin_and_digits():
    assert bigrams("路灯，不亮 3号") == {"路灯", "不亮", "3号"}
    assert bigrams("") == frozenset()


def test_same_problem_at_the_same_place_is_found_with_its_reasons(world):
    first = report(world, grid=0, **LAMP, now=days_ago(2))
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN)

    matches = duplicates_of(second)

    assert keys(matches) == [first.pk]
    m = matches[0]
    assert m.same_grid and m.metres is not None and m.metres < 1 and m.days == 2
    assert 0 < m.score <= 1 and len(m.reasons) >= 3
    assert "路灯" in m.words


def test_same_text_far_away_or_long_ago_is_not_a_duplicate(world):
    report(world, grid=3, **LAMP)                       # another community
    report(world, grid=1, **LAMP)                       # next grid, about 1 km away
    report(world, grid=0, **LAMP, now=days_ago(45))     # same place, six weeks ago
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN)

    assert duplicates_of(second) == []


def test_a_neighbouring_grid_counts_when_the_pins_are_close(world):
    g0, g1 = world.grids[0], world.grids[1]
    border = g0.max_lng if g0.max_lng is not None else (g0.centroid_lng + g1.centroid_lng) / 2
    first = report(world, grid=1, **LAMP, lng=border + 0.0005, lat=g0.centroid_lat)
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN, lng=border - 0.0005, lat=g0.centroid_lat)

    matches = duplicates_of(second)

    assert keys(matches) == [first.pk] and not matches[0].same_grid and matches[0].metres < 300


def test_a_different_problem_at_the_same_place_is_not_a_duplicate(world):
    report(world, grid=0, **RUBBISH, category="streetlight")
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN)

    assert duplicates_of(second) == []


def test_merged_rejected_and_long_closed_appeals_are_left_out_but_a_recent_closed_one_counts(world):
    staff = world.users["grid_worker"]
    root = report(world, grid=0, **LAMP)
    merged = report(world, user="resident2", grid=0, **LAMP)
    act(merged, Action.MERGE, staff, parent=root.pk)
    rejected = report(world, grid=0, **LAMP)
    act(rejected, Action.REJECT, staff, note="重复提交")
    probe = dict(title=LAMP_AGAIN["title"], content=LAMP_AGAIN["content"], grid=world.grids[0],
                 lng=world.point_in(0)[0], lat=world.point_in(0)[1], at=timezone.now())

    assert keys(likely_duplicates(**probe)) == [root.pk]

    Appeal.objects.filter(pk=root.pk).update(status=Status.CLOSED, closed_at=days_ago(2))
    assert keys(likely_duplicates(**probe)) == [root.pk]
    Appeal.objects.filter(pk=root.pk).update(closed_at=days_ago(20))
    assert likely_duplicates(**probe) == []


def test_staff_only_see_duplicates_they_may_see(world):
    from appeals.selectors import visible_appeals

    report(world, grid=2, **LAMP)
    second = report(world, user="resident2", grid=2, **LAMP_AGAIN)

    assert len(duplicates_of(second)) == 1
    assert duplicates_of(second, among=visible_appeals(world.users["grid_worker"])) == []


# ---------------------------------------------------------------- pages

def test_resident_sees_a_similar_appeal_while_reporting_with_the_phone_masked(client, world):
    report(world, grid=0, title="北门路灯不亮 联系13812345678", content=LAMP["content"])
    client.force_login(world.users["resident2"])
    lng, lat = world.point_in(0)

    page = client.get(reverse("intelligence:dup_check"), {**LAMP_AGAIN, "lng": lng, "lat": lat}).content.decode()

    assert "data-duplicate" in page and "北门路灯不亮" in page
    assert "13812345678" not in page and "138****5678" in page
    assert reverse("intelligence:support", args=[Appeal.objects.get(reporter=world.users["resident"]).pk]) in page


def test_intake_check_without_a_pin_or_with_other_text_shows_no_duplicate(client, world):
    report(world, grid=0, **LAMP)
    client.force_login(world.users["resident2"])
    lng, lat = world.point_in(0)

    assert "data-duplicate" not in client.get(reverse("intelligence:dup_check"), LAMP_AGAIN).content.decode()
    other = client.get(reverse("intelligence:dup_check"), {**RUBBISH, "lng": lng, "lat": lat}).content.decode()
    assert "data-duplicate" not in other
    bad = client.get(reverse("intelligence:dup_check"), {**LAMP_AGAIN, "lng": "abc", "lat": "x"})
    assert bad.status_code == 200 and "data-duplicate" not in bad.content.decode()


def test_staff_record_form_checks_by_grid_code(client, world):
    first = report(world, grid=0, **LAMP)
    client.force_login(world.users["grid_worker"])

    page = client.get(reverse("intelligence:dup_check"), {**LAMP_AGAIN, "grid": world.grids[0].code}).content.decode()

    assert first.number in page and reverse("appeals:detail", args=[first.pk]) in page


def test_grid_worker_sees_the_panel_and_merges_with_one_click(client, world):
    first = report(world, grid=0, **LAMP, now=days_ago(1))
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN)
    client.force_login(world.users["grid_worker"])

    detail = client.get(reverse("appeals:detail", args=[second.pk])).content.decode()
    assert 'data-linked="duplicates"' in detail and first.number in detail
    listing = client.get(reverse("intelligence:dup_list", args=[second.pk])).content.decode()
    assert f'data-duplicate="{first.pk}"' in listing and 'data-merge="into-it"' in listing

    response = client.post(reverse("intelligence:dup_merge", args=[second.pk]),
                           {"child": second.pk, "parent": first.pk, "expected_version": second.version})

    assert response.status_code == 302 and response.url == reverse("appeals:detail", args=[first.pk])
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.parent_id == first.pk
    assert AppealEvent.objects.filter(appeal=second, action=Action.MERGE, actor=world.users["grid_worker"]).exists()
    # Merged: it no longer offers itself as a duplicate, and the panel is gone from its page.
    assert 'data-linked="duplicates"' not in client.get(reverse("appeals:detail", args=[second.pk])).content.decode()


def test_merge_from_a_stale_list_is_refused_with_a_clear_message(client, world):
    first = report(world, grid=0, **LAMP)
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN)
    client.force_login(world.users["grid_worker"])
    stale_version = second.version
    act(second, Action.ACCEPT, world.users["community_staff"])

    response = client.post(reverse("intelligence:dup_merge", args=[second.pk]),
                           {"child": second.pk, "parent": first.pk, "expected_version": stale_version})

    assert response.status_code == 409
    assert 'id="merge-error"' in response.content.decode()
    second.refresh_from_db()
    assert second.status == Status.ACCEPTED and second.parent_id is None


def test_merge_the_other_way_and_refusals(client, world):
    first = report(world, grid=0, **LAMP)
    second = report(world, user="resident2", grid=0, **LAMP_AGAIN)
    url = reverse("intelligence:dup_merge", args=[second.pk])
    client.force_login(world.users["resident"])
    assert client.get(reverse("intelligence:dup_list", args=[second.pk])).status_code == 404
    client.force_login(world.users["grid_worker"])
    assert client.post(url, {"child": first.pk, "parent": 999999, "expected_version": 1}).status_code == 404

    response = client.post(url, {"child": first.pk, "parent": second.pk, "expected_version": first.version})

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Status.MERGED and first.parent_id == second.pk
