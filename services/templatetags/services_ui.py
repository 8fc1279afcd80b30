"""Presentation helpers for service-order pages: badges coloured from the
workflow table, kind labels, timeline labels, stars, the requester's steps."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from services.selectors import skill_label
from services.workflow import STATUS_COLOURS, Kind, OrderRole, Status

register = template.Library()

KIND_COLOURS = {Kind.SERVICE: "blue", Kind.WISH: "red", Kind.ERRAND: "purple"}


@register.simple_tag
def order_badge(status: str) -> str:
    try:
        status = Status(status)
    except ValueError:
        return format_html('<span class="badge badge--grey">{}</span>', status)
    return format_html('<span class="badge badge--{}" data-status="{}">{}</span>', STATUS_COLOURS.get(status, "grey"),
                       status.value, status.label)


@register.simple_tag
def kind_badge(kind: str) -> str:
    try:
        kind = Kind(kind)
    except ValueError:
        return ""
    return format_html('<span class="badge badge--{} badge--kind" data-kind="{}">{}</span>',
                       KIND_COLOURS.get(kind, "grey"), kind.value, kind.label)


@register.filter
def order_role_label(role: str) -> str:
    if not role:
        return ""
    try:
        return OrderRole(role).label
    except ValueError:
        return role


@register.filter
def status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return status


@register.filter
def stars(rating) -> str:
    try:
        n = int(rating)
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)


@register.filter
def skill_name(skill) -> str:
    return skill_label(skill)


@register.filter
def is_past(moment) -> bool:
    return bool(moment) and moment < timezone.now()


# What a requester sees: four steps from asking to confirming.
STEPS = [gettext_lazy("Asked"), gettext_lazy("Someone assigned"), gettext_lazy("Being done"),
         gettext_lazy("Done"), gettext_lazy("Confirmed")]
STEP_OF = {Status.REQUESTED: 0, Status.OPEN: 0, Status.DISPATCHED: 1, Status.ACCEPTED: 2, Status.DONE: 3,
           Status.CONFIRMED: 4}


@register.simple_tag
def order_steps(order) -> dict:
    if order.status == Status.CANCELLED:
        return {"steps": [], "cancelled": True}
    current = STEP_OF.get(order.status, 0)
    last = len(STEPS) - 1
    return {"cancelled": False, "steps": [
        {"label": label, "done": i < current or current == last, "current": i == current}
        for i, label in enumerate(STEPS)]}
