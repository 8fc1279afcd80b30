"""Badges and labels of the mediation pages."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from mediation.workflow import STATUS_COLOURS, DisputeRole, Risk, Status

register = template.Library()

RISK_COLOURS = {Risk.LOW: "green", Risk.MEDIUM: "orange", Risk.HIGH: "red"}


@register.simple_tag
def dispute_badge(status):
    try:
        status = Status(status)
    except ValueError:
        return ""
    return format_html('<span class="badge badge--{}" data-status="{}">{}</span>', STATUS_COLOURS[status],
                       status.value, status.label)


@register.simple_tag
def risk_badge(level):
    try:
        level = Risk(level)
    except ValueError:
        return ""
    return format_html('<span class="badge badge--{} risk-badge" data-risk-badge="{}">{}</span>',
                       RISK_COLOURS[level], level.value, level.label)


@register.filter
def status_label(value):
    try:
        return Status(value).label
    except ValueError:
        return value


@register.filter
def role_label(value):
    try:
        return DisputeRole(value).label
    except ValueError:
        return ""


@register.filter
def risk_label(value):
    try:
        return Risk(value).label
    except ValueError:
        return value


@register.filter
def is_past_day(day):
    return day is not None and day < timezone.localdate()


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
