"""Category suggestion in the appeal loop: kept at intake (appeals.hooks.after_submit)
and shown to staff on the appeal page (appeals.hooks.page_links)."""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors, services

log = logging.getLogger(__name__)


def on_submit(*, appeal, actor, **_rest):
    """A broken or missing model never stops a report: it is only logged."""
    try:
        with transaction.atomic():  # a savepoint: a failed write here leaves the report's transaction usable
            services.suggestion_record(appeal=appeal, actor=actor)
    except Exception:  # noqa: BLE001 - intake must go on whatever the model does
        log.exception("category suggestion failed for appeal %s", appeal.pk)


def category_links(appeal, user) -> list[dict]:
    if not selectors.is_staff(user):
        return []
    suggestion = selectors.latest_suggestion(appeal)
    if suggestion is None or suggestion.category is None:
        text = _("No suggestion was made at intake. See what the current model suggests, or correct the category.")
    else:
        text = _("Suggested at intake: %(name)s (confidence %(p).2f)%(auto)s.") % {
            "name": suggestion.category.name, "p": suggestion.confidence,
            "auto": _(", routed by the suggestion") if suggestion.auto_routed else ""}
    return [{"key": "category", "label": _("Category suggestion"), "text": text,
             "url": reverse("intelligence:appeal_category", args=[appeal.pk])}]
