"""议事协商 as tables: the matter's six-step loop, its tasks and its meetings.

Pages, the API, the appeal hook, the sweep and tests all go through
`services.matter_transition` / `task_transition` / `meeting_transition`, which
read these tables and nothing else to decide what may happen. Roles are the
actor's relation to one record (see `selectors.matter_roles`), not account roles.

Small matters (小事, 包联 party member):

    raised ─sort_small→ assigned ─finish→ done ─rate→ closed (不满意 → assigned)
                          └reassign→ assigned          └auto_close→ closed (system, after SMALL_CONFIRM_DAYS)

Big matters, the six steps (大事):

    1 居民提事  raised ─sort_big→ reviewing
    2 支部理事  reviewing ─accept→ accepted;  raised|reviewing ─merge→ merged / ─decline→ declined
    3 联席议事  accepted ─schedule→ scheduled ─decide→ decided (or back to accepted when the vote fails)
                scheduled ─unschedule→ accepted (taken off the agenda, or the meeting was cancelled)
    4 部门办事  decided ─start→ in_action (the first task is added)
    5 党员监事  in_action ─tasks_done→ checking (system: every task done);  checking ─task_reopened→ in_action
    6 居民评事  checking ─open_rating→ rating (needs a party member's check this round)
                rating ─close_rating→ closed, or in_action when the residents are not satisfied (round + 1)
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RAISED = "raised", _("Raised")
    ASSIGNED = "assigned", _("With the contact party member")
    DONE = "done", _("Done, waiting for rating")
    REVIEWING = "reviewing", _("Branch reviewing")
    ACCEPTED = "accepted", _("Accepted, waiting for a meeting")
    SCHEDULED = "scheduled", _("On a meeting agenda")
    DECIDED = "decided", _("Decided")
    IN_ACTION = "in_action", _("Being carried out")
    CHECKING = "checking", _("Party members checking")
    RATING = "rating", _("Residents rating")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")
    DECLINED = "declined", _("Declined")


STATUS_COLOURS = {
    Status.RAISED: "blue", Status.ASSIGNED: "orange", Status.DONE: "purple", Status.REVIEWING: "cyan",
    Status.ACCEPTED: "cyan", Status.SCHEDULED: "purple", Status.DECIDED: "purple", Status.IN_ACTION: "orange",
    Status.CHECKING: "orange", Status.RATING: "purple", Status.CLOSED: "green", Status.MERGED: "grey",
    Status.DECLINED: "grey",
}

TERMINAL_STATES = frozenset({Status.CLOSED, Status.MERGED, Status.DECLINED})
OPEN_STATES = frozenset(set(Status) - TERMINAL_STATES)
# A matter can be co-signed until the meeting has decided on it (or its 包联 member is on it).
COSIGN_STATES = frozenset({Status.RAISED, Status.REVIEWING, Status.ACCEPTED, Status.SCHEDULED, Status.ASSIGNED})
# Tasks may be added and worked on while the matter is being carried out.
TASK_STATES = frozenset({Status.DECIDED, Status.IN_ACTION, Status.CHECKING})
# Party members record progress checks (党员监事) while tasks run and after.
CHECK_STATES = frozenset({Status.IN_ACTION, Status.CHECKING})


class Size(models.TextChoices):
    SMALL = "small", _("Small matter (小事)")
    BIG = "big", _("Big matter (大事)")


class Source(models.TextChoices):
    RESIDENT = "resident", _("Raised by a resident")
    APPEAL = "appeal", _("From an appeal")
    STAFF = "staff", _("Raised by staff")


class Action(models.TextChoices):
    SORT_SMALL = "sort_small", _("Sort as a small matter")
    SORT_BIG = "sort_big", _("Sort as a big matter")
    REASSIGN = "reassign", _("Change the contact party member")
    FINISH = "finish", _("Report done")
    RATE = "rate", _("Rate")
    AUTO_CLOSE = "auto_close", _("Closed automatically")
    ACCEPT = "accept", _("Accept (支部理事)")
    MERGE = "merge", _("Merge into another matter")
    DECLINE = "decline", _("Decline")
    SCHEDULE = "schedule", _("Put on a meeting agenda")
    UNSCHEDULE = "unschedule", _("Take off the agenda")
    DECIDE = "decide", _("Record the meeting decision")
    START = "start", _("Start the tasks")
    TASKS_DONE = "tasks_done", _("All tasks done")
    TASK_REOPENED = "task_reopened", _("A task was reopened")
    OPEN_RATING = "open_rating", _("Open for residents' rating")
    CLOSE_RATING = "close_rating", _("Close the rating")


class MatterRole(models.TextChoices):
    """The actor's relation to one matter."""

    RAISER = "raiser", _("Raiser")
    STAFF = "staff", _("Community staff")
    BRANCH = "branch", _("Party branch")
    CONTACT = "contact", _("Contact party member")
    MEMBER = "member", _("Party member")
    RESIDENT = "resident", _("Resident")
    SYSTEM = "system", _("System")


# Sentinel targets resolved against the matter.
BY_VOTE = "<by_vote>"          # decided when the motion passed, else back to accepted
BY_RATING = "<by_rating>"      # closed, or back to the contact member / tasks when not satisfied

SYSTEM_ACTIONS = frozenset({Action.AUTO_CLOSE, Action.TASKS_DONE, Action.TASK_REOPENED})
# Actions taken through another service (a meeting's agenda or decision, a task added), never as a bare button.
INDIRECT_ACTIONS = frozenset({Action.SCHEDULE, Action.DECIDE, Action.START})

# ---------------------------------------------------------------- the numbers

SMALL_CONFIRM_DAYS = 7          # a small matter done and not rated for a week closes as satisfied
RATING_DAYS = 7                 # the residents' rating of a big matter stays open a week (the sweep closes it)
RATING_PASS_RATE = 0.6          # (satisfied + basically satisfied) / ratings below this reopens the matter
TASK_DEFAULT_WORKDAYS = 10      # a task's deadline when staff give none
MAX_TASK_DAYS = 365             # …and the furthest a deadline may be
MAX_ROUNDS = 5                  # a matter reopened this often is closed by staff instead of reopening again


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset
    target: str
    roles: frozenset
    note_required: bool = False


_RA, _ST, _BR, _CO, _SYS = (MatterRole.RAISER, MatterRole.STAFF, MatterRole.BRANCH, MatterRole.CONTACT,
                            MatterRole.SYSTEM)

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    Transition(Action.SORT_SMALL, frozenset({Status.RAISED}), Status.ASSIGNED, frozenset({_ST})),
    Transition(Action.SORT_BIG, frozenset({Status.RAISED}), Status.REVIEWING, frozenset({_ST})),
    Transition(Action.REASSIGN, frozenset({Status.ASSIGNED}), Status.ASSIGNED, frozenset({_ST})),
    Transition(Action.FINISH, frozenset({Status.ASSIGNED}), Status.DONE, frozenset({_CO, _ST}), note_required=True),
    Transition(Action.RATE, frozenset({Status.DONE}), BY_RATING, frozenset({_RA})),
    Transition(Action.AUTO_CLOSE, frozenset({Status.DONE}), Status.CLOSED, frozenset({_SYS})),
    Transition(Action.ACCEPT, frozenset({Status.REVIEWING}), Status.ACCEPTED, frozenset({_ST, _BR})),
    Transition(Action.MERGE, frozenset({Status.RAISED, Status.REVIEWING}), Status.MERGED, frozenset({_ST, _BR})),
    Transition(Action.DECLINE, frozenset({Status.RAISED, Status.REVIEWING}), Status.DECLINED, frozenset({_ST, _BR}),
               note_required=True),
    Transition(Action.SCHEDULE, frozenset({Status.ACCEPTED}), Status.SCHEDULED, frozenset({_ST})),
    Transition(Action.UNSCHEDULE, frozenset({Status.SCHEDULED}), Status.ACCEPTED, frozenset({_ST, _SYS}),
               note_required=True),
    Transition(Action.DECIDE, frozenset({Status.SCHEDULED}), BY_VOTE, frozenset({_ST})),
    Transition(Action.START, frozenset({Status.DECIDED}), Status.IN_ACTION, frozenset({_ST})),
    Transition(Action.TASKS_DONE, frozenset({Status.IN_ACTION}), Status.CHECKING, frozenset({_SYS})),
    Transition(Action.TASK_REOPENED, frozenset({Status.CHECKING, Status.RATING}), Status.IN_ACTION, frozenset({_SYS})),
    Transition(Action.OPEN_RATING, frozenset({Status.CHECKING}), Status.RATING, frozenset({_ST})),
    Transition(Action.CLOSE_RATING, frozenset({Status.RATING}), BY_RATING, frozenset({_ST, _SYS})),
]}


def resolve_target(transition: Transition, matter, *, passed: bool | None = None, satisfied: bool | None = None) -> str:
    if transition.target == BY_VOTE:
        return Status.DECIDED if passed else Status.ACCEPTED
    if transition.target == BY_RATING:
        if satisfied or matter.round >= MAX_ROUNDS and transition.action == Action.CLOSE_RATING:
            return Status.CLOSED
        return Status.ASSIGNED if matter.size == Size.SMALL else Status.IN_ACTION
    return transition.target


def possible_targets(transition: Transition) -> set[str]:
    if transition.target == BY_VOTE:
        return {Status.DECIDED, Status.ACCEPTED}
    if transition.target == BY_RATING:
        return {Status.CLOSED, Status.ASSIGNED, Status.IN_ACTION}
    return {transition.target}


# ---------------------------------------------------------------- the six steps residents see

STEPS = [
    (1, _("Residents raise (居民提事)")),
    (2, _("Branch reviews (支部理事)")),
    (3, _("Joint deliberation (联席议事)")),
    (4, _("Departments act (部门办事)")),
    (5, _("Party members supervise (党员监事)")),
    (6, _("Residents rate (居民评事)")),
]
STEP_OF = {
    Status.RAISED: 1, Status.REVIEWING: 2, Status.ACCEPTED: 3, Status.SCHEDULED: 3, Status.DECIDED: 4,
    Status.IN_ACTION: 4, Status.CHECKING: 5, Status.RATING: 6, Status.CLOSED: 6, Status.MERGED: 2,
    Status.DECLINED: 2,
}
SMALL_STEPS = [
    (1, _("Raised")),
    (2, _("Contact party member (包联)")),
    (3, _("Done")),
    (4, _("Rated")),
]
SMALL_STEP_OF = {Status.RAISED: 1, Status.ASSIGNED: 2, Status.DONE: 3, Status.CLOSED: 4, Status.MERGED: 1,
                 Status.DECLINED: 1}


# ---------------------------------------------------------------- ratings

class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASIC = "basic", _("Basically satisfied (基本满意)")
    DISSATISFIED = "dissatisfied", _("Dissatisfied (不满意)")


def is_satisfied(counts: dict) -> bool:
    """The round's result: satisfied unless the share of (basically) satisfied
    ratings is below RATING_PASS_RATE. No ratings at all: no objection, closed."""
    total = sum(counts.get(s, 0) for s in Satisfaction.values)
    if not total:
        return True
    good = counts.get(Satisfaction.SATISFIED, 0) + counts.get(Satisfaction.BASIC, 0)
    return good / total >= RATING_PASS_RATE


# ---------------------------------------------------------------- tasks (部门办事)

class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskAction(models.TextChoices):
    PROGRESS = "progress", _("Report progress")
    COMPLETE = "complete", _("Mark done")
    REOPEN = "reopen", _("Reopen")
    CANCEL = "cancel", _("Cancel the task")


class TaskRole(models.TextChoices):
    STAFF = "staff", _("Community staff")
    OWNER = "owner", _("Task owner")
    SYSTEM = "system", _("System (the linked appeal)")


@dataclass(frozen=True)
class TaskTransition:
    action: TaskAction
    sources: frozenset
    target: str
    roles: frozenset
    note_required: bool = False


TASK_TRANSITIONS: dict[TaskAction, TaskTransition] = {t.action: t for t in [
    TaskTransition(TaskAction.PROGRESS, frozenset({TaskStatus.OPEN}), TaskStatus.OPEN,
                   frozenset({TaskRole.STAFF, TaskRole.OWNER})),
    TaskTransition(TaskAction.COMPLETE, frozenset({TaskStatus.OPEN}), TaskStatus.DONE,
                   frozenset({TaskRole.STAFF, TaskRole.OWNER, TaskRole.SYSTEM}), note_required=True),
    TaskTransition(TaskAction.REOPEN, frozenset({TaskStatus.DONE}), TaskStatus.OPEN,
                   frozenset({TaskRole.STAFF, TaskRole.SYSTEM}), note_required=True),
    TaskTransition(TaskAction.CANCEL, frozenset({TaskStatus.OPEN}), TaskStatus.CANCELLED,
                   frozenset({TaskRole.STAFF}), note_required=True),
]}


# ---------------------------------------------------------------- meetings (联席议事)

class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingAction(models.TextChoices):
    HOLD = "hold", _("Mark as held")
    CANCEL = "cancel", _("Cancel the meeting")


MEETING_TRANSITIONS = {
    MeetingAction.HOLD: (frozenset({MeetingStatus.PLANNED}), MeetingStatus.HELD, False),
    MeetingAction.CANCEL: (frozenset({MeetingStatus.PLANNED}), MeetingStatus.CANCELLED, True),
}


class MeetingKind(models.TextChoices):
    RED_DAY = "red_day", _("Red deliberation day (红色议事日)")
    JOINT = "joint", _("Joint meeting (联席会议)")
    HEARING = "hearing", _("Hearing (听证会)")
    OTHER = "other", _("Other meeting")


class Party(models.TextChoices):
    """Who sits at a joint meeting (seed 003's 多方联席)."""

    BRANCH = "branch", _("Party branch (党支部)")
    COMMITTEE = "committee", _("Residents' committee (居委会)")
    PROPERTY = "property", _("Property company (物业)")
    OWNERS = "owners", _("Owners' committee (业委会)")
    POLICE = "police", _("Police (派出所)")
    UNIT = "unit", _("Unit (职能部门)")
    RESIDENT_REP = "resident_rep", _("Resident representative (居民代表)")
    OTHER = "other", _("Other")


def motion_passed(votes_for: int, votes_against: int, votes_abstain: int) -> bool:
    """A decision passes with more votes for than half of all votes cast (abstentions count as cast)."""
    total = votes_for + votes_against + votes_abstain
    return total > 0 and votes_for * 2 > total
