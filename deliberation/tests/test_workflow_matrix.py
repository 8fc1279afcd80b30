"""Every (state, action, person) of the matter's loop, of a task and of a
meeting, through the real services.

The expectation comes from the brief's rules restated below as plain dicts,
independent of `deliberation.workflow` and `selectors.permitted_role`: if
either drifts, a case fails. Each state is reached from a fresh matter by real
service calls, once per module inside a transaction rolled back at the end;
each case runs in its own savepoint.
"""

import pytest
from django.db import transaction

from core.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from deliberation import services
from deliberation.models import Matter, MatterEvent, Meeting, Task
from deliberation.selectors import available_actions, task_actions
from deliberation.workflow import Action, MeetingStatus, Status, TaskAction, TaskStatus
from testing.module_data import rolled_back

from .factories import build, drive, meeting_for, raise_matter, to_in_action

# ---------------------------------------------------------------- the rules, restated

FROM = {
    "sort_small": {"raised"}, "sort_big": {"raised"}, "reassign": {"assigned"}, "finish": {"assigned"},
    "rate": {"done"}, "accept": {"reviewing"}, "merge": {"raised", "reviewing"}, "decline": {"raised", "reviewing"},
    "unschedule": {"scheduled"}, "open_rating": {"checking"}, "close_rating": {"rating"},
}
STAFF = {"staff", "street"}
WHO = {
    "sort_small": STAFF, "sort_big": STAFF, "reassign": STAFF, "finish": STAFF | {"contact"}, "rate": {"raiser"},
    "accept": STAFF | {"branch"}, "merge": STAFF | {"branch"}, "decline": STAFF | {"branch"},
    "unschedule": STAFF, "open_rating": STAFF, "close_rating": STAFF,
}
TO = {
    "sort_small": "assigned", "sort_big": "reviewing", "reassign": "assigned", "finish": "done", "rate": "closed",
    "accept": "accepted", "merge": "merged", "decline": "declined", "unschedule": "accepted",
    "open_rating": "rating", "close_rating": "closed",
}
ACTORS = ["raiser", "neighbour", "outsider", "staff", "staff_other", "street", "branch", "contact", "member", "unit",
          "unit_other"]
# variant name → the matter's status
VARIANTS = {
    "raised": "raised", "assigned": "assigned", "done": "done", "closed_small": "closed", "reviewing": "reviewing",
    "accepted": "accepted", "scheduled": "scheduled", "decided": "decided", "in_action": "in_action",
    "checking": "checking", "rating": "rating", "closed": "closed", "merged": "merged", "declined": "declined",
}
WITH_UNIT_TASK = {"in_action", "checking", "rating", "closed"}


def can_see(actor: str, variant: str) -> bool:
    if actor in ("outsider", "staff_other", "unit_other"):
        return False
    if actor == "unit":
        return variant in WITH_UNIT_TASK
    return True  # the raiser, neighbours, staff, the branch and the community's party members


def expected(variant: str, action: str, actor: str):
    status = VARIANTS[variant]
    if not can_see(actor, variant):
        return False, NotFound
    if status not in FROM[action]:
        return False, InvalidTransition
    if actor not in WHO[action]:
        return False, NotAllowed
    return True, TO[action]


# ---------------------------------------------------------------- the data

@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        w = build()
        w.matters = {name: drive(w, name) for name in VARIANTS}
        w.merge_target = raise_matter(w, user="neighbour", title="车位规划")
        services.matter_transition(w.merge_target, "sort_big", w.users["staff"])
        yield w


def snapshot(pk) -> dict:
    row = Matter.objects.filter(pk=pk).values("status", "version", "contact_member", "round", "size").get()
    row["events"] = MatterEvent.objects.filter(matter_id=pk).count()
    return row


def attempt_kwargs(w, action) -> dict:
    kw = {"note": "情况说明"}
    if action == "reassign":
        kw["member"] = w.members["member"].pk
    elif action == "merge":
        kw["merge_into"] = w.merge_target.pk
    elif action == "rate":
        kw["satisfaction"] = "satisfied"
    return kw


CASES = [(v, a) for v in VARIANTS for a in FROM]


@pytest.mark.django_db
@pytest.mark.parametrize("variant,action", CASES)
def test_matter_transition(matrix, variant, action):
    """Every person in turn, each in a savepoint rolled back after."""
    matter = matrix.matters[variant]
    before = snapshot(matter.pk)
    for actor in ACTORS:
        user = matrix.users[actor]
        ok, outcome = expected(variant, action, actor)
        with transaction.atomic():
            if ok:
                result = services.matter_transition(matter.pk, action, user, **attempt_kwargs(matrix, action))
                after = Matter.objects.get(pk=matter.pk)
                assert (result.status, after.status) == (outcome, outcome), actor
                assert after.version == before["version"] + 1
                event = MatterEvent.objects.filter(matter_id=matter.pk).order_by("-id").first()
                assert (event.action, event.from_status, event.to_status, event.actor_id) == (
                    action, VARIANTS[variant], outcome, user.pk)
            else:
                with pytest.raises((InvalidTransition, NotAllowed, NotFound)) as info:
                    services.matter_transition(matter.pk, action, user, **attempt_kwargs(matrix, action))
                assert type(info.value) is outcome, \
                    f"{actor}: expected {outcome.__name__}, got {type(info.value).__name__}: {info.value.message}"
                assert info.value.message
                assert snapshot(matter.pk) == before
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_available_actions_match_the_rules(matrix, variant):
    matter = Matter.objects.get(pk=matrix.matters[variant].pk)
    for actor in ACTORS:
        want = {a for a in FROM if expected(variant, a, actor)[0]}
        got = {a.value for a in available_actions(matter, matrix.users[actor])}
        assert got == want, f"{variant} / {actor}"


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["auto_close", "tasks_done", "task_reopened"])
def test_system_steps_are_refused_to_people(matrix, action):
    with pytest.raises(NotAllowed):
        services.matter_transition(matrix.matters["done"].pk, action, matrix.users["staff"])


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["schedule", "decide", "start"])
def test_meeting_and_task_steps_are_not_bare_buttons(matrix, action):
    with pytest.raises(ValidationFailed):
        services.matter_transition(matrix.matters["accepted"].pk, action, matrix.users["staff"])


def test_the_matrix_covers_every_status_and_action():
    assert set(VARIANTS.values()) == set(Status.values)
    indirect_or_system = {"schedule", "decide", "start", "auto_close", "tasks_done", "task_reopened"}
    assert set(FROM) == set(WHO) == set(TO) == {a.value for a in Action} - indirect_or_system
    for actor in ACTORS:
        outcomes = {expected(v, a, actor)[0] for v in VARIANTS for a in FROM}
        if actor in ("outsider", "staff_other", "unit", "unit_other", "neighbour", "member"):
            assert outcomes == {False}, actor
        else:
            assert outcomes == {True, False}, actor


# ---------------------------------------------------------------- the indirect steps, every state

SCHEDULERS = ["staff", "street", "branch", "raiser", "outsider", "staff_other"]


def meeting_error(actor):
    """A planned meeting of community 0: staff run it; its residents see it; others do not."""
    return NotFound if actor in ("outsider", "staff_other") else NotAllowed


@pytest.mark.django_db
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("actor", SCHEDULERS)
def test_schedule_through_the_agenda(matrix, variant, actor):
    matter = matrix.matters[variant]
    before = snapshot(matter.pk)
    with transaction.atomic():
        meeting = meeting_for(matrix)
        if actor in STAFF and VARIANTS[variant] == "accepted":
            services.agenda_add(meeting=meeting, matter=matter, actor=matrix.users[actor])
            assert Matter.objects.get(pk=matter.pk).status == Status.SCHEDULED
        else:
            error = InvalidTransition if actor in STAFF else meeting_error(actor)
            with pytest.raises(error):
                services.agenda_add(meeting=meeting, matter=matter, actor=matrix.users[actor])
            assert snapshot(matter.pk) == before
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_start_by_adding_a_task(matrix, variant):
    """A task starts step 4 of a decided matter, sends a checked one back to work, and is refused elsewhere."""
    matter = matrix.matters[variant]
    status = VARIANTS[variant]
    with transaction.atomic():
        if status in ("decided", "in_action", "checking"):
            services.task_add(matter=matter, actor=matrix.users["staff"], title="补充任务", owner_unit=matrix.units[1].pk)
            assert Matter.objects.get(pk=matter.pk).status == Status.IN_ACTION
        else:
            with pytest.raises(InvalidTransition):
                services.task_add(matter=matter, actor=matrix.users["staff"], title="补充任务",
                                  owner_unit=matrix.units[1].pk)
        if status in ("decided", "in_action", "checking"):
            for actor in ("raiser", "branch", "member"):
                with pytest.raises(NotAllowed):
                    services.task_add(matter=matter, actor=matrix.users[actor], title="补充任务",
                                      owner_unit=matrix.units[1].pk)
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("actor", SCHEDULERS)
@pytest.mark.parametrize("passed", [True, False])
def test_decide_at_a_held_meeting(matrix, actor, passed):
    matter = matrix.matters["scheduled"]
    meeting = Meeting.objects.get(agenda__matter=matter)
    with transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
        kw = dict(meeting=meeting, matter=matter, actor=matrix.users[actor], text="同意", votes_for=5 if passed else 1,
                  votes_against=2, votes_abstain=0)
        if actor in STAFF:
            services.decision_record(**kw)
            assert Matter.objects.get(pk=matter.pk).status == (Status.DECIDED if passed else Status.ACCEPTED)
        else:
            with pytest.raises(meeting_error(actor)):
                services.decision_record(**kw)
        transaction.set_rollback(True)


