"""The loops end to end through the services: big matters through six steps
with a task whistled to a unit, small matters with their 包联 party member,
ratings that close or reopen, the sweep, and the audit trail."""

import datetime as dt

import pytest
from django.utils import timezone

from appeals import services as appeal_services
from appeals.models import Appeal
from appeals.workflow import Channel
from appeals.workflow import Status as AppealStatus
from core.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog, Notification
from deliberation import services
from deliberation.models import Check, CoSign, Matter, MatterEvent, MatterRating, Task
from deliberation.workflow import RATING_DAYS, SMALL_CONFIRM_DAYS, Status, TaskStatus
from party.models import PartyMember
from testing.factories import PersonFactory, user_with_role

from .factories import build, committed, png, raise_matter, to_checking, to_decided, to_in_action, to_rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def refresh(obj):
    obj.refresh_from_db()
    return obj


def test_a_big_matter_passes_the_six_steps_with_a_whistled_task(w):
    u = w.users
    matter = committed(raise_matter, w)
    assert matter.number.startswith("YS") and matter.step == 1 and matter.grid == w.world.grids[0]
    assert Notification.objects.filter(recipient=u["staff"], verb="matter_new").exists()
    services.matter_cosign(matter=matter, actor=u["neighbour"])
    services.matter_transition(matter, "sort_big", u["staff"])
    assert refresh(matter).step == 2
    services.matter_transition(matter, "accept", u["branch"], note="支部同意上会")
    meeting = services.meeting_plan(actor=u["staff"], community=w.community.code,
                                    starts_at=timezone.now() + dt.timedelta(days=1), venue="议事厅")
    services.agenda_add(meeting=meeting, matter=matter, actor=u["staff"])
    assert refresh(matter).status == Status.SCHEDULED and matter.step == 3
    services.meeting_invite(meeting=meeting, actor=u["staff"], party="property", name="物业公司")
    services.meeting_invite(meeting=meeting, actor=u["staff"], party="unit", unit=w.units[0].pk)
    services.meeting_transition(meeting=meeting, action="hold", actor=u["staff"])
    decision = services.decision_record(meeting=meeting, matter=matter, actor=u["staff"], text="施划夜间停车位",
                                        votes_for=9, votes_against=2, votes_abstain=1)
    assert decision.passed and refresh(matter).status == Status.DECIDED and matter.decision_text == "施划夜间停车位"
    task = services.task_add(matter=matter, actor=u["staff"], title="施划停车线", owner_unit=w.units[0].pk)
    assert refresh(matter).status == Status.IN_ACTION and matter.step == 4
    assert task.decision == decision

    task = services.task_whistle(task=task, actor=u["street"], note="请三日内施划")
    appeal = task.appeal
    assert appeal.channel == Channel.DELIBERATION and appeal.status == AppealStatus.WHISTLED
    assert appeal.lead_unit == w.units[0]
    appeal_services.appeal_transition(appeal=appeal, action="claim", actor=u["unit"])
    appeal_services.appeal_transition(appeal=appeal, action="answer", actor=u["unit"], note="已施划32个车位")
    task = refresh(task)
    assert (task.status, task.progress) == (TaskStatus.DONE, 100)
    assert refresh(matter).status == Status.CHECKING and matter.step == 5

    with pytest.raises(InvalidTransition):  # no party member's check yet
        services.matter_transition(matter, "open_rating", u["staff"])
    services.check_record(matter=matter, actor=u["member"], note="现场查看，车位已划好", photos=[png()])
    assert Check.objects.get(matter=matter).photos.count() == 1
    services.matter_transition(matter, "open_rating", u["staff"])
    assert refresh(matter).status == Status.RATING and matter.step == 6
    services.matter_rate(matter=matter, actor=u["raiser"], satisfaction="satisfied")
    services.matter_rate(matter=matter, actor=u["neighbour"], satisfaction="basic")
    services.matter_transition(matter, "close_rating", u["staff"])
    matter = refresh(matter)
    assert (matter.status, matter.satisfaction_rate, matter.step) == (Status.CLOSED, 100.0, 6)
    assert matter.closed_at is not None

    actions = list(MatterEvent.objects.filter(matter=matter).values_list("action", flat=True))
    for a in ("raise", "cosign", "sort_big", "accept", "schedule", "decide", "task_add", "start", "task_whistle",
              "task_complete", "tasks_done", "check", "open_rating", "rating", "close_rating"):
        assert a in actions, a
    assert AuditLog.objects.filter(object_type="deliberation.matter", object_id=str(matter.pk)).count() >= 10
    assert AuditLog.objects.filter(object_type="deliberation.task", object_id=str(task.pk)).exists()


def test_community_staff_send_a_task_to_the_street_to_whistle(w):
    u = w.users
    matter = raise_matter(w)
    task = to_in_action(w, matter)
    task = services.task_whistle(task=task, actor=u["staff"])
    appeal = refresh(task.appeal)
    assert appeal.status == AppealStatus.ACCEPTED and appeal.level == "street"
    appeal_services.appeal_transition(appeal=appeal, action="whistle", actor=u["street"], lead_unit=w.units[0].pk)
    appeal_services.appeal_transition(appeal=appeal, action="claim", actor=u["unit"])
    assert refresh(task).status == TaskStatus.OPEN
    with pytest.raises(InvalidTransition):  # the unit answers the appeal, not the task
        services.task_transition(task, "complete", u["unit"], note="好了")
    appeal_services.appeal_transition(appeal=appeal, action="answer", actor=u["unit"], note="已完成")
    assert refresh(task).status == TaskStatus.DONE
    with pytest.raises(InvalidTransition):
        services.task_whistle(task=task, actor=u["street"])


def test_a_failed_verification_reopens_the_task_and_the_matter(w):
    u = w.users
    matter = raise_matter(w)
    task = services.task_whistle(task=to_in_action(w, matter), actor=u["street"])
    appeal_services.appeal_transition(appeal=task.appeal, action="claim", actor=u["unit"])
    appeal_services.appeal_transition(appeal=task.appeal, action="answer", actor=u["unit"], note="已完成")
    assert refresh(matter).status == Status.CHECKING
    appeal_services.appeal_transition(appeal=task.appeal, action="fail", actor=u["grid_worker"] if "grid_worker" in u
                                      else w.world.users["grid_worker"], note="现场看没划完")
    assert refresh(task).status == TaskStatus.OPEN
    assert refresh(matter).status == Status.IN_ACTION
    assert MatterEvent.objects.filter(matter=matter, action="task_reopened").exists()


def test_the_hook_ignores_appeals_it_does_not_know(w):
    appeal = appeal_services.appeal_submit(actor=w.users["raiser"], content="路灯不亮了好几天", category=w.world.category,
                                           grid_code=w.world.grids[0].code)
    appeal_services.appeal_transition(appeal=appeal, action="accept", actor=w.world.users["grid_worker"])
    assert refresh(appeal).status == AppealStatus.ACCEPTED


def test_a_poor_rating_reopens_the_matter_for_another_round(w):
    u = w.users
    matter = raise_matter(w)
    task = to_rating(w, matter)
    services.matter_rate(matter=matter, actor=u["raiser"], satisfaction="dissatisfied", comment="车位还是不够")
    services.matter_rate(matter=matter, actor=u["neighbour"], satisfaction="satisfied")
    services.matter_transition(matter, "close_rating", u["staff"])
    matter = refresh(matter)
    assert (matter.status, matter.round, matter.satisfaction_rate) == (Status.IN_ACTION, 2, 50.0)
    # New round: a task reopened and done again, a fresh check, a fresh rating.
    services.task_transition(task, "reopen", u["staff"], note="再增加车位")
    services.task_transition(task, "complete", u["unit"], note="又增加了10个")
    assert refresh(matter).status == Status.CHECKING
    with pytest.raises(InvalidTransition):  # last round's check does not count
        services.matter_transition(matter, "open_rating", u["staff"])
    services.check_record(matter=matter, actor=u["contact"], note="已经看过新车位")
    services.matter_transition(matter, "open_rating", u["staff"])
    services.matter_rate(matter=matter, actor=u["raiser"], satisfaction="satisfied")
    services.matter_transition(matter, "close_rating", u["staff"])
    assert refresh(matter).status == Status.CLOSED


def test_ratings_are_once_per_round_and_for_the_community(w):
    u = w.users
    matter = raise_matter(w)
    to_rating(w, matter)
    services.matter_rate(matter=matter, actor=u["neighbour"], satisfaction="basic")
    with pytest.raises(ValidationFailed):
        services.matter_rate(matter=matter, actor=u["neighbour"], satisfaction="satisfied")
    with pytest.raises(NotAllowed):  # staff see the matter but rate it only if they live there
        services.matter_rate(matter=matter, actor=u["staff"], satisfaction="satisfied")
    with pytest.raises(NotFound):
        services.matter_rate(matter=matter, actor=u["staff_other"], satisfaction="satisfied")
    with pytest.raises(ValidationFailed):
        services.matter_rate(matter=matter, actor=u["raiser"], satisfaction="great")
    assert MatterRating.objects.filter(matter=matter).count() == 1


def test_a_failed_vote_sends_the_matter_back_to_wait_for_a_meeting(w):
    matter = raise_matter(w)
    to_decided(w, matter, passed=False)
    matter = refresh(matter)
    assert matter.status == Status.ACCEPTED and matter.decision_text == ""


def test_cancelling_a_meeting_takes_its_matters_off_the_agenda(w):
    u = w.users
    matter = raise_matter(w)
    services.matter_transition(matter, "sort_big", u["staff"])
    services.matter_transition(matter, "accept", u["staff"])
    meeting = services.meeting_plan(actor=u["staff"], community=w.community.code,
                                    starts_at=timezone.now() + dt.timedelta(days=3), venue="议事厅")
    services.agenda_add(meeting=meeting, matter=matter, actor=u["staff"])
    with pytest.raises(ValidationFailed):
        services.meeting_transition(meeting=meeting, action="cancel", actor=u["staff"], note="")
    services.meeting_transition(meeting=meeting, action="cancel", actor=u["staff"], note="书记临时出差")
    assert refresh(matter).status == Status.ACCEPTED
    ev = MatterEvent.objects.filter(matter=matter, action="unschedule").get()
    assert ev.role == "system" and ev.note == "书记临时出差"


# ---------------------------------------------------------------- small matters and 包联

def test_small_matter_goes_to_the_member_serving_the_household(w):
    u = w.users
    matter = committed(raise_matter, w)
    committed(services.matter_transition, matter, "sort_small", u["staff"])
    matter = refresh(matter)
    assert (matter.contact_member, matter.contact_rule, matter.step) == (w.members["contact"], "served", 2)
    assert Notification.objects.filter(recipient=u["contact"], verb="matter_sort_small").exists()
    services.matter_transition(matter, "finish", u["contact"], note="已协调物业清理")
    services.matter_transition(matter, "rate", u["raiser"], satisfaction="dissatisfied", note="还没清干净")
    matter = refresh(matter)
    assert (matter.status, matter.round) == (Status.ASSIGNED, 2)
    services.matter_transition(matter, "finish", u["contact"], note="已再次清理")
    services.matter_transition(matter, "rate", u["raiser"], satisfaction="satisfied")
    matter = refresh(matter)
    assert matter.status == Status.CLOSED and matter.step == 4
    assert MatterRating.objects.filter(matter=matter).count() == 2


def test_the_contact_rule_falls_back_to_the_building_then_the_least_loaded_member(w):
    u = w.users
    w.members["contact"].served_households.clear()
    # No one serves the neighbour's household; member_b runs the anchor household of building 1.
    w.members["member"].anchor_household = w.households[3]
    w.members["member"].save()
    matter = raise_matter(w, user="neighbour")
    services.matter_transition(matter, "sort_small", u["staff"])
    assert (refresh(matter).contact_member, matter.contact_rule) == (w.members["member"], "building")
    # A raiser in building 2 with no anchor there: the member with the fewest open small matters (member_a: 0).
    other = raise_matter(w, user="branch")
    services.matter_transition(other, "sort_small", u["staff"])
    assert (refresh(other).contact_member, other.contact_rule) == (w.members["contact"], "load")
    # Staff may choose someone else instead.
    services.matter_transition(other, "reassign", u["staff"], member=w.members["member"].pk)
    assert (refresh(other).contact_member, other.contact_rule) == (w.members["member"], "staff")


def test_a_member_without_an_account_or_from_elsewhere_cannot_take_a_matter(w):
    matter = raise_matter(w)
    no_account = PartyMember.objects.create(person=PersonFactory(household=w.households[3]), org=w.org)
    with pytest.raises(ValidationFailed):
        services.matter_transition(matter, "sort_small", w.users["staff"], member=no_account.pk)
    with pytest.raises(ValidationFailed):
        services.matter_transition(matter, "sort_small", w.users["staff"], member=99999)
    assert refresh(matter).status == Status.RAISED


def test_co_signing_is_once_and_not_by_the_raiser(w):
    matter = raise_matter(w)
    services.matter_cosign(matter=matter, actor=w.users["neighbour"])
    with pytest.raises(ValidationFailed) as info:
        services.matter_cosign(matter=matter, actor=w.users["neighbour"])
    assert info.value.code == "already_cosigned"
    with pytest.raises(ValidationFailed):
        services.matter_cosign(matter=matter, actor=w.users["raiser"])
    assert (CoSign.objects.filter(matter=matter).count(), refresh(matter).cosign_count) == (1, 1)


def test_merging_moves_the_supporters_to_the_surviving_matter(w):
    u = w.users
    target = raise_matter(w, user="neighbour", title="停车难")
    services.matter_transition(target, "sort_big", u["staff"])
    dup = raise_matter(w)
    services.matter_cosign(matter=dup, actor=u["member"])
    services.matter_transition(dup, "merge", u["branch"], merge_into=target.number)
    assert refresh(dup).merged_into == target
    assert set(CoSign.objects.filter(matter=target).values_list("user__username", flat=True)) == {
        u["raiser"].username, u["member"].username}
    with pytest.raises(ValidationFailed):
        services.matter_transition(raise_matter(w), "merge", u["staff"], merge_into="NOPE")


# ---------------------------------------------------------------- the sweep

def test_the_sweep_closes_unrated_small_matters_and_finished_rating_rounds(w):
    u = w.users
    start = timezone.now() - dt.timedelta(days=30)
    small = raise_matter(w, now=start)
    services.matter_transition(small, "sort_small", u["staff"], now=start)
    services.matter_transition(small, "finish", u["contact"], note="已处理", now=start)
    big = raise_matter(w, now=start)
    to_rating(w, big, now=start)
    services.matter_rate(matter=big, actor=u["neighbour"], satisfaction="satisfied", now=start)
    early = start + dt.timedelta(days=SMALL_CONFIRM_DAYS - 1)
    assert services.sweep(now=early) == {"auto_closed": 0, "ratings_closed": 0}
    later = start + dt.timedelta(days=max(SMALL_CONFIRM_DAYS, RATING_DAYS) + 1)
    assert services.sweep(now=later) == {"auto_closed": 1, "ratings_closed": 1}
    assert refresh(small).status == refresh(big).status == Status.CLOSED
    assert MatterEvent.objects.get(matter=small, action="auto_close").role == "system"


# ---------------------------------------------------------------- from an appeal

def test_community_staff_raise_an_open_appeal_as_a_matter(w):
    from appeals.hooks import conversions_for, links_for

    appeal = appeal_services.appeal_submit(actor=w.users["raiser"], content="楼下广场舞噪音太大，晚上十点还在跳",
                                           category=w.world.category, grid_code=w.world.grids[0].code)
    buttons = conversions_for(appeal, w.users["staff"])
    assert [b["key"] for b in buttons if b["key"] == "deliberation"] == ["deliberation"]
    assert not [b for b in conversions_for(appeal, w.users["raiser"]) if b["key"] == "deliberation"]
    with pytest.raises(NotAllowed):
        services.matter_raise(actor=w.users["staff_other"], content=appeal.content, appeal=appeal)
    matter = services.matter_raise(actor=w.users["staff"], content=appeal.content, title="广场舞噪音", appeal=appeal)
    assert (matter.source, matter.source_appeal, matter.raiser) == ("appeal", appeal, w.users["raiser"])
    assert [link["key"] for link in links_for(appeal, w.users["staff"]) if link["key"].startswith("delib")] == [
        "deliberation_matter"]
    assert not [b for b in conversions_for(appeal, w.users["staff"]) if b["key"] == "deliberation"]
    with pytest.raises(InvalidTransition):
        services.matter_raise(actor=w.users["staff"], content=appeal.content, appeal=appeal)


def test_the_appeal_page_names_the_task_it_came_from(w):
    from appeals.hooks import links_for

    matter = raise_matter(w)
    task = services.task_whistle(task=to_in_action(w, matter), actor=w.users["street"])
    links = [link for link in links_for(task.appeal, w.users["unit"]) if link["key"] == "deliberation_task"]
    assert len(links) == 1 and matter.number in links[0]["text"] and links[0]["url"].endswith(f"/{matter.pk}/")
    assert Appeal.objects.filter(channel=Channel.DELIBERATION).count() == 1


def test_staff_raise_for_their_community_and_not_another(w):
    staff = w.users["staff"]
    matter = services.matter_raise(actor=staff, on_behalf=True, content="楼道堆放杂物影响消防通道", raiser_name="居民代表")
    assert (matter.community, matter.source, matter.raiser) == (w.community, "staff", None)
    with pytest.raises(NotAllowed):
        services.matter_raise(actor=staff, on_behalf=True, content="楼道堆放杂物影响消防通道",
                              community=w.world.communities[1].code)


def test_tasks_count_toward_progress(w):
    from deliberation.selectors import progress

    matter = raise_matter(w)
    t1 = to_in_action(w, matter)
    t2 = services.task_add(matter=matter, actor=w.users["staff"], title="安装车位指示牌", owner_unit=w.units[1].pk)
    services.task_transition(t1, "progress", w.users["unit"], progress=40)
    assert progress(matter) == 20
    services.task_transition(t2, "complete", w.users["unit_other"], note="已安装")
    assert progress(matter) == 70
    assert refresh(matter).status == Status.IN_ACTION
    services.task_transition(t1, "cancel", w.users["staff"], note="改由物业负责")
    assert refresh(matter).status == Status.CHECKING and progress(matter) == 100


def test_a_check_is_only_for_party_members_of_the_community(w):
    matter = raise_matter(w)
    to_checking(w, matter, check=False)
    outsider_member = user_with_role("party_member", username="far_member")
    with pytest.raises(NotAllowed):
        services.check_record(matter=matter, actor=w.users["neighbour"], note="看过了")
    assert not Check.objects.filter(matter=matter).exists()
    with pytest.raises(NotFound):
        services.check_record(matter=matter, actor=outsider_member, note="看过了")
    assert Task.objects.filter(matter=matter).count() == 1
    assert Matter.objects.get(pk=matter.pk).status == Status.CHECKING
