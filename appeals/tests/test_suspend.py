"""Suspension (挂起): from any open state but revisiting, with a reason; resume
returns to exactly where the appeal was; the clocks stop meanwhile."""


import pytest

from appeals import services
from testing.loop import act, at, end_of
from appeals.models import AppealEvent, Supervision, Whistle
from appeals.workflow import Action, Channel, Status
from core.errors import ValidationFailed

from .test_workflow_matrix import VARIANTS, drive, make_matrix

pytestmark = pytest.mark.django_db







@pytest.fixture
def m():
    return make_matrix()


SUSPENDABLE = ["submitted", "accepted@grid", "accepted@street", "in_progress@grid", "in_progress@community",
               "whistled", "claimed", "claimed@rework", "verifying@grid", "verifying@unit"]


@pytest.mark.parametrize("variant", SUSPENDABLE)
def test_resume_returns_to_exactly_where_it_was(m, variant):
    appeal = drive(m, variant)
    before = (appeal.status, appeal.level, appeal.lead_unit_id, appeal.handler_id, appeal.rework_count)
    staff = m.users["street_staff"]
    appeal = services.appeal_transition(appeal=appeal, action=Action.SUSPEND, actor=staff, note="当事人住院，暂缓处理")
    assert (appeal.status, appeal.suspended_from) == (Status.SUSPENDED, before[0])
    appeal = services.appeal_transition(appeal=appeal, action=Action.RESUME, actor=m.users["community_staff"])
    appeal.refresh_from_db()
    assert (appeal.status, appeal.level, appeal.lead_unit_id, appeal.handler_id, appeal.rework_count) == before
    assert (appeal.suspended_from, appeal.suspended_at, appeal.paused_resolve_workdays) == ("", None, None)
    events = list(AppealEvent.objects.filter(appeal=appeal).order_by("-id")[:2])
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("resume", "suspended", before[0]), ("suspend", before[0], "suspended")]
    assert events[1].note == "当事人住院，暂缓处理"


def test_the_states_tried_cover_every_suspendable_status():
    assert {VARIANTS[v].status for v in SUSPENDABLE} == {"submitted", "accepted", "in_progress", "whistled",
                                                           "claimed", "verifying"}


def test_suspend_needs_a_reason_and_changes_nothing_without_one(m):
    appeal = drive(m, "accepted@grid")
    with pytest.raises(ValidationFailed) as info:
        services.appeal_transition(appeal=appeal, action=Action.SUSPEND, actor=m.users["street_staff"], note="  ")
    assert info.value.code == "required"
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED and appeal.suspended_from == ""


def _submit(m, now):
    lng, lat = m.world.point_in(0)
    return services.appeal_submit(actor=m.users["reporter"], content="楼道灯坏了，晚上看不见台阶。", category="streetlight",
                                  lng=lng, lat=lat, channel=Channel.RESIDENT, now=now)




def test_suspension_pauses_the_resolve_clock(m):
    u = m.users
    appeal = _submit(m, at(2026, 3, 2, 9))
    appeal = act(appeal, Action.ACCEPT, u["grid_worker"], now=at(2026, 3, 2, 10))     # Monday
    assert appeal.resolve_due == end_of(2026, 3, 9)                                   # 3, 4, 5, 6, 9
    appeal = act(appeal, Action.SUSPEND, u["community_staff"], note="等待鉴定", now=at(2026, 3, 4, 15))
    assert appeal.paused_resolve_workdays == 3                                        # 5, 6, 9 are left
    # Long after the old deadline: nothing is overdue while suspended.
    assert services.sweep_overdue(now=at(2026, 3, 13, 12)) == 0
    appeal = act(appeal, Action.RESUME, u["community_staff"], now=at(2026, 3, 16, 9))  # Monday, two weeks on
    assert appeal.resolve_due == end_of(2026, 3, 19)                                  # 17, 18, 19
    assert appeal.status == Status.ACCEPTED and not appeal.is_overdue
    assert not Supervision.objects.filter(appeal=appeal).exists()


def test_a_resumed_clock_skips_national_day(m):
    u = m.users
    appeal = _submit(m, at(2026, 9, 14, 9))
    act(appeal, Action.ACCEPT, u["grid_worker"], now=at(2026, 9, 14, 10))  # due 15, 16, 17, 18, Sunday 20
    appeal = act(appeal, Action.SUSPEND, u["street_staff"], note="等待鉴定", now=at(2026, 9, 16, 11))
    assert appeal.paused_resolve_workdays == 3                               # 17, 18, 20
    appeal = act(appeal, Action.RESUME, u["street_staff"], now=at(2026, 9, 30, 17))
    assert appeal.resolve_due == end_of(2026, 10, 10)                        # 8, 9, Saturday 10


def test_resuming_a_whistled_appeal_moves_the_units_deadline_too(m):
    u = m.users
    appeal = _submit(m, at(2026, 3, 2, 9))
    act(appeal, Action.ACCEPT, u["street_staff"], now=at(2026, 3, 2, 10))
    act(appeal, Action.WHISTLE, u["street_staff"], lead_unit=m.world.units[0].pk, deadline_workdays=5,
        now=at(2026, 3, 2, 11))
    act(appeal, Action.CLAIM, u["unit_handler"], now=at(2026, 3, 3, 9))
    appeal = act(appeal, Action.SUSPEND, u["street_staff"], note="等待鉴定", now=at(2026, 3, 5, 9))  # 6, 9 left
    appeal = act(appeal, Action.RESUME, u["street_staff"], now=at(2026, 3, 20, 9))                    # a Friday
    assert appeal.status == Status.CLAIMED
    assert appeal.resolve_due == end_of(2026, 3, 24)                                                 # 23, 24
    assert Whistle.objects.get(appeal=appeal).deadline == end_of(2026, 3, 24)


def test_suspension_pauses_the_response_clock(m):
    u = m.users
    appeal = _submit(m, at(2026, 3, 2, 10))                                   # 24 clock hours to respond
    appeal = act(appeal, Action.SUSPEND, u["community_staff"], note="联系不上报告人", now=at(2026, 3, 2, 12))
    assert appeal.paused_response_seconds == 22 * 3600
    assert services.sweep_overdue(now=at(2026, 3, 4, 12)) == 0
    appeal = act(appeal, Action.RESUME, u["community_staff"], now=at(2026, 3, 5, 9))
    assert appeal.status == Status.SUBMITTED and appeal.responded_at is None
    assert appeal.response_due == at(2026, 3, 6, 7)
    assert services.sweep_overdue(now=at(2026, 3, 6, 6)) == 0
    assert services.sweep_overdue(now=at(2026, 3, 6, 8)) == 1
