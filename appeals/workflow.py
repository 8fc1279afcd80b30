"""The appeal loop (群众出题 → 街道吹哨 → 部门答卷) as one table.

Web views, the API, imports and tests all go through `services.appeal_transition`,
which reads this table and nothing else to decide what may happen. Targets that
depend on the appeal (back to whoever holds it, back to the state before a
suspension, closed-or-reopened by the rating) are named sentinels resolved in
`resolve_target`.

    submitted ─accept→ accepted ─handle→ in_progress ─resolve→ verifying
        │  ├reject→ rejected          └─whistle→ whistled ─claim→ claimed ─answer→ verifying
        │  └merge→ merged (follows its parent)   └─return→ accepted (re-dispatch)
        verifying ─pass→ revisiting ─rate→ closed (不满意 → back to the holder, reopen+1)
        verifying ─fail→ back to the holder (rework+1);  revisiting ─close→ closed (unreachable)
        any open state ─suspend→ suspended ─resume→ where it was (clock paused)
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    WHISTLED = "whistled", _("Whistled")
    CLAIMED = "claimed", _("Claimed")
    VERIFYING = "verifying", _("Verifying")
    REVISITING = "revisiting", _("Revisiting")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged")
    SUSPENDED = "suspended", _("Suspended")


STATUS_COLOURS = {
    Status.SUBMITTED: "blue", Status.ACCEPTED: "cyan", Status.IN_PROGRESS: "orange",
    Status.WHISTLED: "red", Status.CLAIMED: "orange", Status.VERIFYING: "purple",
    Status.REVISITING: "purple", Status.CLOSED: "green", Status.REJECTED: "grey",
    Status.MERGED: "grey", Status.SUSPENDED: "grey",
}

TERMINAL_STATES = frozenset({Status.CLOSED, Status.REJECTED, Status.MERGED})
OPEN_STATES = frozenset(set(Status) - TERMINAL_STATES)
# States in which someone is working on the problem and the resolve clock runs.
HANDLING_STATES = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.WHISTLED, Status.CLAIMED})


class Action(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    MERGE = "merge", _("Merge as duplicate")
    HANDLE = "handle", _("Handle here")
    ESCALATE = "escalate", _("Escalate")
    RESOLVE = "resolve", _("Report resolved")
    WHISTLE = "whistle", _("Whistle to units")
    CLAIM = "claim", _("Claim")
    RETURN = "return", _("Return as misrouted")
    ANSWER = "answer", _("Answer")
    PASS = "pass", _("Verification passed")
    FAIL = "fail", _("Verification failed")
    RATE = "rate", _("Rate")
    CLOSE = "close", _("Close without rating")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")


class Level(models.TextChoices):
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    UNIT = "unit", _("Unit")


class Channel(models.TextChoices):
    RESIDENT = "resident", _("Resident (app)")
    HOTLINE = "hotline_12345", _("12345 hotline")
    WALK_IN = "walk_in", _("Walk-in")
    PATROL = "patrol", _("Grid patrol")
    BUILDING_HEAD = "building_head", _("Building head")
    OPEN311 = "open311", _("Open311 client")
    DELIBERATION = "deliberation", _("Deliberation task")
    VISIT = "visit", _("Home visit")
    MEDIATION = "mediation", _("Dispute mediation")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


# Sentinel targets resolved against the appeal.
TO_HOLDER = "<holder>"          # claimed if a unit holds it, else in_progress
TO_PREVIOUS = "<previous>"      # the state before suspension
BY_RATING = "<by_rating>"       # closed, or back to the holder when dissatisfied


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset
    target: str
    roles: frozenset
    note_required: bool = False
    # Levels at which a grid worker / community staff may still act (street staff always may).
    level_bound: bool = False


_REGION_STAFF = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF})
_SUPERVISORS = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF})

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    Transition(Action.ACCEPT, frozenset({Status.SUBMITTED}), Status.ACCEPTED, _REGION_STAFF, level_bound=True),
    Transition(Action.REJECT, frozenset({Status.SUBMITTED}), Status.REJECTED, _REGION_STAFF, note_required=True, level_bound=True),
    Transition(Action.MERGE, frozenset({Status.SUBMITTED, Status.ACCEPTED}), Status.MERGED, _REGION_STAFF, level_bound=True),
    Transition(Action.HANDLE, frozenset({Status.ACCEPTED}), Status.IN_PROGRESS, _REGION_STAFF, level_bound=True),
    Transition(Action.ESCALATE, frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), Status.ACCEPTED,
               frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF}), note_required=True, level_bound=True),
    Transition(Action.RESOLVE, frozenset({Status.IN_PROGRESS}), Status.VERIFYING, _REGION_STAFF, note_required=True, level_bound=True),
    Transition(Action.WHISTLE, frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), Status.WHISTLED, frozenset({Role.STREET_STAFF})),
    Transition(Action.CLAIM, frozenset({Status.WHISTLED}), Status.CLAIMED, frozenset({Role.UNIT_HANDLER})),
    Transition(Action.RETURN, frozenset({Status.WHISTLED, Status.CLAIMED}), Status.ACCEPTED, frozenset({Role.UNIT_HANDLER}),
               note_required=True),
    Transition(Action.ANSWER, frozenset({Status.CLAIMED}), Status.VERIFYING, frozenset({Role.UNIT_HANDLER}), note_required=True),
    Transition(Action.PASS, frozenset({Status.VERIFYING}), Status.REVISITING, _REGION_STAFF),
    Transition(Action.FAIL, frozenset({Status.VERIFYING}), TO_HOLDER, _REGION_STAFF, note_required=True),
    Transition(Action.RATE, frozenset({Status.REVISITING}), BY_RATING,
               frozenset({Role.RESIDENT, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF})),
    Transition(Action.CLOSE, frozenset({Status.REVISITING}), Status.CLOSED, _SUPERVISORS, note_required=True),
    Transition(Action.SUSPEND, frozenset(OPEN_STATES - {Status.SUSPENDED, Status.REVISITING}), Status.SUSPENDED, _SUPERVISORS,
               note_required=True),
    Transition(Action.RESUME, frozenset({Status.SUSPENDED}), TO_PREVIOUS, _SUPERVISORS),
]}

# Who may act at which handling level, for level-bound actions.
LEVELS_FOR_ROLE = {
    Role.GRID_WORKER: {Level.GRID},
    Role.COMMUNITY_STAFF: {Level.GRID, Level.COMMUNITY},
    Role.STREET_STAFF: {Level.GRID, Level.COMMUNITY, Level.STREET, Level.UNIT},
}

NEXT_LEVEL = {Level.GRID: Level.COMMUNITY, Level.COMMUNITY: Level.STREET}


def resolve_target(transition: Transition, appeal, *, satisfaction: str | None = None) -> str:
    target = transition.target
    if target == TO_HOLDER:
        return Status.CLAIMED if appeal.lead_unit_id else Status.IN_PROGRESS
    if target == TO_PREVIOUS:
        return appeal.suspended_from or Status.ACCEPTED
    if target == BY_RATING:
        if satisfaction == Satisfaction.DISSATISFIED:
            return Status.CLAIMED if appeal.lead_unit_id else Status.IN_PROGRESS
        return Status.CLOSED
    return target


def possible_targets(transition: Transition) -> set[str]:
    """Every status a transition can lead to (for documentation and tests)."""
    if transition.target == TO_HOLDER:
        return {Status.CLAIMED, Status.IN_PROGRESS}
    if transition.target == TO_PREVIOUS:
        return set(OPEN_STATES - {Status.SUSPENDED})
    if transition.target == BY_RATING:
        return {Status.CLOSED, Status.CLAIMED, Status.IN_PROGRESS}
    return {transition.target}
