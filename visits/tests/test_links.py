"""A visit opening a dispute; figures; 双报到 records; the scheduler task."""

import datetime as dt

import pytest

from core.errors import ValidationFailed
from testing.world import build_world
from visits import selectors, services
from visits.models import Visit

from .factories import at, committed, subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_a_visit_opens_a_dispute_in_one_step(world):
    from mediation.models import Dispute

    s = subject(world, now=at(2024, 3, 1))
    v = committed(services.visit_record, actor=world.users["grid_worker"], subject=s, now=at(2024, 3, 2),
                  findings="楼上邻居每晚很吵，老人睡不着，两家已经吵过几次。", dispute={"dispute_type": "neighbour"})
    dispute = Dispute.objects.get(pk=v.dispute_id)
    assert dispute.source == "visit" and dispute.grid == world.grids[0]
    assert dispute.parties.filter(name=s.person.name).exists()


def test_a_bad_dispute_saves_nothing(world):
    s = subject(world, now=at(2024, 3, 1))
    with pytest.raises(ValidationFailed):
        services.visit_record(actor=world.users["grid_worker"], subject=s, now=at(2024, 3, 2),
                              findings="楼上邻居每晚很吵。", dispute={"dispute_type": "quarrel"})
    assert Visit.objects.count() == 0


def test_figures_and_service_records(world):
    from django.utils import timezone

    now = timezone.now()
    s = subject(world, tags=["very_old"], now=now - dt.timedelta(days=40))
    subject(world, person=None, now=now)
    committed(services.visit_record, actor=world.users["grid_worker"], subject=s, now=now - dt.timedelta(days=3),
              visited_at=now - dt.timedelta(days=3))  # late: it was due 40 days ago
    lng, lat = world.point_in(0)
    patrol = services.patrol_start(actor=world.users["grid_worker"], lng=lng, lat=lat, now=now)
    f = services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="路面塌陷一处", now=now)
    services.finding_add(actor=world.users["grid_worker"], patrol=patrol, note="路灯不亮两盏", now=now)
    services.finding_report(actor=world.users["grid_worker"], finding=f, category=world.category, now=now)
    start, end = now - dt.timedelta(days=30), now + dt.timedelta(minutes=1)
    values = {x["key"]: x["value"] for x in selectors.figures([world.communities[0].pk], start, end)}
    assert values["subjects"] == 2 and values["visits_done"] == 1 and values["on_time_rate"] == 0.0
    assert values["visits_due"] == 1   # the new one, due today
    assert values["patrols"] == 1 and values["patrol_findings"] == 2 and values["findings_reported"] == 1
    assert values["campaign_coverage"] is None
    other = {x["key"]: x["value"] for x in selectors.figures([world.communities[1].pk], start, end)}
    assert other["subjects"] == 0 and other["on_time_rate"] is None
    assert all(x["label"] and x["definition"] for x in selectors.figures(None, None, None))
    records = selectors.service_records([world.users["grid_worker"].pk], start, end)
    assert sorted(r.kind for r in records) == ["patrol_round", "visit"]


def test_the_scheduler_task_runs_the_sweep(world):
    from visits.tasks import sweep_visits_task

    subject(world, now=at(2024, 3, 1))
    result = sweep_visits_task.enqueue().return_value
    assert result["lapsed"] == 1 and result["notified"] == 1
