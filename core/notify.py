from django.db import transaction

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
