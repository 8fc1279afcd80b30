"""What other apps read: service records for 双报到 and the figures page."""

import pytest

from core.records import ServiceRecord
from testing.world import build_world
from volunteering import selectors, services

from .factories import T_PUBLISH, at, publish, volunteer

pytestmark = pytest.mark.django_db

Q1 = (at(2026, 1, 1, 0), at(2026, 4, 1, 0))


@pytest.fixture
def world():
    return build_world()


def attend(world, activity, person, arrive, leave=None):
    record = services.signup(actor=person, activity=activity.pk, now=T_PUBLISH)
    staff = world.users["community_staff"] if activity.community_id == world.communities[0].pk \
        else world.users["community_staff_other"]
    services.organiser_check(actor=staff, signup=record.pk, direction="in", now=arrive)
    if leave:
        services.organiser_check(actor=staff, signup=record.pk, direction="out", now=leave)
    return record


@pytest.fixture
def scene(world):
    a, b = volunteer("党员甲", username="a"), volunteer("党员乙", username="b")
    march = publish(world, title="三月扫除", starts_at=at(2026, 3, 7, 9), ends_at=at(2026, 3, 7, 11))
    attend(world, march, a, at(2026, 3, 7, 9), at(2026, 3, 7, 11))
    attend(world, march, b, at(2026, 3, 7, 9), at(2026, 3, 7, 10))
    april = publish(world, title="四月扫除", starts_at=at(2026, 4, 4, 9), ends_at=at(2026, 4, 4, 11),
                    now=at(2026, 3, 20))
    attend(world, april, a, at(2026, 4, 4, 9), at(2026, 4, 4, 10, 30))
    elsewhere = publish(world, by="community_staff_other", community=world.communities[1], title="社区2宣讲",
                        starts_at=at(2026, 3, 14, 9), ends_at=at(2026, 3, 14, 12))
    attend(world, elsewhere, b, at(2026, 3, 14, 9), at(2026, 3, 14, 12))
    called_off = publish(world, title="取消的活动", starts_at=at(2026, 3, 21, 9), ends_at=at(2026, 3, 21, 11))
    services.activity_cancel(actor=world.users["community_staff"], activity=called_off.pk, reason="下雨", now=T_PUBLISH)
    team = services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                                name="清洁家园队", kind="clean", leader=a.pk)
    m = services.team_join(actor=b, team=team.pk)
    services.membership_act(actor=a, membership=m.pk, action="approve")
    services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                         name="文化宣传队", kind="culture")
    return a, b, march, april, elsewhere


def test_service_records_are_check_ins_in_the_period(scene):
    a, b, march, april, elsewhere = scene
    records = selectors.service_records([a.pk, b.pk], *Q1)
    assert all(isinstance(r, ServiceRecord) for r in records)
    assert [(r.user_id, r.title, r.kind) for r in records] == [
        (a.pk, "三月扫除", "activity"), (b.pk, "三月扫除", "activity"), (b.pk, "社区2宣讲", "activity")]
    assert records[0].url == f"/volunteering/activities/{march.pk}/" and records[0].at == at(2026, 3, 7, 9)
    assert selectors.service_records([a.pk], at(2026, 4, 1), at(2026, 7, 1))[0].title == "四月扫除"
    assert selectors.service_records([], *Q1) == []


def figure_values(community_ids, start, end):
    return {f["key"]: f["value"] for f in selectors.figures(community_ids, start, end)}


def test_figures_each_counted_once_by_its_definition(world, scene):
    everything = figure_values(None, *Q1)
    assert everything == {"teams": 2, "team_members": 2, "activities_held": 2, "participants": 2, "hours": 6.0,
                          "certificates_issued": 0}
    first = figure_values([world.communities[0].pk], *Q1)
    assert first == {"teams": 2, "team_members": 2, "activities_held": 1, "participants": 2, "hours": 3.0,
                     "certificates_issued": 0}
    second = figure_values([world.communities[1].pk], None, None)
    assert second["teams"] == 0 and second["activities_held"] == 1 and second["hours"] == 3.0
    a = scene[0]
    services.certificate_issue(actor=a, now=at(2026, 3, 30))
    assert figure_values(None, *Q1)["certificates_issued"] == 1
    assert figure_values(None, at(2026, 4, 1), at(2026, 5, 1))["hours"] == 1.5
    rows = selectors.figures(None, None, None)
    assert all(str(r["label"]) and str(r["definition"]) for r in rows)


def test_activity_lists_scope_to_my_communities(world, scene):
    a = scene[0]
    mine = selectors.my_community_ids(a)  # a is in a team of the first community
    assert mine == {world.communities[0].pk}
    assert selectors.my_community_ids(world.users["street_staff"]) == {c.pk for c in world.communities}
    upcoming = selectors.activities(community_ids=mine, upcoming=True, now=at(2026, 3, 1))
    assert [x.title for x in upcoming] == ["三月扫除", "四月扫除"]  # not the cancelled one, not elsewhere
