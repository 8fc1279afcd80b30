"""The visit schedule and the four small state machines of visits, in one place.

`next_due` is the only schedule rule: every page, the sweep, the API and the
tests ask it. The machines (care subject, 敲门行动 campaign, patrol, patrol
finding) are tables; `services._apply` reads them and nothing else to decide
what may happen. Roles are the actor's relation to one record (see
`selectors.roles_for`), not account roles.

    care subject:  ok ─fall_due→ due ─lapse→ overdue        (system, from the dates)
                   ok|due|overdue ─visit→ <by schedule>     (the visit moves the due date)
                   ok|due|overdue ─reschedule→ <by schedule> (tags or frequency changed)
                   ok|due|overdue ─end→ ended ─resume→ <by schedule>
    campaign:      draft ─start→ running ─finish→ finished ─reopen→ running;  draft ─cancel→ cancelled
    patrol:        open ─end→ closed;  open ─auto_close→ closed (system, left open past the day)
    finding:       noted ─report→ reported (an appeal);  noted ─dismiss→ dismissed ─restore→ noted
"""

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------- the schedule


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    BIMONTHLY = "bimonthly", _("Every two months")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")


# (days, months): exactly one is non-zero. Month-based frequencies are calendar months.
FREQUENCY_STEP = {
    Frequency.WEEKLY: (7, 0),
    Frequency.FORTNIGHTLY: (14, 0),
    Frequency.MONTHLY: (0, 1),
    Frequency.BIMONTHLY: (0, 2),
    Frequency.QUARTERLY: (0, 3),
    Frequency.HALF_YEARLY: (0, 6),
}
# Most frequent first: a person with several tags takes the first of theirs in this order.
FREQUENCY_ORDER = list(FREQUENCY_STEP)
# "Due" on the grid worker's list: the due date falls within this many days from today.
DUE_WINDOW_DAYS = 7


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, kept inside the month: 31 Jan + 1 = 28/29 Feb, 31 Aug + 1 = 30 Sep."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def next_due(last_visit: dt.date | None, frequency: str, start: dt.date | None = None) -> dt.date | None:
    """The day the next visit is due. Never visited: due on the start day (at
    once). Otherwise the last visit plus one step of the frequency; a visit
    before the start (tagged later) does not count."""
    if last_visit is None or (start is not None and last_visit < start):
        return start
    days, months = FREQUENCY_STEP[Frequency(frequency)]
    return last_visit + dt.timedelta(days=days) if days else add_months(last_visit, months)


def most_frequent(frequencies) -> str | None:
    present = {Frequency(f) for f in frequencies if f}
    for f in FREQUENCY_ORDER:
        if f in present:
            return f
    return None


# ---------------------------------------------------------------- care subjects


class SubjectStatus(models.TextChoices):
    OK = "ok", _("Visited, not yet due")
    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    ENDED = "ended", _("Care ended")


def schedule_status(due: dt.date | None, today: dt.date) -> SubjectStatus:
    """What the due date means today: overdue after the due date, due within the window."""
    if due is None:
        return SubjectStatus.OK
    if today > due:
        return SubjectStatus.OVERDUE
    if (due - today).days <= DUE_WINDOW_DAYS:
        return SubjectStatus.DUE
    return SubjectStatus.OK


class SubjectAction(models.TextChoices):
    FALL_DUE = "fall_due", _("Fell due")
    LAPSE = "lapse", _("Became overdue")
    VISIT = "visit", _("Visited")
    RESCHEDULE = "reschedule", _("Rescheduled")
    END = "end", _("End care")
    RESUME = "resume", _("Resume care")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class CampaignAction(models.TextChoices):
    START = "start", _("Start")
    FINISH = "finish", _("Finish")
    REOPEN = "reopen", _("Reopen")
    CANCEL = "cancel", _("Cancel")


class PatrolStatus(models.TextChoices):
    OPEN = "open", _("On patrol")
    CLOSED = "closed", _("Ended")


class PatrolAction(models.TextChoices):
    END = "end", _("End patrol")
    AUTO_CLOSE = "auto_close", _("Closed automatically")


class FindingStatus(models.TextChoices):
    NOTED = "noted", _("Noted")
    REPORTED = "reported", _("Reported as an appeal")
    DISMISSED = "dismissed", _("Dismissed")


class FindingAction(models.TextChoices):
    REPORT = "report", _("Report as an appeal")
    DISMISS = "dismiss", _("Dismiss")
    RESTORE = "restore", _("Restore")


class Role(models.TextChoices):
    """The actor's relation to one record."""

    RESPONSIBLE = "responsible", _("Responsible grid worker")
    GRID_WORKER = "grid_worker", _("Grid worker of the grid")
    STAFF = "staff", _("Community or street staff")
    PATROLLER = "patroller", _("The grid worker on patrol")
    SYSTEM = "system", _("System")


BY_SCHEDULE = "<by_schedule>"  # ok, due or overdue from the new due date


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    roles: frozenset
    note_required: bool = False


_LIVE = frozenset({SubjectStatus.OK, SubjectStatus.DUE, SubjectStatus.OVERDUE})
_VISITORS = frozenset({Role.RESPONSIBLE, Role.GRID_WORKER, Role.STAFF})
_SYS = frozenset({Role.SYSTEM})
_STAFF = frozenset({Role.STAFF})


class Machine:
    SUBJECT = "subject"
    CAMPAIGN = "campaign"
    PATROL = "patrol"
    FINDING = "finding"


TABLES: dict[str, dict[str, Transition]] = {
    Machine.SUBJECT: {t.action: t for t in [
        Transition(SubjectAction.FALL_DUE, frozenset({SubjectStatus.OK}), SubjectStatus.DUE, _SYS),
        Transition(SubjectAction.LAPSE, frozenset({SubjectStatus.OK, SubjectStatus.DUE}), SubjectStatus.OVERDUE, _SYS),
        Transition(SubjectAction.VISIT, _LIVE, BY_SCHEDULE, _VISITORS),
        Transition(SubjectAction.RESCHEDULE, _LIVE, BY_SCHEDULE, _VISITORS | _SYS),
        Transition(SubjectAction.END, _LIVE, SubjectStatus.ENDED, _STAFF | {Role.RESPONSIBLE}, note_required=True),
        Transition(SubjectAction.RESUME, frozenset({SubjectStatus.ENDED}), BY_SCHEDULE, _STAFF | {Role.RESPONSIBLE}),
    ]},
    Machine.CAMPAIGN: {t.action: t for t in [
        Transition(CampaignAction.START, frozenset({CampaignStatus.DRAFT}), CampaignStatus.RUNNING, _STAFF),
        Transition(CampaignAction.FINISH, frozenset({CampaignStatus.RUNNING}), CampaignStatus.FINISHED, _STAFF),
        Transition(CampaignAction.REOPEN, frozenset({CampaignStatus.FINISHED}), CampaignStatus.RUNNING, _STAFF,
                   note_required=True),
        Transition(CampaignAction.CANCEL, frozenset({CampaignStatus.DRAFT}), CampaignStatus.CANCELLED, _STAFF,
                   note_required=True),
    ]},
    Machine.PATROL: {t.action: t for t in [
        Transition(PatrolAction.END, frozenset({PatrolStatus.OPEN}), PatrolStatus.CLOSED, frozenset({Role.PATROLLER})),
        Transition(PatrolAction.AUTO_CLOSE, frozenset({PatrolStatus.OPEN}), PatrolStatus.CLOSED, _SYS),
    ]},
    Machine.FINDING: {t.action: t for t in [
        Transition(FindingAction.REPORT, frozenset({FindingStatus.NOTED}), FindingStatus.REPORTED,
                   frozenset({Role.PATROLLER, Role.STAFF})),
        Transition(FindingAction.DISMISS, frozenset({FindingStatus.NOTED}), FindingStatus.DISMISSED,
                   frozenset({Role.PATROLLER, Role.STAFF}), note_required=True),
        Transition(FindingAction.RESTORE, frozenset({FindingStatus.DISMISSED}), FindingStatus.NOTED,
                   frozenset({Role.PATROLLER, Role.STAFF})),
    ]},
}

ACTIONS = {Machine.SUBJECT: SubjectAction, Machine.CAMPAIGN: CampaignAction, Machine.PATROL: PatrolAction,
           Machine.FINDING: FindingAction}
STATUSES = {Machine.SUBJECT: SubjectStatus, Machine.CAMPAIGN: CampaignStatus, Machine.PATROL: PatrolStatus,
            Machine.FINDING: FindingStatus}


def resolve_target(transition: Transition, *, due: dt.date | None, today: dt.date) -> str:
    if transition.target == BY_SCHEDULE:
        return schedule_status(due, today)
    return transition.target


def possible_targets(transition: Transition) -> set[str]:
    if transition.target == BY_SCHEDULE:
        return set(_LIVE)
    return {transition.target}


# ---------------------------------------------------------------- visits and knocks


class Mode(models.TextChoices):
    HOME = "home", _("Home visit")
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")


class Wellbeing(models.TextChoices):
    """Flags a visitor can tick; each one is worth a follow-up."""

    HEALTH = "health", _("Health worse")
    ALONE = "alone", _("Lonely or low mood")
    HOUSING = "housing", _("Housing unsafe")
    MONEY = "money", _("Money trouble")
    CARE = "care", _("Needs daily care")
    SAFETY = "safety", _("Safety risk (gas, fire, falls)")


class KnockResult(models.TextChoices):
    PENDING = "", _("Not yet knocked")
    MET = "met", _("Met")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")
    MOVED_OUT = "moved_out", _("Moved out")


KNOCKED = frozenset({KnockResult.MET, KnockResult.NOBODY_HOME, KnockResult.REFUSED, KnockResult.MOVED_OUT})


class CampaignTarget(models.TextChoices):
    ALL = "all", _("Every household in scope")
    TAGGED = "tagged", _("Households with a care subject")
