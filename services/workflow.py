"""三单制 (点单 → 派单 → 接单) as one table.

Web views, the API, the sweep and tests all go through
`services.order_transition`, which reads this table and nothing else to decide
what may happen. Roles here are the actor's relation to one order (see
`selectors.order_roles`), not account roles.

    requested ─publish→ open ─withdraw→ requested
    requested|open ─dispatch→ dispatched ─accept→ accepted ─complete→ done ─confirm→ confirmed
                                  └decline→ requested          │            └reopen→ accepted
    open ─claim→ accepted                                      ├release→ requested
                                                               └no_show→ requested
    dispatched|accepted ─timeout→ requested (system);  done ─auto_confirm→ confirmed (system)
    requested|open|dispatched|accepted ─cancel→ cancelled (the requester only before it is accepted)
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SERVICE = "service", _("Service")
    WISH = "wish", _("Micro-wish")
    ERRAND = "errand", _("Errand")


class Status(models.TextChoices):
    REQUESTED = "requested", _("Waiting for dispatch")
    OPEN = "open", _("Waiting to be claimed")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    DONE = "done", _("Done")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


STATUS_COLOURS = {
    Status.REQUESTED: "blue", Status.OPEN: "cyan", Status.DISPATCHED: "purple", Status.ACCEPTED: "orange",
    Status.DONE: "purple", Status.CONFIRMED: "green", Status.CANCELLED: "grey",
}

TERMINAL_STATES = frozenset({Status.CONFIRMED, Status.CANCELLED})
OPEN_STATES = frozenset(set(Status) - TERMINAL_STATES)
# A provider holds the order in these states (their current load).
HELD_STATES = frozenset({Status.DISPATCHED, Status.ACCEPTED})
FINISHED_STATES = frozenset({Status.DONE, Status.CONFIRMED})


class Channel(models.TextChoices):
    SELF = "self", _("By the resident")
    PHONE = "phone", _("By phone")
    WALK_IN = "walk_in", _("Walk-in")
    APPEAL = "appeal", _("From an appeal")
    VISIT = "visit", _("On a home visit")


STAFF_CHANNELS = frozenset({Channel.PHONE, Channel.WALK_IN, Channel.VISIT})


class Action(models.TextChoices):
    PUBLISH = "publish", _("Publish on the board")
    WITHDRAW = "withdraw", _("Take off the board")
    DISPATCH = "dispatch", _("Dispatch")
    ACCEPT = "accept", _("Accept")
    DECLINE = "decline", _("Decline")
    CLAIM = "claim", _("Claim")
    RELEASE = "release", _("Give back")
    NO_SHOW = "no_show", _("Provider did not come")
    COMPLETE = "complete", _("Report done")
    REOPEN = "reopen", _("Not actually done")
    CONFIRM = "confirm", _("Confirm and rate")
    CANCEL = "cancel", _("Cancel")
    TIMEOUT = "timeout", _("Timed out")
    AUTO_CONFIRM = "auto_confirm", _("Confirmed automatically")


class OrderRole(models.TextChoices):
    """The actor's relation to one order."""

    REQUESTER = "requester", _("Requester")
    STAFF = "staff", _("Community staff")
    PROVIDER = "provider", _("Provider")
    SERVING_PROVIDER = "serving_provider", _("Provider serving the area")
    SYSTEM = "system", _("System")


SYSTEM_ACTIONS = frozenset({Action.TIMEOUT, Action.AUTO_CONFIRM})
# Returns of an order that count against the provider's reliability.
LAPSE_ACTIONS = frozenset({Action.DECLINE, Action.RELEASE, Action.NO_SHOW, Action.TIMEOUT})

RESPOND_HOURS = 24          # a dispatched provider must accept within 24 clock hours
FINISH_WORKDAYS = 3         # …and finish within 3 working days unless a date was agreed
AUTO_CONFIRM_DAYS = 7       # done and not confirmed for a week: confirmed without a rating


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset
    target: Status
    roles: frozenset
    note_required: bool = False
    # Narrower sources for some roles (the requester may cancel only before it is accepted).
    role_sources: dict = field(default_factory=dict)


_R, _S, _P, _SP, _SYS = (OrderRole.REQUESTER, OrderRole.STAFF, OrderRole.PROVIDER, OrderRole.SERVING_PROVIDER,
                         OrderRole.SYSTEM)

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    Transition(Action.PUBLISH, frozenset({Status.REQUESTED}), Status.OPEN, frozenset({_S})),
    Transition(Action.WITHDRAW, frozenset({Status.OPEN}), Status.REQUESTED, frozenset({_S}), note_required=True),
    Transition(Action.DISPATCH, frozenset({Status.REQUESTED, Status.OPEN}), Status.DISPATCHED, frozenset({_S})),
    Transition(Action.ACCEPT, frozenset({Status.DISPATCHED}), Status.ACCEPTED, frozenset({_P})),
    Transition(Action.DECLINE, frozenset({Status.DISPATCHED}), Status.REQUESTED, frozenset({_P}), note_required=True),
    Transition(Action.CLAIM, frozenset({Status.OPEN}), Status.ACCEPTED, frozenset({_SP})),
    Transition(Action.RELEASE, frozenset({Status.ACCEPTED}), Status.REQUESTED, frozenset({_P}), note_required=True),
    Transition(Action.NO_SHOW, frozenset({Status.ACCEPTED}), Status.REQUESTED, frozenset({_R, _S}), note_required=True),
    Transition(Action.COMPLETE, frozenset({Status.ACCEPTED}), Status.DONE, frozenset({_P}), note_required=True),
    Transition(Action.REOPEN, frozenset({Status.DONE}), Status.ACCEPTED, frozenset({_R, _S}), note_required=True),
    Transition(Action.CONFIRM, frozenset({Status.DONE}), Status.CONFIRMED, frozenset({_R, _S})),
    Transition(Action.CANCEL, frozenset({Status.REQUESTED, Status.OPEN, Status.DISPATCHED, Status.ACCEPTED}),
               Status.CANCELLED, frozenset({_R, _S}), note_required=True,
               role_sources={_R: frozenset({Status.REQUESTED, Status.OPEN, Status.DISPATCHED})}),
    Transition(Action.TIMEOUT, frozenset({Status.DISPATCHED, Status.ACCEPTED}), Status.REQUESTED, frozenset({_SYS})),
    Transition(Action.AUTO_CONFIRM, frozenset({Status.DONE}), Status.CONFIRMED, frozenset({_SYS})),
]}


def allowed_from(transition: Transition, role: str) -> frozenset:
    """The states `role` may take this action from."""
    return transition.role_sources.get(role, transition.sources)
