"""Who may move a membership, an activity or a sign-up from which state to which,
as one table. `services` reads this table and nothing else to decide what may
happen; the pages and the API show only the actions it allows.

    membership:  (request) → pending ─approve→ active ─leave/remove→ left
                                     ├reject→ rejected
                                     └withdraw→ left
    activity:    (publish) → published ─edit→ published (before the start)
                                       ├cancel→ cancelled (nobody checked in yet)
                                       └finish→ finished (after the start; by hand or by the sweep)
    sign-up:     (sign up) → confirmed while seats remain, else waitlisted (in order)
                 waitlisted ─promote→ confirmed (a seat came free)
                 confirmed/waitlisted ─cancel→ cancelled (not after checking in)
                 confirmed ─check_in / check_out / correct→ confirmed (times and hours)
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition


class TeamKind(models.TextChoices):
    PARTY_SERVICE = "party_service", _("Party member service")
    STABILITY = "stability", _("Public order and stability")
    DISABILITY_ELDERLY = "disability_elderly", _("Help for the disabled and elderly")
    CULTURE = "culture", _("Culture and publicity")
    CLEAN = "clean", _("Clean homes")
    CUSTOM = "custom", _("Other (named by the team)")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ACTIVE = "active", _("Member")
    REJECTED = "rejected", _("Not approved")
    LEFT = "left", _("Left")


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Seat confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Method(models.TextChoices):
    QR = "qr", _("QR code")
    ORGANISER = "organiser", _("By the organiser")
    AUTO = "auto", _("When the activity finished")


class Direction(models.TextChoices):
    IN = "in", _("Check in")
    OUT = "out", _("Check out")


LIVE_MEMBERSHIP = frozenset({MembershipStatus.PENDING, MembershipStatus.ACTIVE})
LIVE_SIGNUP = frozenset({SignupStatus.CONFIRMED, SignupStatus.WAITLISTED})

STATUS_COLOURS = {
    MembershipStatus.PENDING: "orange", MembershipStatus.ACTIVE: "green", MembershipStatus.REJECTED: "grey",
    MembershipStatus.LEFT: "grey",
    ActivityStatus.PUBLISHED: "blue", ActivityStatus.CANCELLED: "grey", ActivityStatus.FINISHED: "green",
    SignupStatus.CONFIRMED: "green", SignupStatus.WAITLISTED: "orange", SignupStatus.CANCELLED: "grey",
}

# Who acts, relative to the record: the person it is about, the team leader,
# staff of the community (accounts.selectors.manages_community), whoever runs
# the activity (its organiser, the team leader or community staff), or the system.
SELF, LEADER, STAFF, RUNNER, SYSTEM = "self", "leader", "staff", "runner", "system"

# A sign-up's target depends on the seats left when it is made.
BY_SEATS = "<by_seats>"


@dataclass(frozen=True)
class Transition:
    record: str
    action: str
    sources: frozenset
    target: str
    who: frozenset
    label: str = ""
    note_required: bool = False


_T = Transition
TRANSITIONS: dict[tuple[str, str], Transition] = {(t.record, t.action): t for t in [
    _T("membership", "request", frozenset({""}), MembershipStatus.PENDING, frozenset({SELF}), _("Ask to join")),
    _T("membership", "approve", frozenset({MembershipStatus.PENDING}), MembershipStatus.ACTIVE,
       frozenset({LEADER, STAFF}), _("Approve")),
    _T("membership", "reject", frozenset({MembershipStatus.PENDING}), MembershipStatus.REJECTED,
       frozenset({LEADER, STAFF}), _("Decline")),
    _T("membership", "withdraw", frozenset({MembershipStatus.PENDING}), MembershipStatus.LEFT, frozenset({SELF}),
       _("Withdraw request")),
    _T("membership", "leave", frozenset({MembershipStatus.ACTIVE}), MembershipStatus.LEFT, frozenset({SELF}),
       _("Leave the team")),
    _T("membership", "remove", frozenset({MembershipStatus.ACTIVE}), MembershipStatus.LEFT, frozenset({LEADER, STAFF}),
       _("Remove from the team"), note_required=True),
    # Staff appoint the leader when they create the team or later; the leader is an active member.
    _T("membership", "appoint", frozenset({"", MembershipStatus.PENDING, MembershipStatus.ACTIVE}),
       MembershipStatus.ACTIVE, frozenset({STAFF}), _("Appoint as leader")),

    _T("activity", "publish", frozenset({""}), ActivityStatus.PUBLISHED, frozenset({STAFF, LEADER}), _("Publish")),
    _T("activity", "edit", frozenset({ActivityStatus.PUBLISHED}), ActivityStatus.PUBLISHED, frozenset({RUNNER}),
       _("Edit")),
    _T("activity", "cancel", frozenset({ActivityStatus.PUBLISHED}), ActivityStatus.CANCELLED, frozenset({RUNNER}),
       _("Cancel the activity"), note_required=True),
    _T("activity", "finish", frozenset({ActivityStatus.PUBLISHED}), ActivityStatus.FINISHED,
       frozenset({RUNNER, SYSTEM}), _("Finish")),

    _T("signup", "signup", frozenset({""}), BY_SEATS, frozenset({SELF}), _("Sign up")),
    _T("signup", "cancel", frozenset(LIVE_SIGNUP), SignupStatus.CANCELLED, frozenset({SELF, RUNNER}),
       _("Cancel my sign-up")),
    _T("signup", "promote", frozenset({SignupStatus.WAITLISTED}), SignupStatus.CONFIRMED, frozenset({SYSTEM, RUNNER}),
       _("Give a seat")),
    _T("signup", "check_in", frozenset({SignupStatus.CONFIRMED}), SignupStatus.CONFIRMED, frozenset({SELF, RUNNER}),
       _("Check in")),
    _T("signup", "check_out", frozenset({SignupStatus.CONFIRMED}), SignupStatus.CONFIRMED,
       frozenset({SELF, RUNNER, SYSTEM}), _("Check out")),
    _T("signup", "correct", frozenset({SignupStatus.CONFIRMED}), SignupStatus.CONFIRMED, frozenset({RUNNER}),
       _("Correct times"), note_required=True),
]}


def transition(record: str, action: str, status: str) -> Transition:
    """The transition for `action` on a record now in `status`, or InvalidTransition."""
    t = TRANSITIONS.get((record, action))
    if t is None:
        raise InvalidTransition()
    if status not in t.sources:
        raise InvalidTransition(_("This is not possible now: it is “%(status)s”.") % {"status": label_of(status)})
    return t


def allowed(record: str, action: str, status: str, relations: set[str]) -> bool:
    t = TRANSITIONS.get((record, action))
    return t is not None and status in t.sources and bool(t.who & relations)


def label_of(status: str) -> str:
    for choices in (MembershipStatus, ActivityStatus, SignupStatus):
        if status in choices.values:
            return str(choices(status).label)
    return status or "—"
