"""Small display helpers for the party pages: status badges and percentages."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from party.workflow import STATUS_COLOURS, DualStatus, EvaluationStatus, NominationStatus, ProjectStatus

register = template.Library()

_LABELS = {}
for _choices in (DualStatus, ProjectStatus, EvaluationStatus, NominationStatus):
    for _member in _choices:
        _LABELS[_member.value] = _member


@register.simple_tag
def party_badge(status: str):
    member = _LABELS.get(status)
    if member is None:
        return ""
    return format_html('<span class="badge badge--{}">{}</span>', STATUS_COLOURS.get(member, "grey"), member.label)


@register.filter
def pct(value) -> str:
    """A rate in percent with one decimal, or a dash when there is nothing to divide."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}%"


@register.simple_tag
def quarter_label(year, quarter) -> str:
    return _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}


# What each kind of core.records.ServiceRecord is called on the pages.
SERVICE_KINDS = {
    "service": gettext_lazy("Service order"),
    "wish": gettext_lazy("Micro-wish"),
    "errand": gettext_lazy("Errand"),
    "activity": gettext_lazy("Volunteer activity"),
    "patrol": gettext_lazy("Patrol"),
}


@register.filter
def service_kind(kind: str) -> str:
    return str(SERVICE_KINDS.get(kind, kind))
