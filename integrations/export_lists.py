"""The registry of exportable lists: for each, its columns and how to get the rows
the page shows with the page's own filters and scoping (same selectors, same forms).
Pages link here with `{% export_links "<name>" %}`; the names are stable."""

import datetime as dt
import inspect
from itertools import islice

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.selectors import managed_communities, managed_community_ids, user_scopes
from core.errors import NotAllowed, NotFound, ValidationFailed

from .exports import BOOL, DATE, DATETIME, ID_NUMBER, NAME, NUMBER, PHONE, Column, ExportSpec, register


def attr(path: str, default=""):
    """Getter for a dotted attribute path; a missing link gives `default`."""
    parts = path.split(".")

    def get(row):
        value = row
        for part in parts:
            value = getattr(value, part, None)
            if value is None:
                return default
        return value() if inspect.ismethod(value) else value
    return get


def display(field: str, path: str = ""):
    """The translated label of a choices field (get_FOO_display)."""
    prefix = attr(path, None) if path else (lambda row: row)

    def get(row):
        obj = prefix(row)
        return getattr(obj, f"get_{field}_display")() if obj is not None else ""
    return get


def names(manager_path: str, attr_name: str = "name"):
    """Names of a many-to-many, joined with the Chinese enumeration comma."""
    return lambda row: "、".join(getattr(o, attr_name) for o in attr(manager_path)(row).all())


def section(label):
    return Column("section", label, attr("export_section"), 14)


def _sections(pairs):
    """Rows of several page sections in order, each tagged with its section's title."""
    for title, items in pairs:
        rows = items.iterator(chunk_size=2000) if isinstance(items, QuerySet) else items
        for item in rows:
            item.export_section = str(title)
            yield item


def _chunked(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _user(request):
    return request.user


def person_phone(path: str):
    """A user's or person's phone through a dotted path ending in the Person."""
    return lambda row: getattr(attr(path, None)(row), "phone", "") or ""


# ---------------------------------------------------------------- appeals

def _appeal_columns(extra_first=()):
    return (*extra_first,
            Column("number", _("Number"), attr("number"), 18),
            Column("title", _("Title"), attr("title"), 30),
            Column("category", _("Category"), attr("category.name"), 14),
            Column("status", _("Status"), display("status"), 12),
            Column("urgency", _("Urgency"), display("urgency"), 10),
            Column("channel", _("Channel"), display("channel"), 12),
            Column("community", _("Community"), attr("community.name"), 14),
            Column("grid", _("Grid"), attr("grid.name"), 16),
            Column("lead_unit", _("Lead unit"), attr("lead_unit.name"), 16),
            Column("reporter_name", _("Reporter"), attr("reporter_name"), 12),
            Column("reporter_phone", _("Reporter phone"), attr("reporter_phone"), 15, PHONE),
            Column("address", _("Address"), attr("address"), 30),
            Column("created_at", _("Received at"), attr("created_at", None), 17, DATETIME),
            Column("resolve_due", _("Resolve by"), attr("resolve_due", None), 17, DATETIME),
            Column("closed_at", _("Closed at"), attr("closed_at", None), 17, DATETIME),
            Column("is_overdue", _("Overdue"), attr("is_overdue", False), 8, BOOL),
            Column("rework_count", _("Reworks"), attr("rework_count", 0), 8, NUMBER),
            Column("satisfaction", _("Satisfaction"), display("satisfaction"), 12))


def _appeal_reveal(user, appeal) -> bool:
    from appeals.views import _can_reveal_phone  # the appeal page's own rule

    return _can_reveal_phone(user, appeal)


def _appeal_may_reveal(user) -> bool:
    from appeals.views import REGION_STAFF

    scopes = user_scopes(user)
    return scopes.is_admin or bool(scopes.roles & REGION_STAFF)


def _appeal_workbench_rows(request):
    from appeals.forms import WorkbenchFilterForm
    from appeals.selectors import filter_appeals, visible_appeals

    if not user_scopes(request.user).is_staff_member:
        raise NotFound()
    form = WorkbenchFilterForm(request.GET or None, user=request.user)
    return filter_appeals(visible_appeals(request.user), **form.filters())


def _appeal_my_tasks_rows(request):
    from appeals.selectors import filter_appeals, grid_worker_tasks, visible_appeals

    scopes = user_scopes(request.user)
    pairs = []
    if Role.GRID_WORKER in scopes.roles:
        tasks = grid_worker_tasks(request.user)
        pairs = [(_("Overdue"), tasks["overdue"]), (_("To accept"), tasks["to_accept"]),
                 (_("To handle"), tasks["to_handle"]), (_("To verify on site"), tasks["to_verify"])]
    if Role.BUILDING_HEAD in scopes.roles or not pairs:
        pairs.append((_("Open in my area"), filter_appeals(visible_appeals(request.user), status="open")))
    return _sections(pairs)


def _appeal_unit_rows(request):
    from appeals.selectors import unit_tasks

    if Role.UNIT_HANDLER not in user_scopes(request.user).roles:
        raise NotFound()
    tasks = unit_tasks(request.user)
    return _sections([(_("Overdue"), tasks["overdue"]), (_("To claim"), tasks["to_claim"]),
                      (_("To answer"), tasks["to_answer"]), (_("Returned by us"), tasks["returned"]),
                      (_("Helping other units"), tasks["helping"])])


def _appeal_mine_rows(request):
    from appeals.selectors import visible_appeals

    return visible_appeals(request.user).filter(reporter=request.user).select_related(
        "category", "grid", "community", "lead_unit").order_by("-created_at", "-id")


APPEAL_FILTERS = ("q", "status", "overdue", "category", "community", "grid", "unit", "channel", "date_from", "date_to")

register(ExportSpec("appeals.workbench", _("Appeals"), _appeal_columns(), _appeal_workbench_rows,
                    filter_keys=APPEAL_FILTERS, reveal=_appeal_reveal, may_reveal=_appeal_may_reveal,
                    page="appeals:workbench"))
register(ExportSpec("appeals.my_tasks", _("My tasks"), _appeal_columns((section(_("Section")),)),
                    _appeal_my_tasks_rows, reveal=_appeal_reveal, may_reveal=_appeal_may_reveal,
                    page="appeals:my_tasks"))
register(ExportSpec("appeals.unit_tasks", _("Unit tasks"), _appeal_columns((section(_("Section")),)),
                    _appeal_unit_rows, reveal=_appeal_reveal, may_reveal=_appeal_may_reveal,
                    page="appeals:unit_workbench"))
register(ExportSpec("appeals.mine", _("My appeals"), _appeal_columns(), _appeal_mine_rows, reveal=_appeal_reveal,
                    may_reveal=_appeal_may_reveal, page="appeals:mine"))


# ---------------------------------------------------------------- service orders and providers

def _order_columns(extra_first=()):
    return (*extra_first,
            Column("number", _("Number"), attr("number"), 18),
            Column("kind", _("Kind"), display("kind"), 10),
            Column("title", _("Title"), attr("title"), 30),
            Column("status", _("Status"), display("status"), 12),
            Column("community", _("Community"), attr("community.name"), 14),
            Column("grid", _("Grid"), attr("grid.name"), 16),
            Column("requester_name", _("Requester"), attr("requester_name"), 12),
            Column("requester_phone", _("Requester phone"), attr("requester_phone"), 15, PHONE),
            Column("address", _("Address"), attr("address"), 30),
            Column("provider", _("Provider"), attr("provider.display_name"), 16),
            Column("preferred_date", _("Preferred date"), attr("preferred_date", None), 12, DATE),
            Column("created_at", _("Placed at"), attr("created_at", None), 17, DATETIME),
            Column("done_at", _("Done at"), attr("done_at", None), 17, DATETIME),
            Column("rating", _("Rating"), attr("rating", None), 8, NUMBER))


def _order_reveal(user, order) -> bool:
    from services.selectors import can_reveal_phone

    return can_reveal_phone(user, order)


def _services_staff(user) -> bool:
    from services.selectors import is_any_staff

    return is_any_staff(user) or user_scopes(user).is_admin


def _order_may_reveal(user) -> bool:
    from services.selectors import provider_of

    return _services_staff(user) or provider_of(user) is not None


def _order_workbench_rows(request):
    from services import selectors
    from services.forms import WorkbenchFilterForm

    user = request.user
    if not _services_staff(user):
        raise NotFound()
    form = WorkbenchFilterForm(request.GET or None, communities=selectors.managed_community_list(user),
                               queues=selectors.QUEUES)
    filters = form.filters()
    queues = selectors.workbench_queues(user, community=filters["community"], kind=filters["kind"])
    return _sections([(label, queues[key]) for key, label in selectors.QUEUES
                      if not filters["queue"] or filters["queue"] == key])


def _order_board_rows(request):
    from services import selectors

    if selectors.provider_of(request.user) is None:
        raise NotFound()
    return selectors.board_orders(request.user, kind=request.GET.get("kind", ""))


def _provider_rows(request):
    from services import selectors

    user = request.user
    if not _services_staff(user):
        raise NotFound()
    state = request.GET.get("state", "")
    if state not in ("pending", "active", "inactive"):
        state = ""
    qs = selectors.staff_providers(user, state=state).prefetch_related("skills", "service_area")
    for chunk in _chunked(qs.iterator(chunk_size=500), 500):
        stats = selectors.provider_stats(p.pk for p in chunk)
        for p in chunk:
            p.load, p.done_count, p.lapses = stats[p.pk]
            p.reliability = round(100 * selectors.reliability_score(p.done_count, p.lapses))
            yield p


def _provider_state(p) -> str:
    if p.is_pending:
        return gettext("Waiting for approval")
    return gettext("Active") if p.is_active else gettext("Stopped")


register(ExportSpec("services.workbench", _("Service orders"), _order_columns((section(_("Queue")),)),
                    _order_workbench_rows, filter_keys=("community", "kind", "queue"), reveal=_order_reveal,
                    may_reveal=_services_staff, page="services:workbench"))
register(ExportSpec("services.board", _("Order board"), _order_columns(), _order_board_rows, filter_keys=("kind",),
                    reveal=_order_reveal, may_reveal=_order_may_reveal, page="services:board"))
register(ExportSpec("services.providers", _("Providers"), (
    Column("name", _("Name"), attr("display_name"), 20),
    Column("kind", _("Kind"), display("kind"), 10),
    Column("skills", _("Skills"), names("skills"), 24),
    Column("service_area", _("Service area"), names("service_area"), 24),
    Column("availability", _("Availability"), attr("availability_note"), 16),
    Column("load", _("In hand"), attr("load", 0), 8, NUMBER),
    Column("done", _("Done"), attr("done_count", 0), 8, NUMBER),
    Column("lapses", _("Returned"), attr("lapses", 0), 8, NUMBER),
    Column("reliability", _("Reliability (%)"), attr("reliability", 0), 10, NUMBER),
    Column("state", _("State"), _provider_state, 12),
    Column("approved_at", _("Approved at"), attr("approved_at", None), 17, DATETIME),
), _provider_rows, filter_keys=("state",), page="services:providers"))


# ---------------------------------------------------------------- volunteering

def _activity_rows(request):
    from volunteering import selectors

    mine = selectors.my_community_ids(request.user)
    scope = request.GET.get("scope") or ("community" if mine else "all")
    if scope not in ("community", "all"):
        scope = "all"
    q = (request.GET.get("q") or "").strip()[:50]
    return selectors.activities(community_ids=mine if scope == "community" else None, upcoming=True,
                                now=timezone.now(), q=q)


def _roster_activity(request):
    from volunteering import selectors

    activity = selectors.get_activity(request.GET.get("activity", ""))
    if not selectors.can_run(request.user, activity):
        raise NotFound()
    return activity


def _roster_rows(request):
    from volunteering import selectors
    from volunteering.models import SignupStatus

    activity = _roster_activity(request)
    lists = selectors.roster(activity)
    return _sections([(SignupStatus.CONFIRMED.label, lists["confirmed"]),
                      (SignupStatus.WAITLISTED.label, lists["waitlisted"]),
                      (SignupStatus.CANCELLED.label, lists["cancelled"])])


def _roster_reveal(user, signup) -> bool:
    from volunteering import selectors

    return selectors.can_run(user, signup.activity)


def _volunteer_workbench(user) -> bool:
    from volunteering import selectors

    return selectors.has_workbench(user)


def _my_hours_rows(request):
    from volunteering import selectors

    return selectors.my_signups(request.user)


def _volunteer_name(signup) -> str:
    person = getattr(signup.user, "person", None)
    return person.name if person is not None else signup.user.display_name


register(ExportSpec("volunteering.activities", _("Volunteer activities"), (
    Column("title", _("Title"), attr("title"), 30),
    Column("team", _("Team"), attr("team.name"), 16),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("place", _("Place"), attr("place"), 24),
    Column("starts_at", _("Starts at"), attr("starts_at", None), 17, DATETIME),
    Column("ends_at", _("Ends at"), attr("ends_at", None), 17, DATETIME),
    Column("capacity", _("Seats"), attr("capacity", 0), 8, NUMBER),
    Column("confirmed", _("Signed up"), attr("confirmed_count", 0), 9, NUMBER),
    Column("waitlist", _("Waiting list"), attr("waitlist_count", 0), 9, NUMBER),
    Column("max_hours", _("Most hours credited"), attr("max_hours", None), 10, NUMBER),
    Column("status", _("Status"), display("status"), 10),
), _activity_rows, filter_keys=("scope", "q"), page="volunteering:activities"))
register(ExportSpec("volunteering.roster", _("Activity roster"), (
    section(_("List")),
    Column("name", _("Name"), _volunteer_name, 14),
    Column("phone", _("Phone"), person_phone("user.person"), 15, PHONE),
    Column("signed_up_at", _("Signed up at"), attr("signed_up_at", None), 17, DATETIME),
    Column("checked_in_at", _("Checked in"), attr("checked_in_at", None), 17, DATETIME),
    Column("checked_out_at", _("Checked out"), attr("checked_out_at", None), 17, DATETIME),
    Column("hours", _("Hours"), attr("hours", None), 8, NUMBER),
), _roster_rows, filter_keys=("activity",), reveal=_roster_reveal, may_reveal=_volunteer_workbench,
    page="volunteering:roster"))
register(ExportSpec("volunteering.my_hours", _("My volunteer hours"), (
    Column("activity", _("Activity"), attr("activity.title"), 30),
    Column("community", _("Community"), attr("activity.community.name"), 14),
    Column("starts_at", _("Starts at"), attr("activity.starts_at", None), 17, DATETIME),
    Column("status", _("Status"), display("status"), 10),
    Column("checked_in_at", _("Checked in"), attr("checked_in_at", None), 17, DATETIME),
    Column("checked_out_at", _("Checked out"), attr("checked_out_at", None), 17, DATETIME),
    Column("hours", _("Hours"), attr("hours", None), 8, NUMBER),
), _my_hours_rows, filter_keys=(), page="volunteering:mine"))


def _workbench_rows(request):
    """The volunteering workbench's two activity lists (the page shows the first 50 and 30;
    the export every one), for staff and team leaders: no personal data."""
    from volunteering import selectors

    user = request.user
    if not selectors.has_workbench(user):
        raise NotAllowed()
    lists = selectors.workbench_activities(user, timezone.now())
    return _sections([(_("Activities to run"), lists["to_run"]),
                      (_("Finished and cancelled (last 60 days)"), lists["recent"])])


register(ExportSpec("volunteering.workbench", _("Volunteering workbench"), (
    section(_("List")),
    Column("title", _("Title"), attr("title"), 30),
    Column("team", _("Team"), attr("team.name"), 16),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("place", _("Place"), attr("place"), 24),
    Column("starts_at", _("Starts at"), attr("starts_at", None), 17, DATETIME),
    Column("ends_at", _("Ends at"), attr("ends_at", None), 17, DATETIME),
    Column("capacity", _("Seats"), attr("capacity", 0), 8, NUMBER),
    Column("confirmed", _("Signed up"), attr("confirmed_count", 0), 9, NUMBER),
    Column("waitlist", _("Waiting list"), attr("waitlist_count", 0), 9, NUMBER),
    Column("status", _("Status"), display("status"), 10),
), _workbench_rows, filter_keys=(), page="volunteering:staff"))


def _membership_reveal(user, membership) -> bool:
    """The team page's rule for a member's phone: whoever leads the team or manages its community."""
    from volunteering import selectors

    return selectors.can_manage_team(user, membership.team)


def _join_request_rows(request):
    """The workbench's join requests: those the user may decide (teams they lead, their communities')."""
    from volunteering import selectors

    user = request.user
    if not selectors.has_workbench(user):
        raise NotAllowed()
    return selectors.pending_requests(user)


MEMBER_COLUMNS = (
    Column("name", _("Name"), _volunteer_name, 14),
    Column("phone", _("Phone"), person_phone("user.person"), 15, PHONE),
)

register(ExportSpec("volunteering.join_requests", _("Requests to join teams"), (
    *MEMBER_COLUMNS,
    Column("team", _("Team"), attr("team.name"), 16),
    Column("community", _("Community"), attr("team.community.name"), 14),
    Column("requested_at", _("Requested at"), attr("requested_at", None), 17, DATETIME),
    Column("note", _("Note"), attr("note"), 30),
), _join_request_rows, filter_keys=(), reveal=_membership_reveal, may_reveal=_volunteer_workbench,
    page="volunteering:staff"))


def _team_member_rows(request):
    """One team's join requests and members as its page lists them to whoever manages the team
    (its leader, its community's staff); the team is public, so others get a 403, not a 404."""
    from volunteering import selectors

    user = request.user
    team = selectors.get_team(request.GET.get("team", ""))
    if not selectors.can_manage_team(user, team):
        raise NotAllowed()
    for membership in _sections([(_("Requests to join"), selectors.team_requests(team)),
                                 (_("Members"), selectors.team_members(team))]):
        membership.team = team
        yield membership


register(ExportSpec("volunteering.team_members", _("Team members"), (
    section(_("List")),
    *MEMBER_COLUMNS,
    Column("leader", _("Leader"), lambda m: m.user_id == m.team.leader_id, 8, BOOL),
    Column("requested_at", _("Requested at"), attr("requested_at", None), 17, DATETIME),
    Column("decided_at", _("Member since"), attr("decided_at", None), 17, DATETIME),
    Column("note", _("Note"), attr("note"), 30),
), _team_member_rows, filter_keys=("team",), reveal=_membership_reveal, may_reveal=_volunteer_workbench,
    page="volunteering:team"))


# ---------------------------------------------------------------- points

def _ledger_rows(request):
    from points import selectors

    person = request.GET.get("person", "")
    if person:
        if not selectors.is_counter_staff(request.user):
            raise NotFound()
        return selectors.entries(selectors.person_for_staff(request.user, person))
    return selectors.entries(request.user)


def _redemption_rows(request):
    from points import selectors
    from points.models import Redemption

    user = request.user
    person = request.GET.get("person", "")
    if person:
        if not selectors.is_counter_staff(user):
            raise NotFound()
        return selectors.redemptions_of(selectors.person_for_staff(user, person)).select_related(
            "account__user__person", "served_by")
    if selectors.is_counter_staff(user):
        return (Redemption.objects.filter(reward__community__in=managed_communities(user))
                .select_related("reward__community", "account__user__person", "served_by")
                .order_by("-created_at", "-id"))
    return selectors.redemptions_of(user).select_related("account__user__person", "served_by")


def _redemption_reveal(user, redemption) -> bool:
    return redemption.reward.community_id in managed_community_ids(user)


def _counter_staff(user) -> bool:
    from points import selectors

    return selectors.is_counter_staff(user)


register(ExportSpec("points.ledger", _("Points ledger"), (
    Column("created_at", _("Time"), attr("created_at", None), 17, DATETIME),
    Column("amount", _("Points"), attr("amount", 0), 8, NUMBER),
    Column("kind", _("Kind"), display("kind"), 10),
    Column("source", _("Source"), display("source"), 12),
    Column("reason", _("Reason"), attr("reason"), 30),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("balance_after", _("Balance after"), attr("balance_after", 0), 10, NUMBER),
    Column("created_by", _("Booked by"), attr("created_by_name"), 12),
    Column("reversed", _("Reversed"), lambda e: getattr(e, "reversed_by", None) is not None, 8, BOOL),
), _ledger_rows, filter_keys=("person",), page="points:mine"))
register(ExportSpec("points.redemptions", _("Redemptions"), (
    Column("created_at", _("Time"), attr("created_at", None), 17, DATETIME),
    Column("person", _("Person"), lambda r: _volunteer_name(r.account), 14),
    Column("phone", _("Phone"), person_phone("account.user.person"), 15, PHONE),
    Column("reward", _("Item"), attr("reward.name"), 20),
    Column("community", _("Community"), attr("reward.community.name"), 14),
    Column("quantity", _("Quantity"), attr("quantity", 0), 8, NUMBER),
    Column("points", _("Points"), attr("points", 0), 8, NUMBER),
    Column("status", _("Status"), display("status"), 10),
    Column("served_by", _("Served by"), attr("served_by.display_name"), 12),
    Column("cancel_reason", _("Reason for cancelling"), attr("cancel_reason"), 20),
), _redemption_rows, filter_keys=("person",), reveal=_redemption_reveal, may_reveal=_counter_staff,
    page="points:counter"))


def _catalogue_rows(request):
    """The catalogue page's items of the community it shows, withdrawn ones too, for counter staff."""
    from points import selectors

    if not selectors.is_counter_staff(request.user):
        raise NotAllowed()
    _communities, _community, rewards = selectors.catalogue(request.user, request.GET.get("community", ""))
    return rewards


register(ExportSpec("points.catalogue", _("Reward catalogue"), (
    Column("community", _("Community"), attr("community.name"), 14),
    Column("name", _("Item"), attr("name"), 24),
    Column("description", _("Description"), attr("description"), 30),
    Column("points", _("Points"), attr("points", 0), 8, NUMBER),
    Column("stock", _("Stock"), attr("stock", 0), 8, NUMBER),
    Column("offered", _("Offered"), attr("is_active", False), 8, BOOL),
    Column("created_at", _("Added at"), attr("created_at", None), 17, DATETIME),
), _catalogue_rows, filter_keys=("community",), page="points:catalogue"))


# ---------------------------------------------------------------- party: 双报到

def _dual_rows(request):
    from party import selectors
    from party.models import DualReport, DualStatus

    user = request.user
    communities = selectors.staff_communities(user)
    if communities:
        value = request.GET.get("community")
        community = next((c for c in communities if str(c.pk) == str(value or "").strip()), communities[0])
        status = "" if request.GET.get("show") == "all" else DualStatus.ACTIVE
        return selectors.filter_dual_reports(selectors.visible_dual_reports(user), community=community.pk,
                                             status=status).order_by("kind", "registered_at", "id")
    member = selectors.member_of(user)
    if member is None:
        raise NotFound()
    return DualReport.objects.filter(member=member).select_related("community", "unit", "member__person",
                                                                     "member__employer")


def _quarter_report(request):
    from party import selectors
    from party.forms import QuarterForm

    communities = selectors.staff_communities(request.user)
    if not communities:
        raise NotFound()
    year, quarter_no = selectors.current_quarter()
    picked = QuarterForm(request.GET or None, communities=communities)
    if picked.is_bound and not picked.is_valid():
        raise ValidationFailed(_("Choose one of your communities, a year between 2000 and 2100 and a quarter."))
    if picked.is_bound:
        year = picked.cleaned_data["year"] or year
        quarter_no = int(picked.cleaned_data["quarter"] or quarter_no)
    value = picked.cleaned_data.get("community") if picked.is_bound else None
    community = next((c for c in communities if str(c.pk) == str(value or "").strip()), communities[0])
    return selectors.quarter_report(community, year, quarter_no)


register(ExportSpec("party.dual_reports", _("Dual registrations (双报到)"), (
    Column("kind", _("Kind"), display("kind"), 10),
    Column("member", _("Party member"), attr("member.person.name"), 14),
    Column("unit", _("Unit"), lambda r: r.unit.name if r.unit_id else attr("member.employer.name")(r), 20),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("registered_at", _("Registered at"), attr("registered_at", None), 17, DATETIME),
    Column("status", _("Status"), display("status"), 10),
    Column("ended_at", _("Ended at"), attr("ended_at", None), 17, DATETIME),
    Column("note", _("Note"), attr("note"), 24),
), _dual_rows, filter_keys=("community", "show"), page="party:dual"))
register(ExportSpec("party.quarter", _("Dual registration quarter report (双报到)"), (
    Column("member", _("Party member"), attr("member.person.name"), 14),
    Column("employer", _("Unit"), attr("employer.name"), 20),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("registered_at", _("Registered at"), attr("registered_at", None), 17, DATETIME),
    Column("ended_at", _("Ended at"), attr("ended_at", None), 17, DATETIME),
    Column("has_account", _("Has an account"), attr("has_account", False), 10, BOOL),
    Column("count", _("Services in the quarter"), attr("count", 0), 10, NUMBER),
    Column("served", _("Served"), attr("served", False), 8, BOOL),
), lambda request: _quarter_report(request).rows, filter_keys=("community", "year", "quarter"), page="party:quarter"))


# ---------------------------------------------------------------- party: evaluations (评选)

def _evaluation_rows(request):
    """The evaluations page's rows for its filters, open ones first as the page shows them.
    Staff export; pending nominations and running vote counts only for the community's staff."""
    from party import selectors
    from party.forms import EvaluationFilterForm
    from party.workflow import EvaluationStatus

    user = request.user
    if not selectors.staff_communities(user):
        raise NotAllowed()
    form = EvaluationFilterForm(request.GET or None, communities=selectors.evaluation_communities(user))
    items = list(selectors.with_nomination_counts(selectors.evaluation_list(user, **form.filters())))
    managed = managed_community_ids(user)
    opened = [e for e in items if e.status != EvaluationStatus.CLOSED]
    closed = [e for e in items if e.status == EvaluationStatus.CLOSED]
    for e in items:
        manage = e.community_id in managed
        e.export_pending = e.n_pending if manage else None
        e.export_votes = e.n_votes if manage or e.status == EvaluationStatus.CLOSED else None
    return _sections([(_("Open"), opened), (_("Closed"), closed)])


register(ExportSpec("party.evaluations", _("Evaluations"), (
    section(_("List")),
    Column("title", _("Title"), attr("title"), 30),
    Column("kind", _("Kind"), display("kind"), 18),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("status", _("Status"), display("status"), 10),
    Column("nominate_until", _("Nominations until"), attr("nominate_until", None), 17, DATETIME),
    Column("vote_until", _("Voting until"), attr("vote_until", None), 17, DATETIME),
    Column("winners", _("Number of winners"), attr("winners", 0), 8, NUMBER),
    Column("approved", _("Nominations approved"), attr("n_approved", 0), 10, NUMBER),
    Column("pending", _("Nominations waiting for review"), attr("export_pending", None), 10, NUMBER),
    Column("votes", _("Votes cast"), attr("export_votes", None), 8, NUMBER),
    Column("award_points", _("Points for each winner"), attr("award_points", 0), 8, NUMBER),
    Column("created_at", _("Started at"), attr("created_at", None), 17, DATETIME),
    Column("closed_at", _("Closed at"), attr("closed_at", None), 17, DATETIME),
), _evaluation_rows, filter_keys=("q", "status", "kind", "community"), page="party:evaluations"))


def _nomination_rows(request):
    """One evaluation's nominations as its page lists them to this user (all of them for the
    community's staff; approved and their own for others), for staff only."""
    from party import selectors
    from party.workflow import NominationStatus

    user = request.user
    if not selectors.staff_communities(user):
        raise NotAllowed()
    evaluation = selectors.get_evaluation(user, request.GET.get("evaluation", ""))
    see_counts = selectors.evaluation_abilities(user, evaluation).see_counts
    nominations = selectors.nominations_for(user, evaluation)
    for n in nominations:
        n.export_votes = n.vote_count if see_counts else None
    return _sections([(label, [n for n in nominations if n.status == status]) for status, label in
                      ((NominationStatus.APPROVED, _("Nominees")), (NominationStatus.PENDING, _("Pending review")),
                       (NominationStatus.REJECTED, _("Rejected")))])


def _nominee_reveal(user, nomination) -> bool:
    return nomination.evaluation.community_id in managed_community_ids(user)


def _party_staff(user) -> bool:
    from party import selectors

    return bool(selectors.staff_communities(user))


register(ExportSpec("party.nominations", _("Nominations"), (
    section(_("List")),
    Column("name", _("Nominee"), attr("person.name"), 14),
    Column("building", _("Building"), attr("person.household.building"), 18),
    Column("phone", _("Phone"), attr("person.phone"), 15, PHONE),
    Column("reason", _("Reason"), attr("reason"), 40),
    Column("status", _("Status"), display("status"), 10),
    Column("votes", _("Votes"), attr("export_votes", None), 8, NUMBER),
    Column("created_at", _("Nominated at"), attr("created_at", None), 17, DATETIME),
    Column("reviewed_at", _("Reviewed at"), attr("reviewed_at", None), 17, DATETIME),
    Column("review_note", _("Review note"), attr("review_note"), 20),
), _nomination_rows, filter_keys=("evaluation",), reveal=_nominee_reveal, may_reveal=_party_staff,
    page="party:evaluation"))


# ---------------------------------------------------------------- the figures page

class FigureRow:
    """One number of the figures page: which table, which row, which figure."""

    def __init__(self, table, row, figure, value, *, rate: bool = False, definition: str = ""):
        self.table, self.row, self.figure, self.value = str(table), str(row), str(figure), value
        self.unit = "%" if rate else ""
        self.definition = str(definition)


def _figure_rows(request):
    from insights import figures, selectors
    from insights.forms import DEFAULT_PERIOD, FiguresForm, period_dates

    user = request.user
    if not selectors.can_see_figures(user):
        raise NotFound()
    regions = selectors.scope_regions(user)
    units = list(selectors.scope_units(user))
    form = FiguresForm(request.GET or None, regions=regions, units=units)
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    choice = data.get("period") or DEFAULT_PERIOD
    if form.is_bound and form.non_field_errors():
        choice = DEFAULT_PERIOD
    region = form.regions.get(data.get("scope"))
    unit = form.units.get(data.get("unit"))
    now = timezone.now()
    today = timezone.localtime(now).date()
    first, last = period_dates(choice, today, data.get("start"), data.get("end"))
    appeals = selectors.scoped_appeals(user, region=region, unit=unit)
    period = figures.make_period(first, last + dt.timedelta(days=1), now)
    values = figures.compute(appeals, period, unit=unit)
    overview = gettext("Overview %(first)s – %(last)s") % {"first": first, "last": last}
    for v in values.values():
        yield FigureRow(overview, v.figure.label, v.figure.label, v.value, rate=v.is_rate,
                        definition=v.figure.definition)
    for breakdown in (figures.by_category(appeals, period), figures.by_channel(appeals, period),
                      figures.by_community(appeals, period), figures.by_unit(appeals, period, unit)):
        for row in breakdown.rows:
            for cell in row.cells:
                yield FigureRow(breakdown.title, row.label, cell.figure.label, cell.value, rate=cell.is_rate)
    for week in figures.by_week(appeals, until=min(last, today), now=now):
        for cell in (week.received, week.closed):
            yield FigureRow(gettext("By week"), week.start.isoformat(), cell.figure.label, cell.value)
    if not unit:
        for sec in figures.service_sections(selectors.community_ids(user, region), period):
            for fig in sec["figures"]:
                yield FigureRow(sec["title"], fig.get("label", fig["key"]), fig.get("label", fig["key"]),
                                fig["value"], rate=bool(fig.get("is_rate")), definition=fig.get("definition", ""))


# ---------------------------------------------------------------- the dashboard's lists

DASHBOARD_FILTERS = ("period", "start", "end", "scope", "unit")


def _dashboard_scope(request):
    """The dashboard's own scope and period for the same query string."""
    from insights import dashboard, selectors

    if not selectors.can_see_figures(request.user):
        raise NotFound()
    return dashboard.choose(request.user, request.GET)


def _dashboard_overdue_rows(request):
    from insights import dashboard

    scope = _dashboard_scope(request)
    return dashboard.overdue_appeals(scope.appeals, scope.period)


def _dashboard_supervised_rows(request):
    """Each open supervision notice as its appeal's row, with the notice's kind, time and unit."""
    from insights import dashboard

    for notice in dashboard.open_supervisions(_dashboard_scope(request).appeals).iterator(chunk_size=2000):
        appeal = notice.appeal
        appeal.export_supervision = notice.get_kind_display()
        appeal.export_since = notice.created_at
        appeal.export_supervised_unit = notice.unit.name if notice.unit_id else ""
        yield appeal


register(ExportSpec("insights.overdue", _("Overdue appeals"), _appeal_columns(), _dashboard_overdue_rows,
                    filter_keys=DASHBOARD_FILTERS, reveal=_appeal_reveal, may_reveal=_appeal_may_reveal,
                    page="insights:dashboard"))
register(ExportSpec("insights.supervised", _("Supervised appeals (督办)"), _appeal_columns((
    Column("supervision", _("Supervision"), attr("export_supervision"), 12),
    Column("supervised_since", _("Supervised since"), attr("export_since", None), 17, DATETIME),
    Column("supervised_unit", _("Supervised unit"), attr("export_supervised_unit"), 16),
)), _dashboard_supervised_rows, filter_keys=DASHBOARD_FILTERS, reveal=_appeal_reveal, may_reveal=_appeal_may_reveal,
                    page="insights:dashboard"))


register(ExportSpec("insights.figures", _("Figures"), (
    Column("table", _("Table"), attr("table"), 18),
    Column("row", _("Row"), attr("row"), 20),
    Column("figure", _("Figure"), attr("figure"), 22),
    Column("value", _("Value"), attr("value", None), 10, NUMBER),
    Column("unit", _("Unit of measure"), attr("unit"), 6),
    Column("definition", _("Definition"), attr("definition"), 60),
), _figure_rows, filter_keys=("period", "start", "end", "scope", "unit"), page="insights:figures"))




# ---------------------------------------------------------------- briefings (工作简报)

def _briefing_rows(request):
    """The briefings page's list for its kind filter, for those who may see the figures."""
    from insights import selectors
    from insights.briefings import briefing_list

    if not selectors.can_see_figures(request.user):
        raise NotAllowed()
    return briefing_list(request.user, kind=request.GET.get("kind", ""))


def _summary(key):
    return lambda b: (b.summary or {}).get(key)


register(ExportSpec("insights.briefings", _("Work briefings"), (
    Column("kind", _("Briefing"), display("kind"), 10),
    Column("title", _("Title"), attr("title"), 36),
    Column("area", _("Area or unit"), attr("scope.name"), 16),
    Column("period_start", _("From"), attr("period_start", None), 12, DATE),
    Column("period_end", _("To"), attr("last_day", None), 12, DATE),
    Column("version", _("Version"), attr("version", 1), 8, NUMBER),
    Column("received", _("Received"), _summary("received"), 10, NUMBER),
    Column("overdue", _("Overdue now"), _summary("overdue"), 10, NUMBER),
    Column("generated_by", _("Made by"),
           lambda b: b.generated_by.display_name if b.generated_by_id else gettext("the schedule"), 14),
    Column("created_at", _("Made at"), attr("created_at", None), 17, DATETIME),
), _briefing_rows, filter_keys=("kind",), page="insights:briefings"))


# ---------------------------------------------------------------- deliberation (议事协商)

def _matter_list_rows(request):
    from deliberation import selectors
    from deliberation.workflow import Status

    user = request.user
    tab = request.GET.get("tab", "all")
    qs = selectors.visible_matters(user).select_related("community", "grid").prefetch_related("tasks")
    if tab == "mine":
        qs = selectors.filter_matters(qs, mine_user=user)
    elif tab == "closed":
        qs = qs.filter(status=Status.CLOSED)
    else:
        qs = qs.exclude(status__in=[Status.MERGED, Status.DECLINED])
    for matter in qs.order_by("-created_at", "-id").iterator(chunk_size=500):
        matter.export_progress = selectors.progress(matter)
        yield matter


def _matter_workbench_rows(request):
    from deliberation import selectors

    if not (selectors.is_any_staff(request.user) or user_scopes(request.user).is_admin):
        raise NotFound()
    queues = selectors.workbench(request.user)
    return _sections([(_("To sort"), queues["to_sort"]), (_("To accept"), queues["to_accept"]),
                      (_("Waiting for a meeting"), queues["waiting_meeting"]), (_("Scheduled"), queues["scheduled"]),
                      (_("Small matters in hand"), queues["small_open"]), (_("In action"), queues["in_action"])])


def _matter_columns(extra_first=()):
    return (*extra_first,
            Column("number", _("Number"), attr("number"), 18),
            Column("title", _("Title"), attr("title"), 30),
            Column("source", _("Source"), display("source"), 12),
            Column("community", _("Community"), attr("community.name"), 14),
            Column("size", _("Size"), display("size"), 8),
            Column("status", _("Status"), display("status"), 12),
            Column("raiser", _("Raised by"), attr("raiser_name"), 12),
            Column("cosigns", _("Co-signatures"), attr("cosign_count", 0), 8, NUMBER),
            Column("progress", _("Progress (%)"), attr("export_progress", None), 8, NUMBER),
            Column("satisfaction", _("Satisfaction"), display("satisfaction"), 10),
            Column("created_at", _("Raised at"), attr("created_at", None), 17, DATETIME))


register(ExportSpec("deliberation.matters", _("Deliberation matters (议事)"), _matter_columns(), _matter_list_rows,
                    filter_keys=("tab",), page="deliberation:list"))
register(ExportSpec("deliberation.workbench", _("Deliberation workbench"), _matter_columns((section(_("Queue")),)),
                    _matter_workbench_rows, page="deliberation:workbench"))


def _meeting_rows(request):
    """The meetings page's rows for its filters; only staff export them (residents see, not export)."""
    from deliberation import selectors
    from deliberation.forms import MeetingFilterForm

    user = request.user
    if not (selectors.is_any_staff(user) or user_scopes(user).is_admin):
        raise NotAllowed()
    form = MeetingFilterForm(request.GET or None, communities=selectors.meeting_communities(user))
    return selectors.with_meeting_counts(selectors.meeting_list(user, **form.filters()))


register(ExportSpec("deliberation.meetings", _("Deliberation meetings (联席议事)"), (
    Column("starts_at", _("Starts at"), attr("starts_at", None), 17, DATETIME),
    Column("title", _("Title"), attr("title"), 30),
    Column("kind", _("Kind"), display("kind"), 16),
    Column("status", _("Status"), display("status"), 10),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("where", _("Place"), attr("where"), 24),
    Column("host", _("Host"), attr("host"), 12),
    Column("recorder", _("Recorder"), attr("recorder"), 12),
    Column("items", _("Matters on the agenda"), attr("n_items", 0), 10, NUMBER),
    Column("invited", _("Parties invited"), attr("n_invited", 0), 10, NUMBER),
    Column("attended", _("Parties present"), attr("n_attended", 0), 10, NUMBER),
    Column("held_at", _("Held at"), attr("held_at", None), 17, DATETIME),
    Column("cancel_reason", _("Reason for cancelling"), attr("cancel_reason"), 24),
), _meeting_rows, filter_keys=("q", "status", "kind", "community"), page="deliberation:meetings"))


# ---------------------------------------------------------------- mediation (矛盾调解): parties masked

def _dispute_rows(request):
    from mediation import selectors

    user = request.user
    if not selectors.can_record(user) and not selectors.visible_disputes(user).exists():
        raise NotFound()
    queues = selectors.workbench_queues(user, community=request.GET.get("community", ""),
                                        risk=request.GET.get("risk", ""))
    pairs = [(_("High-risk alerts"), queues["alerts"]), (_("Open disputes"), queues["open"]),
             (_("Follow-up visits due"), queues["follow_ups"]), (_("Waiting for partner feedback"), queues["referrals"])]
    for title, qs in pairs:
        for chunk in _chunked(qs.prefetch_related("parties").iterator(chunk_size=500), 500):
            for dispute in chunk:
                dispute.export_section = str(title)
                yield dispute


def _party_values(field):
    return lambda d: [getattr(p, field) for p in d.parties.all()]


def _dispute_reveal(user, dispute) -> bool:
    from mediation import selectors

    return selectors.can_reveal_phone(user, dispute)


def _dispute_may_reveal(user) -> bool:
    from mediation import selectors

    return selectors.can_record(user)


register(ExportSpec("mediation.disputes", _("Disputes"), (
    section(_("Queue")),
    Column("number", _("Number"), attr("number"), 18),
    Column("title", _("Title"), attr("title"), 30),
    Column("type", _("Type"), display("dispute_type"), 12),
    Column("source", _("Source"), display("source"), 12),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("grid", _("Grid"), attr("grid.name"), 16),
    Column("status", _("Status"), display("status"), 12),
    Column("risk", _("Risk"), display("risk_level"), 8),
    Column("parties", _("Parties"), _party_values("name"), 20, NAME),
    Column("party_phones", _("Parties' phones"), _party_values("phone"), 28, PHONE),
    Column("created_at", _("Recorded at"), attr("created_at", None), 17, DATETIME),
    Column("follow_up_due", _("Follow-up due"), attr("follow_up_due", None), 12, DATE),
    Column("closed_at", _("Closed at"), attr("closed_at", None), 17, DATETIME),
), _dispute_rows, filter_keys=("community", "risk"), reveal=_dispute_reveal, may_reveal=_dispute_may_reveal,
    page="mediation:workbench"))


# ---------------------------------------------------------------- visits (走访): care subjects, visits, knocks

def _visits_user(request):
    from visits import selectors

    if not selectors.can_use(request.user):
        raise NotFound()
    return selectors


def _subject_rows(request):
    selectors = _visits_user(request)
    user = request.user
    mine = selectors.is_grid_worker(user) and request.GET.get("all") != "1"
    lists = selectors.due_lists(user, mine_only=mine)
    return _sections([(_("Overdue"), lists["overdue"]), (_("Due this week"), lists["due"]), (_("Later"), lists["later"])])


def _subject_reveal(user, subject) -> bool:
    from visits import selectors

    return selectors.can_reveal(user, subject)


def _subject_of(row):
    return getattr(row, "subject", row)


def _visits_may_reveal(user) -> bool:
    from visits import selectors

    return selectors.can_use(user)


def _visit_rows(request):
    selectors = _visits_user(request)
    subject = selectors.get_subject(request.user, request.GET.get("subject", ""))
    return selectors.subject_visits(subject).select_related("subject__person")


def _knock_rows(request):
    selectors = _visits_user(request)
    campaign = selectors.get_campaign(request.user, request.GET.get("campaign", ""))
    return selectors.campaign_knocks(campaign).order_by("household__building__id", "household__room", "id")


register(ExportSpec("visits.subjects", _("Care subjects"), (
    section(_("Due")),
    Column("name", _("Name"), attr("person.name"), 12),
    Column("phone", _("Phone"), attr("person.phone"), 15, PHONE),
    Column("id_number", _("ID number"), attr("person.id_number"), 21, ID_NUMBER),
    Column("tags", _("Care tags"), names("tags"), 20),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("grid", _("Grid"), attr("grid.name"), 16),
    Column("address", _("Address"), lambda s: f"{s.household.building.estate.name}{s.household.building.number}"
           f"{s.household.room}" if s.household_id else "", 24),
    Column("responsible", _("Responsible"), attr("responsible.display_name"), 12),
    Column("status", _("Status"), display("status"), 10),
    Column("next_due", _("Next visit due"), attr("next_due", None), 12, DATE),
    Column("last_visit_at", _("Last visit"), attr("last_visit_at", None), 17, DATETIME),
), _subject_rows, filter_keys=("all",), reveal=_subject_reveal, may_reveal=_visits_may_reveal, page="visits:due"))
register(ExportSpec("visits.visits", _("Visits"), (
    Column("name", _("Name"), attr("subject.person.name"), 12),
    Column("visited_at", _("Visited at"), attr("visited_at", None), 17, DATETIME),
    Column("mode", _("Mode"), display("mode"), 8),
    Column("visitor", _("Visitor"), attr("visitor_name"), 12),
    Column("on_time", _("On time"), attr("on_time", False), 8, BOOL),
    Column("due_on", _("Due on"), attr("due_on", None), 12, DATE),
    Column("next_due", _("Next visit due"), attr("next_due", None), 12, DATE),
    Column("findings", _("Findings"), attr("findings"), 40),
), _visit_rows, filter_keys=("subject",), page="visits:subject"))
register(ExportSpec("visits.knocks", _("Door-knocking drive (敲门行动) households"), (
    Column("estate", _("Estate"), attr("household.building.estate.name"), 16),
    Column("building", _("Building"), attr("household.building.number"), 10),
    Column("room", _("Room"), attr("household.room"), 8),
    Column("grid", _("Grid"), attr("household.building.grid.name"), 16),
    Column("result", _("Result"), display("result"), 12),
    Column("attempts", _("Attempts"), attr("attempts", 0), 8, NUMBER),
    Column("knocked_by", _("Knocked by"), attr("knocked_by.display_name"), 12),
    Column("knocked_at", _("Knocked at"), attr("knocked_at", None), 17, DATETIME),
    Column("note", _("Note"), attr("note"), 30),
), _knock_rows, filter_keys=("campaign",), page="visits:campaign"))


def _campaign_rows(request):
    """The drives page's rows for its filters, for the grid workers and staff who see that page."""
    from visits import selectors
    from visits.forms import CampaignFilterForm

    user = request.user
    if not selectors.can_use(user):
        raise NotAllowed()
    form = CampaignFilterForm(request.GET or None, communities=selectors.campaign_communities(user))
    for campaign in selectors.campaign_list(user, **form.filters()).iterator(chunk_size=500):
        campaign.coverage = selectors.coverage(campaign.n_knocked, campaign.n_households)
        yield campaign


register(ExportSpec("visits.campaigns", _("Door-knocking drives (敲门行动)"), (
    Column("title", _("Title"), attr("title"), 30),
    Column("community", _("Community"), attr("community.name"), 14),
    Column("grid", _("Grid"), attr("grid.name"), 16),
    Column("target", _("Households"), display("target"), 14),
    Column("starts_on", _("Starts on"), attr("starts_on", None), 12, DATE),
    Column("ends_on", _("Ends on"), attr("ends_on", None), 12, DATE),
    Column("status", _("Status"), display("status"), 10),
    Column("households", _("Households to knock"), attr("n_households", 0), 10, NUMBER),
    Column("knocked", _("Knocked"), attr("n_knocked", 0), 10, NUMBER),
    Column("coverage", _("Coverage (%)"), attr("coverage", None), 10, NUMBER),
    Column("to_revisit", _("To revisit (nobody home)"), attr("n_nobody", 0), 10, NUMBER),
    Column("started_at", _("Started at"), attr("started_at", None), 17, DATETIME),
    Column("finished_at", _("Finished at"), attr("finished_at", None), 17, DATETIME),
), _campaign_rows, filter_keys=("q", "status", "community"), page="visits:campaigns"))


def _overview_rows(request):
    """The overview page's table: one row per grid the staff supervise (no personal data)."""
    from types import SimpleNamespace

    from visits import selectors

    if not selectors.is_staff(request.user):
        raise NotAllowed()
    return [SimpleNamespace(**row) for row in selectors.overview(request.user)]


register(ExportSpec("visits.overview", _("Visits and patrols"), (
    Column("community", _("Community"), attr("grid.parent.name"), 14),
    Column("grid", _("Grid"), attr("grid.name"), 16),
    Column("subjects", _("People under care"), attr("subjects", 0), 10, NUMBER),
    Column("overdue", _("Overdue"), attr("overdue", 0), 8, NUMBER),
    Column("due", _("Due this week"), attr("due", 0), 8, NUMBER),
    Column("visits_month", _("Visits this month"), attr("visits_month", 0), 10, NUMBER),
    Column("patrols_today", _("Patrols today"), attr("patrols_today", 0), 10, NUMBER),
    Column("on_patrol", _("On patrol now"), attr("on_patrol", 0), 10, NUMBER),
), _overview_rows, page="visits:overview"))


# ---------------------------------------------------------------- places (服务阵地)

def _place_rows(request):
    from places import selectors

    if not selectors.is_place_staff(request.user):
        raise NotFound()
    get = request.GET
    return selectors.filter_places(selectors.manageable_places(request.user), region=(get.get("region") or "")[:20],
                                   kind=get.get("kind") or "", state=get.get("state") or "",
                                   q=(get.get("q") or "").strip()[:50])


register(ExportSpec("places.places", _("Service points"), (
    Column("name", _("Name"), attr("name"), 24),
    Column("kind", _("Kind"), display("kind"), 14),
    Column("region", _("Area"), attr("region.name"), 14),
    Column("address", _("Address"), attr("address"), 30),
    Column("phone", _("Public phone"), attr("phone"), 15),
    Column("contact", _("Contact"), attr("contact_name"), 12),
    Column("amenities", _("Amenities"), lambda p: "、".join(a.get_amenity_display() for a in p.amenities.all()), 24),
    Column("is_public", _("On the public map"), attr("is_public", False), 8, BOOL),
    Column("is_active", _("Active"), attr("is_active", False), 8, BOOL),
    Column("lng", _("Longitude"), attr("lng", None), 11, NUMBER),
    Column("lat", _("Latitude"), attr("lat", None), 11, NUMBER),
    Column("hours_note", _("Opening hours note"), attr("hours_note"), 20),
), _place_rows, filter_keys=("region", "kind", "state", "q"), page="places:manage"))


# ---------------------------------------------------------------- integrations: imports and the export log

def _import_rows(request):
    """The import page's jobs (the page shows the latest 20, the export every one the user sees:
    their own, or all for administrators), for staff who may import."""
    from .imports.selectors import allowed_kinds, visible_jobs

    if not allowed_kinds(request.user):
        raise NotAllowed()
    return visible_jobs(request.user)


def _import_error_rows(request):
    """One import's rows with errors, as its page lists them (phones and ID numbers in the
    messages are masked when stored), for whoever may see that import."""
    from types import SimpleNamespace

    from .imports.selectors import get_job

    job = get_job(request.user, request.GET.get("job", ""))
    return [SimpleNamespace(job=job.pk, file_name=job.file_name, row=e.get("row", ""), column=e.get("column", ""),
                            message=e.get("message", "")) for e in job.errors]


register(ExportSpec("integrations.import_errors", _("Import: rows with errors"), (
    Column("file_name", _("File"), attr("file_name"), 30),
    Column("row", _("Row"), attr("row"), 8),
    Column("column", _("Column"), attr("column"), 16),
    Column("message", _("Problem"), attr("message"), 60),
), _import_error_rows, filter_keys=("job",), page="integrations:imports"))


register(ExportSpec("integrations.imports", _("Imports"), (
    Column("created_at", _("Uploaded at"), attr("created_at", None), 17, DATETIME),
    Column("kind", _("Kind"), display("kind"), 16),
    Column("file_name", _("File"), attr("file_name"), 30),
    Column("by", _("By"), attr("created_by_name"), 12),
    Column("status", _("Status"), display("status"), 14),
    Column("rows", _("Rows"), attr("total", 0), 8, NUMBER),
    Column("clean", _("Clean rows"), attr("valid", 0), 8, NUMBER),
    Column("errors", _("Rows with errors"), attr("error_count", 0), 8, NUMBER),
    Column("created", _("Created"), attr("created", 0), 8, NUMBER),
    Column("updated", _("Updated"), attr("updated", 0), 8, NUMBER),
    Column("finished_at", _("Finished at"), attr("finished_at", None), 17, DATETIME),
    Column("message", _("Message"), attr("message"), 30),
), _import_rows, filter_keys=(), page="integrations:imports"))


def _export_log_rows(request):
    """The export log page's rows for its list filter: the same people who see the log
    (staff: their own exports; administrators: every one)."""
    from .selectors import export_log_list

    if not user_scopes(request.user).is_staff_member:
        raise NotAllowed()
    return export_log_list(request.user, list_name=request.GET.get("list", ""))


def _list_title(log) -> str:
    from .exports import REGISTRY

    spec = REGISTRY.get(log.list_name)
    return str(spec.title) if spec is not None else log.list_name


def _log_filters(log) -> str:
    return "; ".join(f"{key}={value}" for key, value in (log.filters or {}).items())


register(ExportSpec("integrations.export_log", _("Export log"), (
    Column("created_at", _("Exported at"), attr("created_at", None), 17, DATETIME),
    Column("user", _("User"), attr("user_name"), 14),
    Column("list", _("List"), _list_title, 24),
    Column("list_name", _("List code"), attr("list_name"), 22),
    Column("filters", _("Filters"), _log_filters, 30),
    Column("rows", _("Rows"), attr("row_count", 0), 8, NUMBER),
    Column("masked", _("Personal data masked"), attr("masked", True), 10, BOOL),
    Column("full_rows", _("Rows with full personal data"), attr("full_rows", 0), 10, NUMBER),
    Column("full_fields", _("Fields exported in full"), lambda log: "、".join(log.full_fields or []), 16),
), _export_log_rows, filter_keys=("list",), page="integrations:export_log"))
