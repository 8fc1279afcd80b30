"""The whole loop through the service layer: a resident reports, the street
whistles, a unit answers, the grid worker verifies, the resident rates."""

import pytest

from appeals import services
from appeals.models import AppealEvent, Supervision
from appeals.workflow import Action, Channel, Status
from testing.world import build_world
from testing.loop import act, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()






def test_resident_report_lands_in_its_grid_and_runs_the_whistle_loop(world):
    u = world.users
    appeal = report(world)
    assert appeal.grid == world.grids[0] and appeal.community == world.communities[0] and appeal.street == world.street
    assert appeal.status == Status.SUBMITTED and appeal.number and appeal.response_due

    appeal = act(appeal, Action.ACCEPT, u["grid_worker"])
    assert appeal.status == Status.ACCEPTED and appeal.resolve_due
    appeal = act(appeal, Action.ESCALATE, u["grid_worker"], note="需要部门处理")
    appeal = act(appeal, Action.ESCALATE, u["community_staff"], note="上报街道")
    assert appeal.level == "street"
    appeal = act(appeal, Action.WHISTLE, u["street_staff"], note="请三日内修复", lead_unit=world.units[0].pk,
                 helper_units=[world.units[1].pk], deadline_workdays=3)
    assert appeal.status == Status.WHISTLED and appeal.lead_unit == world.units[0]
    appeal = act(appeal, Action.CLAIM, u["unit_handler"])
    appeal = act(appeal, Action.ANSWER, u["unit_handler"], note="已更换灯泡")
    assert appeal.status == Status.VERIFYING and appeal.handled_on_time
    appeal = act(appeal, Action.PASS, u["grid_worker"])
    appeal = act(appeal, Action.RATE, u["resident"], satisfaction="satisfied")
    assert appeal.status == Status.CLOSED and appeal.closed_at
    actions = list(AppealEvent.objects.filter(appeal=appeal).values_list("action", flat=True))
    assert actions == ["submit", "accept", "escalate", "escalate", "whistle", "claim", "answer", "pass", "rate"]


def test_dissatisfied_rating_reopens_to_the_unit_and_counts(world):
    u = world.users
    appeal = report(world)
    for action, user, kw in [
        (Action.ACCEPT, "street_staff", {}),
        (Action.WHISTLE, "street_staff", {"lead_unit": world.units[0].pk}),
        (Action.CLAIM, "unit_handler", {}),
        (Action.ANSWER, "unit_handler", {"note": "已处理"}),
        (Action.FAIL, "grid_worker", {"note": "现场未修好"}),
    ]:
        appeal = act(appeal, action, u[user], **kw)
    assert appeal.status == Status.CLAIMED and appeal.rework_count == 1
    appeal = act(appeal, Action.ANSWER, u["unit_handler"], note="再次维修")
    appeal = act(appeal, Action.PASS, u["grid_worker"])
    appeal = act(appeal, Action.RATE, u["resident"], satisfaction="dissatisfied", note="晚上还是不亮")
    assert appeal.status == Status.CLAIMED and appeal.reopen_count == 1


def test_overdue_sweep_supervises_once_and_notifies_holder_and_leader(world, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    u = world.users
    appeal = report(world)
    appeal = act(appeal, Action.ACCEPT, u["street_staff"])
    appeal = act(appeal, Action.WHISTLE, u["street_staff"], lead_unit=world.units[0].pk, deadline_workdays=1)
    later = timezone.now() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_overdue(now=later) == 1
    assert services.sweep_overdue(now=later) == 0
    assert Supervision.objects.filter(appeal=appeal, kind="resolve").count() == 1
    assert u["unit_handler"].notifications.filter(verb="supervision").exists()
    assert u["unit_leader"].notifications.filter(verb="supervision").exists()


def test_suspending_an_overdue_appeal_does_not_forgive_it(world):
    import datetime as dt

    from django.utils import timezone

    u = world.users
    t0 = timezone.now() - dt.timedelta(days=30)
    appeal = report(world, now=t0)
    appeal = act(appeal, Action.ACCEPT, u["street_staff"], now=t0)
    due = appeal.resolve_due
    appeal = act(appeal, Action.SUSPEND, u["street_staff"], note="等待产权确认", now=t0 + dt.timedelta(days=20))
    appeal = act(appeal, Action.RESUME, u["street_staff"], now=t0 + dt.timedelta(days=25))
    assert appeal.status == Status.ACCEPTED and appeal.resolve_due == due and appeal.is_overdue


def test_only_staff_over_the_appeal_may_supervise_it(world):
    from core.errors import NotAllowed

    u = world.users
    # community 1's staff member reports a problem in community 0 as a resident would
    appeal = report(world, user="community_staff_other", channel=Channel.RESIDENT)
    with pytest.raises(NotAllowed):
        services.supervise(appeal_id=appeal.pk, actor=u["community_staff_other"], note="请加快")
    supervision = services.supervise(appeal_id=appeal.pk, actor=u["community_staff"], note="请加快")
    assert supervision.kind == "manual" and appeal.events.filter(action="supervise").exists()
