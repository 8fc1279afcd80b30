"""Small presentation helpers for volunteering pages: status badges coloured
from the workflow table, and event labels for the roster's history."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from volunteering.workflow import STATUS_COLOURS, TRANSITIONS, label_of

register = template.Library()


@register.simple_tag
def vstatus(status: str) -> str:
    return format_html('<span class="badge badge--{}" data-status="{}">{}</span>', STATUS_COLOURS.get(status, "grey"),
                       status, label_of(status))


_EVENT_LABELS = {action: t.label for (record, action), t in TRANSITIONS.items() if record in ("activity", "signup")}
_EVENT_LABELS.update({"cancel": _("Cancelled"), "create": _("Team set up"), "edit": _("Edited"),
                      "request": _("Asked to join"), "approve": _("Approved"), "reject": _("Declined"),
                      "withdraw": _("Withdrew the request"), "leave": _("Left"), "remove": _("Removed"),
                      "appoint": _("Appointed leader"), "promote": _("Got a seat from the waiting list")})


@register.filter
def event_label(action: str) -> str:
    return str(_EVENT_LABELS.get(action, action))


@register.filter
def method_label(method: str) -> str:
    from volunteering.workflow import Method

    return str(Method(method).label) if method in Method.values else ""
