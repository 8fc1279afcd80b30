"""The appeal page's panel for requests that came through Open311 (registered by the lead in
IntegrationsConfig.ready with `appeals.hooks.page_links(open311_link)`)."""

from django.utils.translation import gettext as _

from accounts.selectors import user_scopes

from ..models import Open311Request


def open311_link(appeal, user) -> list[dict]:
    """Staff see which client sent it and its attribute answers; the resident side sees nothing extra."""
    if not user_scopes(user).is_staff_member:
        return []
    extra = Open311Request.objects.filter(appeal_id=appeal.pk).select_related("key", "appeal__category").first()
    if extra is None:
        return []
    client = extra.key.name if extra.key else _("a revoked client")
    text = _("Received through Open311 from %(client)s, token %(token)s.") % {"client": client, "token": extra.token}
    return [{"key": "open311", "label": _("Open311 request"), "text": text, "url": extra.media_url}]
