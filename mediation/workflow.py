"""矛盾纠纷调解 as one table.

Web views, the API, the demo and tests all go through
`services.dispute_transition`, which reads this table and nothing else to
decide what may happen. Roles are the actor's relation to one dispute (see
`selectors.dispute_roles`), not account roles.

    recorded ─accept→ accepted ─start→ mediating ─agree→ agreed ─sign→ following_up ─close→ closed
                          │                │                            │  (only after a follow-up says it holds)
                          │                │                            └reopen→ mediating (the agreement broke)
                          └───────refer────┴refer→ referred ─feedback→ feedback_received ─close→ closed
                                                                          └resume→ mediating
    recorded|accepted|mediating ─escalate→ (same state, level grid → community → street)
    recorded|accepted|mediating|referred|feedback_received ─withdraw→ withdrawn

小事不出社区、大事不出镇、矛盾不上交: a dispute is held at the lowest level that
can settle it; whoever holds it at its level (or above) is its HANDLER.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    ACCEPTED = "accepted", _("Mediator assigned")
    MEDIATING = "mediating", _("Mediating")
    AGREED = "agreed", _("Agreement reached")
    FOLLOWING_UP = "following_up", _("Following up")
    REFERRED = "referred", _("Referred")
    FEEDBACK_RECEIVED = "feedback_received", _("Partner feedback received")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


STATUS_COLOURS = {
    Status.RECORDED: "blue", Status.ACCEPTED: "cyan", Status.MEDIATING: "orange", Status.AGREED: "purple",
    Status.FOLLOWING_UP: "purple", Status.REFERRED: "red", Status.FEEDBACK_RECEIVED: "orange",
    Status.CLOSED: "green", Status.WITHDRAWN: "grey",
}

TERMINAL_STATES = frozenset({Status.CLOSED, Status.WITHDRAWN})
OPEN_STATES = frozenset(set(Status) - TERMINAL_STATES)
# A dispute counts as mediated once a mediator has sat the parties down.
MEDIATED_STATES = frozenset({Status.MEDIATING, Status.AGREED, Status.FOLLOWING_UP, Status.REFERRED,
                             Status.FEEDBACK_RECEIVED, Status.CLOSED})
# Sessions may be recorded while a mediator is on it.
SESSION_STATES = frozenset({Status.ACCEPTED, Status.MEDIATING})


class Action(models.TextChoices):
    ACCEPT = "accept", _("Assign a mediator")
    START = "start", _("Start mediation")
    AGREE = "agree", _("Agreement reached")
    SIGN = "sign", _("Signed copy uploaded")
    REOPEN = "reopen", _("Agreement broken: mediate again")
    CLOSE = "close", _("Close")
    REFER = "refer", _("Refer to a linkage partner")
    FEEDBACK = "feedback", _("Record partner feedback")
    RESUME = "resume", _("Back to mediation")
    ESCALATE = "escalate", _("Escalate")
    WITHDRAW = "withdraw", _("Withdraw")


class Level(models.TextChoices):
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")


LEVEL_ORDER = [Level.GRID, Level.COMMUNITY, Level.STREET]


def next_level(level: str) -> str | None:
    i = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[i + 1] if i + 1 < len(LEVEL_ORDER) else None


class DisputeType(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbours (邻里)")
    PROPERTY = "property", _("Property management (物业)")
    FAMILY = "family", _("Family and marriage (家庭婚姻)")
    LABOUR = "labour", _("Labour and wages (劳资)")
    HOUSING = "housing", _("Housing and land (房屋土地)")
    CONTRACT = "contract", _("Debts and contracts (债务合同)")
    DAMAGES = "damages", _("Injury and damages (损害赔偿)")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    GRID = "grid", _("Found by the grid worker")
    VISIT = "visit", _("Home visit")
    APPEAL = "appeal", _("From an appeal")
    POLICE = "police", _("Referred by the police")
    COURT = "court", _("Referred by the court")
    PETITION = "petition", _("Referred by the petition office")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("By phone")


class Risk(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


RISK_ORDER = {Risk.LOW: 0, Risk.MEDIUM: 1, Risk.HIGH: 2}


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", _("Other party")


class MediatorKind(models.TextChoices):
    """The 1+3+N team: one people's mediator, three grid hands, N helpers."""

    PEOPLES_MEDIATOR = "peoples_mediator", _("People's mediator")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("Volunteer mediator")
    ELDER = "elder", _("Relative or respected elder")
    LAWYER = "lawyer", _("Lawyer")
    POLICE = "police", _("Community police officer")
    OTHER = "other", _("Other")


class Partner(models.TextChoices):
    """诉调、警调、访调、志愿调 linkage partners."""

    COURT = "court", _("Court (诉调对接)")
    POLICE = "police", _("Police (警调对接)")
    PETITION = "petition", _("Petition office (访调对接)")
    VOLUNTEER = "volunteer", _("Volunteer mediation (志愿调)")
    LEGAL_AID = "legal_aid", _("Legal aid")
    ARBITRATION = "arbitration", _("Labour arbitration")


class ReferralResult(models.TextChoices):
    RESOLVED = "resolved", _("Resolved by the partner")
    RETURNED = "returned", _("Returned for mediation")
    OTHER = "other", _("Other outcome")


class DisputeRole(models.TextChoices):
    """The actor's relation to one dispute."""

    HANDLER = "handler", _("Holds it at its level")
    MEDIATOR = "mediator", _("Assigned mediator")
    RECORDER = "recorder", _("Recorded it")
    PARTNER = "partner", _("Linkage partner it is referred to")


# Follow-up visits: the first is due this many days after the signed agreement,
# and a follow-up visit that finds the agreement holding can close it.
FOLLOW_UP_DAYS = 15
# Incidents between the same parties within this window count as repeated.
REPEAT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset
    target: str
    roles: frozenset
    note_required: bool = False


SAME = "<same>"  # escalation keeps the state; only the level changes

_H, _M, _P = DisputeRole.HANDLER, DisputeRole.MEDIATOR, DisputeRole.PARTNER
_OPEN_WORK = frozenset({Status.RECORDED, Status.ACCEPTED, Status.MEDIATING})

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    Transition(Action.ACCEPT, frozenset({Status.RECORDED}), Status.ACCEPTED, frozenset({_H})),
    Transition(Action.START, frozenset({Status.ACCEPTED}), Status.MEDIATING, frozenset({_H, _M})),
    Transition(Action.AGREE, frozenset({Status.MEDIATING}), Status.AGREED, frozenset({_H, _M})),
    Transition(Action.SIGN, frozenset({Status.AGREED}), Status.FOLLOWING_UP, frozenset({_H, _M})),
    Transition(Action.REOPEN, frozenset({Status.FOLLOWING_UP}), Status.MEDIATING, frozenset({_H, _M}),
               note_required=True),
    Transition(Action.CLOSE, frozenset({Status.FOLLOWING_UP, Status.FEEDBACK_RECEIVED}), Status.CLOSED,
               frozenset({_H})),
    Transition(Action.REFER, frozenset({Status.ACCEPTED, Status.MEDIATING}), Status.REFERRED, frozenset({_H}),
               note_required=True),
    Transition(Action.FEEDBACK, frozenset({Status.REFERRED}), Status.FEEDBACK_RECEIVED, frozenset({_H, _P}),
               note_required=True),
    Transition(Action.RESUME, frozenset({Status.FEEDBACK_RECEIVED}), Status.MEDIATING, frozenset({_H}),
               note_required=True),
    Transition(Action.ESCALATE, _OPEN_WORK, SAME, frozenset({_H}), note_required=True),
    Transition(Action.WITHDRAW, _OPEN_WORK | {Status.REFERRED, Status.FEEDBACK_RECEIVED}, Status.WITHDRAWN,
               frozenset({_H}), note_required=True),
]}


def resolve_target(transition: Transition, status: str) -> str:
    return status if transition.target == SAME else transition.target
