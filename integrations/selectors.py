"""Reads of the export log: its page and its own Excel export use the same rows."""

from django.db.models import QuerySet

from accounts.selectors import user_scopes

from .models import ExportLog


def visible_logs(user) -> QuerySet[ExportLog]:
    """Administrators see every export; other staff see their own."""
    scopes = user_scopes(user)
    if scopes.is_admin:
        return ExportLog.objects.all()
    return ExportLog.objects.filter(user=user)


def export_log_list(user, *, list_name: str = "") -> QuerySet[ExportLog]:
    """The export log page's rows, newest first, of one list when asked (an unknown name gives none)."""
    logs = visible_logs(user).select_related("user")
    return logs.filter(list_name=list_name) if list_name else logs
