"""Who sees likely duplicates, and their panel on the appeal page (appeals.hooks.page_links)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_scopes
from appeals.selectors import acting_roles, get_appeal, visible_appeals
from appeals.workflow import Status
from core.errors import NotFound

from .duplicates import duplicates_of

# Merging is possible from these states; later on a duplicate is only worth knowing about.
_LOOKUP_STATES = {Status.SUBMITTED, Status.ACCEPTED}
_STAFF = {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF}


def is_staff_over(user, appeal) -> bool:
    """Who may see an appeal's likely duplicates and merge them: region staff over it, administrators."""
    return user_scopes(user).is_admin or bool(acting_roles(user, appeal) & _STAFF)


def staff_appeal(user, pk):
    """The appeal `pk` if the user is staff over it, else NotFound (as for an appeal they cannot see)."""
    appeal = get_appeal(user, pk)
    if not is_staff_over(user, appeal):
        raise NotFound()
    return appeal


def duplicate_links(appeal, user) -> list[dict]:
    if appeal.status not in _LOOKUP_STATES or appeal.parent_id or not is_staff_over(user, appeal):
        return []
    matches = duplicates_of(appeal, among=visible_appeals(user), explain=False)  # no jieba on every page view
    if not matches:
        return []
    top = matches[0]
    text = _("%(n)d likely duplicate(s). Most alike: %(number)s %(title)s (%(reasons)s).") % {
        "n": len(matches), "number": top.appeal.number, "title": top.appeal.title, "reasons": "，".join(top.reasons)}
    return [{"key": "duplicates", "label": _("Likely duplicates"), "text": text,
             "url": reverse("intelligence:dup_list", args=[appeal.pk])}]
