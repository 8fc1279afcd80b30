"""Small presentation helpers for appeal pages: badges coloured from the
workflow table, the resident's progress steps, timeline labels."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from appeals.workflow import STATUS_COLOURS, Action, Status

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> str:
    try:
        status = Status(status)
    except ValueError:
        return format_html('<span class="badge badge--grey">{}</span>', status)
    return format_html('<span class="badge badge--{}" data-status="{}">{}</span>', STATUS_COLOURS.get(status, "grey"),
                       status.value, status.label)


# What a resident sees: six steps from report to closure.
STEPS = [
    gettext_lazy("Reported"), gettext_lazy("Accepted"), gettext_lazy("Being handled"),
    gettext_lazy("Checked on site"), gettext_lazy("Your rating"), gettext_lazy("Closed"),
]
STEP_OF = {
    Status.SUBMITTED: 0, Status.ACCEPTED: 1, Status.IN_PROGRESS: 2, Status.WHISTLED: 2, Status.CLAIMED: 2,
    Status.VERIFYING: 3, Status.REVISITING: 4, Status.CLOSED: 5,
}


@register.simple_tag
def progress(appeal) -> dict:
    """Steps for the progress bar. A merged appeal follows its parent; a
    suspended one shows where it stopped."""
    followed = appeal.parent if appeal.status == Status.MERGED and appeal.parent_id else appeal
    status = followed.status
    note = ""
    if status == Status.SUSPENDED:
        status = followed.suspended_from or Status.ACCEPTED
        note = _("Suspended for now")
    if status == Status.REJECTED:
        return {"steps": [], "rejected": True, "percent": 100, "note": _("Not accepted"), "followed": followed}
    current = STEP_OF.get(status, 0)
    steps = [{"label": label, "done": i < current or current == len(STEPS) - 1, "current": i == current}
             for i, label in enumerate(STEPS)]
    percent = round(100 * current / (len(STEPS) - 1))
    return {"steps": steps, "rejected": False, "percent": percent, "note": note, "followed": followed,
            "current_label": STEPS[current]}


EVENT_LABELS = {"submit": gettext_lazy("Appeal reported"), "supervise": gettext_lazy("Supervised")}


@register.filter
def event_label(event) -> str:
    if event.action in EVENT_LABELS:
        return str(EVENT_LABELS[event.action])
    try:
        return Action(event.action).label
    except ValueError:
        return event.action


@register.filter
def role_label(role: str) -> str:
    if not role:
        return ""
    if role == "system":
        return _("System")
    try:
        return Role(role).label
    except ValueError:
        return role


@register.filter
def status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return status or ""


@register.filter
def is_past(value) -> bool:
    return bool(value and value < timezone.now())
