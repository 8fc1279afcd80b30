"""Hot topics: known clusters of real messages come out as topics; on the platform a
topic counts its appeals, the period before, support (附议 + merged duplicates) and places."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import services
from intelligence.hot import Item, hot_topics, neighbours, star_clusters, topics
from testing.loop import act, report
from testing.world import build_world

from .test_dup_support import lives_in

SAMPLE = Path(__file__).parent / "data" / "hot_sample.jsonl"


def sample():
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def items(rows):
    return [Item(key=i, title=r["title"], body=r["body"], support=r["likes"],
                 at=dt.datetime.strptime(r["time"], "%Y/%m/%d %H:%M:%S")) for i, r in enumerate(rows)]


def test_known_clusters_of_real_messages_are_found_and_never_mixed():
    rows = sample()
    clusters = star_clusters(items(rows), neighbours(items(rows)))

    groups = [[rows[i]["cluster"] for i in c] for c in clusters if len(c) > 1]
    for labels in groups:  # no topic mixes two labelled clusters or takes in unrelated messages
        assert len(set(labels)) == 1 and labels[0], labels
    for name in ("丽发新城搅拌站", "伊景园滨河苑车位", "茶场村拆迁"):
        biggest = max((len(g) for g in groups if g[0] == name), default=0)
        assert biggest >= 4, name
    assert sorted(i for c in clusters for i in c) == list(range(len(rows)))  # each message exactly once


def test_topics_report_count_trend_support_and_a_representative_title():
    rows = sample()
    found = topics(items(rows), start=dt.datetime(2019, 7, 1), end=dt.datetime(2020, 1, 10))

    by_title = {t.title: t for t in found}
    assert found and all(t.count >= 2 or t.support >= 10 for t in found)
    lifa = next(t for t in found if "搅拌站" in t.title)
    members = [r for r in rows if r["cluster"] == "丽发新城搅拌站" and r["title"] in {i.title for i in lifa.items}]
    assert lifa.count == len(lifa.items) == len(members) and lifa.previous == 0 and lifa.trend == "new"
    assert lifa.support == sum(r["likes"] for r in members)
    assert lifa.title in {r["title"] for r in members} and "搅拌站" in "".join(lifa.keywords) + lifa.title
    assert [t.heat for t in found] == sorted((t.heat for t in found), reverse=True)
    assert len(by_title) == len(found)


def test_nothing_in_the_period_gives_no_topic():
    assert topics(items(sample()), start=dt.datetime(2030, 1, 1), end=dt.datetime(2030, 2, 1)) == []
    assert topics([], start=dt.datetime(2030, 1, 1), end=dt.datetime(2030, 2, 1)) == []


# ---------------------------------------------------------------- on the platform

LAMPS = ["北门路灯不亮，晚上很黑", "小区北门路灯坏了不亮", "北门的路灯一直不亮"]


@pytest.mark.django_db
def test_platform_topic_counts_support_merged_duplicates_and_the_previous_period(client):
    world = build_world()
    lives_in(world, world.users["resident2"], 0)
    now = timezone.now()
    start, end = now - dt.timedelta(days=7), now + dt.timedelta(minutes=1)
    appeals = [report(world, grid=0, title=t, content=f"幸福小区{t}，请尽快修理。", now=now - dt.timedelta(days=d))
               for d, t in enumerate(LAMPS)]
    report(world, grid=1, title=LAMPS[0], content="幸福小区北门路灯不亮，请修理。", now=now - dt.timedelta(days=10))
    dup = report(world, user="resident2", grid=0, title=LAMPS[1], content="幸福小区北门路灯不亮了。")
    act(dup, "merge", world.users["grid_worker"], parent=appeals[0].pk)
    services.appeal_support(appeal_id=appeals[0].pk, actor=world.users["resident2"])
    report(world, grid=0, title="楼道堆放杂物", content="三号楼楼道里堆满了纸箱和旧家具，有火灾隐患。")

    found = hot_topics(services.Appeal.objects.all(), start=start, end=end)

    assert len(found) == 1
    topic = found[0]
    assert topic.count == 3 and topic.previous == 1 and topic.trend == "rising" and topic.change == "+200%"
    assert topic.support == 2  # one 附议 and one merged duplicate
    assert topic.places == [(world.grids[0].name, 3)]

    client.force_login(world.users["street_staff"])
    page = client.get(reverse("intelligence:hot"), {"days": 7}).content.decode()
    assert 'data-topic="1"' in page and appeals[0].number in page
    assert client.get(reverse("intelligence:hot"), {"region": "999999"}).status_code == 200
    client.force_login(world.users["resident"])
    assert client.get(reverse("intelligence:hot")).status_code == 404


@pytest.mark.django_db
def test_dashboard_links_to_the_topics_of_its_scope_and_dates(client):
    world = build_world()
    for t in LAMPS:
        report(world, grid=0, title=t, content=f"幸福小区{t}，请尽快修理。")
    client.force_login(world.users["street_staff"])
    today = timezone.localdate().isoformat()

    dashboard = client.get(reverse("insights:dashboard")).content.decode()
    page = client.get(reverse("intelligence:hot"), {"scope": world.communities[0].pk, "start": today, "end": today,
                                                    "period": "custom"}).content.decode()
    elsewhere = client.get(reverse("intelligence:hot"), {"scope": world.communities[1].pk, "start": today,
                                                         "end": today}).content.decode()

    assert 'data-action="hot-topics"' in dashboard
    assert 'data-topic="1"' in page and 'data-topic="1"' not in elsewhere


# ---------------------------------------------------------------- 12345 boilerplate

BOILERPLATE = {"市民", "来电", "来电人", "反映", "号楼", "小区", "人称"}
HOTLINE = [  # (title, body): four elevator orders among orders on other issues, all in the hotline's wording
    ("市民来电反映：幸福小区3号楼电梯故障停运", "来电人反映幸福小区3号楼电梯故障停运三天，老人上下楼困难，希望尽快维修。"),
    ("来电人反映和平小区5号楼电梯故障", "市民来电反映和平小区5号楼电梯经常故障停运，物业不处理，希望尽快维修。"),
    ("市民来电：锦绣小区12号楼电梯停运", "来电人反映锦绣小区12号楼电梯停运一周，物业称在等配件。"),
    ("来电人反映幸福小区7号楼电梯故障困人", "市民来电反映幸福小区7号楼电梯故障停运，昨晚困人半小时，希望尽快维修。"),
    ("市民来电反映：和平小区2号楼楼道堆放杂物", "来电人反映和平小区2号楼楼道堆满纸箱，有火灾隐患。"),
    ("来电人反映锦绣小区9号楼下水道堵塞", "市民来电反映锦绣小区9号楼下水道堵塞，污水外溢。"),
    ("市民来电反映：幸福小区1号楼广场舞噪音", "来电人反映幸福小区1号楼楼下广场舞音响太吵，影响休息。"),
    ("来电人反映和平小区8号楼门口占道经营", "市民来电反映和平小区8号楼门口有摊贩占道经营，堵塞通行。"),
]


def test_hotline_boilerplate_is_neither_the_topic_nor_its_keywords():
    now = dt.datetime(2026, 11, 20, 9)
    rows = [Item(key=n, title=t, body=b, at=now - dt.timedelta(hours=n)) for n, (t, b) in enumerate(HOTLINE)]

    found = topics(rows, start=now - dt.timedelta(days=7), end=now + dt.timedelta(hours=1))

    assert len(found) == 1
    lift = found[0]
    assert lift.count == 4 and {i.key for i in lift.items} == {0, 1, 2, 3}
    assert "电梯" in lift.keywords and not BOILERPLATE & set(lift.keywords), lift.keywords
    assert "电梯" in lift.title and "来电" not in lift.title and "反映" not in lift.title, lift.title
