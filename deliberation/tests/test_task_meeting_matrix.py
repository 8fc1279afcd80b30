"""Every (state, action, person) of a task (部门办事) and of a meeting (联席议事),
through the real services; the rules restated as plain dicts, independent of
`deliberation.workflow`."""

import pytest
from django.db import transaction

from core.errors import InvalidTransition, NotAllowed, NotFound
from deliberation import services
from deliberation.models import Meeting, Task
from deliberation.selectors import task_actions
from deliberation.workflow import MeetingStatus, TaskAction, TaskStatus
from testing.module_data import rolled_back

from .factories import build, meeting_for, raise_matter, to_in_action

STAFF = {"staff", "street"}
SCHEDULERS = ["staff", "street", "branch", "raiser", "outsider", "staff_other"]


def meeting_error(actor):
    return NotFound if actor in ("outsider", "staff_other") else NotAllowed


# ---------------------------------------------------------------- tasks, every state

TASK_FROM = {"progress": {"open"}, "complete": {"open"}, "reopen": {"done"}, "cancel": {"open"}}
TASK_WHO = {"progress": STAFF | {"unit"}, "complete": STAFF | {"unit"}, "reopen": STAFF, "cancel": STAFF}
TASK_TO = {"progress": "open", "complete": "done", "reopen": "open", "cancel": "cancelled"}
TASK_ACTORS = ["staff", "street", "staff_other", "unit", "unit_other", "raiser", "member"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        w = build()
        w.tasks = {}
        for state in TaskStatus.values:
            matter = raise_matter(w)
            task = to_in_action(w, matter)
            services.task_add(matter=matter, actor=w.users["staff"], title="第二项", owner_user=w.users["staff"].pk)
            if state == "done":
                services.task_transition(task, "complete", w.users["unit"], note="完成")
            elif state == "cancelled":
                services.task_transition(task, "cancel", w.users["staff"], note="不需要了")
            w.tasks[state] = Task.objects.get(pk=task.pk)
        yield w


def task_expected(state, action, actor):
    if actor in ("staff_other", "unit_other", "raiser", "member"):
        return False, NotFound  # tasks are seen by staff of the community and their owners
    if state not in TASK_FROM[action]:
        return False, InvalidTransition
    if actor not in TASK_WHO[action]:
        return False, NotAllowed
    return True, TASK_TO[action]


@pytest.mark.django_db
@pytest.mark.parametrize("state", TaskStatus.values)
@pytest.mark.parametrize("action", list(TASK_FROM))
@pytest.mark.parametrize("actor", TASK_ACTORS)
def test_task_transition(world, state, action, actor):
    task = world.tasks[state]
    ok, outcome = task_expected(state, action, actor)
    before = Task.objects.filter(pk=task.pk).values("status", "version", "progress").get()
    with transaction.atomic():
        if ok:
            result = services.task_transition(task.pk, action, world.users[actor], note="说明", progress=50)
            assert result.status == outcome == Task.objects.get(pk=task.pk).status
            assert Task.objects.get(pk=task.pk).version == before["version"] + 1
        else:
            with pytest.raises((InvalidTransition, NotAllowed, NotFound)) as info:
                services.task_transition(task.pk, action, world.users[actor], note="说明", progress=50)
            assert type(info.value) is outcome, f"{type(info.value).__name__}: {info.value.message}"
            assert Task.objects.filter(pk=task.pk).values("status", "version", "progress").get() == before
        transaction.set_rollback(True)
    if task_expected(state, action, actor)[1] is not NotFound:
        want = {a for a in TASK_FROM if task_expected(state, a, actor)[0]}
        assert {a.value for a in task_actions(Task.objects.select_related("matter").get(pk=task.pk),
                                              world.users[actor])} == want


def test_task_rules_cover_every_action():
    assert set(TASK_FROM) == set(TASK_WHO) == set(TASK_TO) == set(TaskAction.values)


# ---------------------------------------------------------------- meetings, every state

MEETING_FROM = {"hold": {"planned"}, "cancel": {"planned"}}
MEETING_TO = {"hold": "held", "cancel": "cancelled"}


@pytest.mark.django_db
@pytest.mark.parametrize("state", MeetingStatus.values)
@pytest.mark.parametrize("action", list(MEETING_FROM))
@pytest.mark.parametrize("actor", SCHEDULERS)
def test_meeting_transition(world, state, action, actor):
    with transaction.atomic():
        meeting = meeting_for(world)
        Meeting.objects.filter(pk=meeting.pk).update(status=state)
        if actor in STAFF and state in MEETING_FROM[action]:
            result = services.meeting_transition(meeting=meeting, action=action, actor=world.users[actor], note="改期")
            assert result.status == MEETING_TO[action] == Meeting.objects.get(pk=meeting.pk).status
        else:
            error = InvalidTransition if actor in STAFF else meeting_error(actor)
            with pytest.raises(error):
                services.meeting_transition(meeting=meeting, action=action, actor=world.users[actor], note="改期")
            assert Meeting.objects.get(pk=meeting.pk).status == state
        transaction.set_rollback(True)
