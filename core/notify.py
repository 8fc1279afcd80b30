from django.db import transaction
from django.utils import timezone

from core.errors import NotFound
from core.models import Notification


def notify(users, *, verb: str, title: str, body: str = "", url: str = "") -> None:
    """Queue inbox messages to be written once the surrounding transaction commits."""
    recipients = list({u.pk: u for u in users if u is not None}.values())
    if not recipients:
        return

    def write():
        Notification.objects.bulk_create(
            [Notification(recipient=u, verb=verb, title=title[:200], body=body, url=url) for u in recipients]
        )

    transaction.on_commit(write)


def user_notifications(user, *, unread_only: bool = False):
    """The user's own inbox, newest first."""
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's own messages read; marking twice keeps the first time."""
    notification = user_notifications(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification
