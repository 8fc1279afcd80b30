"""The header navigation, chosen by the roles a user holds."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.models import REGION_ROLES, Role
from accounts.selectors import user_scopes

register = template.Library()


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page another app has not mounted yet
        return ""


def _leads_a_team(user) -> bool:
    from volunteering.selectors import has_workbench

    return has_workbench(user)


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    scopes = user_scopes(user)
    roles = scopes.roles
    items: list[tuple[str, str]] = []
    managers = scopes.is_admin or bool(roles & {Role.STREET_STAFF, Role.COMMUNITY_STAFF})
    if managers:
        items.append(("appeals:workbench", _("Workbench")))
    if Role.UNIT_HANDLER in roles:
        items.append(("appeals:unit_workbench", _("Department tasks")))
    if roles & {Role.GRID_WORKER, Role.BUILDING_HEAD}:
        items.append(("appeals:my_tasks", _("My tasks")))
    if Role.GRID_WORKER in roles:
        items += [("visits:due", _("Visits due")), ("visits:patrol", _("Patrol"))]
    if scopes.is_admin or roles & REGION_ROLES:
        items.append(("appeals:report", _("Record an appeal")))
    if managers:
        items += [("services:workbench", _("Service orders")), ("deliberation:workbench", _("Deliberation")),
                  ("mediation:workbench", _("Mediation")), ("visits:overview", _("Visits")),
                  ("volunteering:staff", _("Volunteering")), ("points:counter", _("Points counter")),
                  ("party:dual", _("Dual reporting")), ("places:manage", _("Service points")),
                  ("insights:dashboard", _("Dashboard")), ("insights:figures", _("Figures")),
                  ("insights:briefings", _("Briefings")), ("integrations:imports", _("Imports")),
                  ("integrations:export_log", _("Exports"))]
        if scopes.is_admin or Role.STREET_STAFF in roles:
            items.append(("open311:keys", _("Open311 keys")))
    elif not scopes.is_staff_member:
        items += [("core:me", _("Mine")), ("appeals:report", _("Report a problem")), ("services:ask", _("Ask for help")),
                  ("services:wall", _("Wish wall")), ("deliberation:list", _("Community matters")),
                  ("volunteering:activities", _("Activities")), ("places:nearby", _("Service stations")),
                  ("points:mine", _("My points"))]
        if hasattr(user, "provider"):
            items.append(("services:board", _("Open orders")))
    if not managers and _leads_a_team(user):
        items.append(("volunteering:staff", _("Run activities")))
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    result = []
    for name, label in items:
        url = _url(name)
        if url:
            result.append({"url": url, "label": label, "active": name == current})
    return result
