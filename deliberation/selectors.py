"""Reads of deliberation: who may see and do what, progress, queues, figures."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.selectors import home_community, managed_community_ids, user_scopes
from core.errors import NotFound
from party.models import PartyMember, PartyPost
from regions.models import Region

from .models import Check, Decision, Matter, MatterRating, Meeting, Task
from .workflow import (
    CHECK_STATES,
    COSIGN_STATES,
    INDIRECT_ACTIONS,
    OPEN_STATES,
    SMALL_STEPS,
    STEPS,
    SYSTEM_ACTIONS,
    TASK_TRANSITIONS,
    TRANSITIONS,
    Action,
    MatterRole,
    MeetingKind,
    MeetingStatus,
    Size,
    Status,
    TaskAction,
    TaskRole,
    TaskStatus,
)

_SENIORITY = [MatterRole.STAFF, MatterRole.BRANCH, MatterRole.CONTACT, MatterRole.RAISER, MatterRole.MEMBER,
              MatterRole.RESIDENT, MatterRole.SYSTEM]


# ---------------------------------------------------------------- people

def is_staff_for(user, community_id) -> bool:
    return community_id is not None and community_id in managed_community_ids(user)


def is_any_staff(user) -> bool:
    return bool(managed_community_ids(user))


def _org_in_community_q(community_id, prefix: str = "org__") -> Q:
    """Party orgs linked to a community: its own, its grids', its buildings' and estates'."""
    p = prefix
    return (Q(**{f"{p}region_id": community_id}) | Q(**{f"{p}region__parent_id": community_id})
            | Q(**{f"{p}building__grid__parent_id": community_id}) | Q(**{f"{p}estate__community_id": community_id}))


def community_members(community_id) -> QuerySet[PartyMember]:
    """Party members of the community: of its party orgs, or living there."""
    return PartyMember.objects.filter(
        _org_in_community_q(community_id) | Q(person__household__building__grid__parent_id=community_id)).distinct()


def member_of(user) -> PartyMember | None:
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    if person is None:
        return None
    return PartyMember.objects.filter(person=person).first()


def is_member_for(user, community_id) -> bool:
    member = member_of(user)
    return member is not None and community_members(community_id).filter(pk=member.pk).exists()


def is_branch_for(user, community_id) -> bool:
    """Holds a post (书记, 委员 …) in one of the community's party orgs."""
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    if person is None:
        return False
    return PartyPost.objects.filter(Q(person=person) & _org_in_community_q(community_id)).exists()


def lives_in(user, community_id) -> bool:
    home = home_community(user)
    return home is not None and home.pk == community_id


def matter_roles(user, matter: Matter) -> set[str]:
    roles: set[str] = set()
    if user is None or not user.is_authenticated:
        return roles
    if is_staff_for(user, matter.community_id) or user_scopes(user).is_admin:
        roles.add(MatterRole.STAFF)
    if matter.raiser_id == user.pk:
        roles.add(MatterRole.RAISER)
    if is_branch_for(user, matter.community_id):
        roles.add(MatterRole.BRANCH)
    member = member_of(user)
    if member is not None:
        if matter.contact_member_id == member.pk:
            roles.add(MatterRole.CONTACT)
        if community_members(matter.community_id).filter(pk=member.pk).exists():
            roles.add(MatterRole.MEMBER)
    if lives_in(user, matter.community_id):
        roles.add(MatterRole.RESIDENT)
    return roles


def permitted_role(user, matter: Matter, action) -> str | None:
    action = Action(action)
    if action in SYSTEM_ACTIONS:
        return None
    transition = TRANSITIONS[action]
    if matter.status not in transition.sources:
        return None
    roles = matter_roles(user, matter) & transition.roles
    for role in _SENIORITY:
        if role in roles:
            return role
    return None


def available_actions(matter: Matter, user) -> list[Action]:
    """The buttons of the matter page (schedule, decide and start are done on meetings and tasks)."""
    return [a for a in TRANSITIONS if a not in SYSTEM_ACTIONS and a not in INDIRECT_ACTIONS
            and permitted_role(user, matter, a)]


# ---------------------------------------------------------------- matters the user may see

def visible_matters(user) -> QuerySet[Matter]:
    """Staff: their communities'. Everyone else: their own, those they co-signed,
    and every matter of the community they live in (progress is public to
    neighbours); party members also their communities'; unit handlers the
    matters their unit has a task on."""
    if user is None or not user.is_authenticated:
        return Matter.objects.none()
    if user_scopes(user).is_admin:
        return Matter.objects.all()
    q = Q(raiser=user) | Q(raised_by=user) | Q(cosigns__user=user)
    managed = managed_community_ids(user)
    if managed:
        q |= Q(community_id__in=managed)
    home = home_community(user)
    if home is not None:
        q |= Q(community_id=home.pk)
    scopes = user_scopes(user)
    grids = scopes.regions(Role.GRID_WORKER, Region.Level.GRID)
    if grids:
        q |= Q(community__children__in=grids)
    if scopes.units:
        q |= Q(tasks__owner_unit_id__in=scopes.units)
    q |= Q(tasks__owner_user=user)
    member = member_of(user)
    if member is not None:
        q |= Q(contact_member=member)
        org = member.org
        ids = {org.region_id} if org.region_id else set()
        if org.region_id and org.region.level == Region.Level.GRID:
            ids.add(org.region.parent_id)
        if org.building_id:
            ids.add(org.building.grid.parent_id)
        if org.estate_id:
            ids.add(org.estate.community_id)
        q |= Q(community_id__in=ids)
    return Matter.objects.filter(pk__in=Matter.objects.filter(q).values("pk"))


def get_matter(user, pk) -> Matter:
    if not str(pk).isdigit():
        raise NotFound()
    matter = visible_matters(user).filter(pk=pk).select_related(
        "community", "grid", "raiser", "contact_member__person", "merged_into", "source_appeal").first()
    if matter is None:
        raise NotFound()
    return matter


def filter_matters(qs, *, status: str = "", size: str = "", community: str = "", q: str = "", mine_user=None):
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if size in Size.values:
        qs = qs.filter(size=size)
    if community:
        qs = qs.filter(community__code=community)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(content__icontains=q))
    if mine_user is not None:
        qs = qs.filter(Q(raiser=mine_user) | Q(cosigns__user=mine_user)).distinct()
    return qs


def timeline(matter: Matter):
    return matter.events.select_related("actor").order_by("at", "id")


# ---------------------------------------------------------------- progress

def progress(matter: Matter) -> int | None:
    """Mean of the live tasks' progress (done = 100); None before there are tasks."""
    tasks = [t for t in matter.tasks.all() if t.status != TaskStatus.CANCELLED]
    if not tasks:
        return 100 if matter.status == Status.CLOSED and matter.size == Size.SMALL else None
    return round(sum(t.shown_progress for t in tasks) / len(tasks))


def steps(matter: Matter) -> dict:
    """The progress bar: each step done / current, and whether the loop stopped."""
    table = SMALL_STEPS if matter.size == Size.SMALL else STEPS
    current = matter.step
    closed = matter.status == Status.CLOSED
    stopped = matter.status in (Status.MERGED, Status.DECLINED)
    return {
        "steps": [{"n": n, "label": label, "done": n < current or closed and n <= current,
                   "current": n == current and not closed and not stopped} for n, label in table],
        "stopped": stopped, "closed": closed, "current": current, "size": matter.size,
    }


def can_cosign(user, matter: Matter) -> bool:
    if user is None or not user.is_authenticated or matter.status not in COSIGN_STATES:
        return False
    if matter.raiser_id == user.pk:
        return False
    return not matter.cosigns.filter(user=user).exists()


def can_rate(user, matter: Matter) -> bool:
    """Big matters in the rating step: residents of the community, the raiser and co-signers, once per round."""
    if user is None or not user.is_authenticated or matter.status != Status.RATING:
        return False
    if MatterRating.objects.filter(matter=matter, round=matter.round, user=user).exists():
        return False
    return is_rater(user, matter)


def is_rater(user, matter: Matter) -> bool:
    return (matter.raiser_id == user.pk or lives_in(user, matter.community_id)
            or matter.cosigns.filter(user=user).exists())


def can_check(user, matter: Matter) -> bool:
    if user is None or not user.is_authenticated or matter.status not in CHECK_STATES:
        return False
    return member_of(user) is not None and bool(
        matter_roles(user, matter) & {MatterRole.MEMBER, MatterRole.CONTACT, MatterRole.BRANCH})


def round_ratings(matter: Matter, round_no: int | None = None) -> dict:
    rows = MatterRating.objects.filter(matter=matter, round=round_no or matter.round).values("satisfaction").annotate(
        n=Count("id"))
    return {r["satisfaction"]: r["n"] for r in rows}


def checks_this_round(matter: Matter) -> int:
    return Check.objects.filter(matter=matter, round=matter.round).count()


# ---------------------------------------------------------------- tasks

def task_roles(user, task: Task) -> set[str]:
    roles: set[str] = set()
    if user is None or not user.is_authenticated:
        return roles
    if is_staff_for(user, task.matter.community_id) or user_scopes(user).is_admin:
        roles.add(TaskRole.STAFF)
    if task.owner_user_id == user.pk or task.owner_unit_id and task.owner_unit_id in user_scopes(user).units:
        roles.add(TaskRole.OWNER)
    return roles


def task_permitted_role(user, task: Task, action) -> str | None:
    transition = TASK_TRANSITIONS[TaskAction(action)]
    if task.status not in transition.sources:
        return None
    for role in (TaskRole.STAFF, TaskRole.OWNER):
        if role in transition.roles and role in task_roles(user, task):
            return role
    return None


def task_actions(task: Task, user) -> list[TaskAction]:
    return [a for a in TASK_TRANSITIONS if task_permitted_role(user, task, a)]


def visible_tasks(user) -> QuerySet[Task]:
    if user is None or not user.is_authenticated:
        return Task.objects.none()
    if user_scopes(user).is_admin:
        return Task.objects.all()
    q = Q(owner_user=user) | Q(matter__community_id__in=managed_community_ids(user))
    units = user_scopes(user).units
    if units:
        q |= Q(owner_unit_id__in=units)
    return Task.objects.filter(q)


def get_task(user, pk) -> Task:
    if not str(pk).isdigit():
        raise NotFound()
    task = visible_tasks(user).filter(pk=pk).select_related("matter__community", "owner_unit", "owner_user",
                                                              "appeal").first()
    if task is None:
        raise NotFound()
    return task


def can_whistle(user, task: Task) -> bool:
    """Street staff, or community staff asking the street, may turn an open unit task into an appeal."""
    return (task.status == TaskStatus.OPEN and task.appeal_id is None and task.owner_unit_id is not None
            and task.matter.status in (Status.IN_ACTION, Status.DECIDED)
            and TaskRole.STAFF in task_roles(user, task))


# ---------------------------------------------------------------- meetings

def visible_meetings(user) -> QuerySet[Meeting]:
    """Staff: their communities' meetings. Residents and members: their community's."""
    if user is None or not user.is_authenticated:
        return Meeting.objects.none()
    if user_scopes(user).is_admin:
        return Meeting.objects.all()
    ids = set(managed_community_ids(user))
    home = home_community(user)
    if home is not None:
        ids.add(home.pk)
    q = Q(community_id__in=ids) | Q(invitations__user=user)
    return Meeting.objects.filter(pk__in=Meeting.objects.filter(q).values("pk"))


def filter_meetings(qs, *, status: str = "", kind: str = "", community: str = "", q: str = "") -> QuerySet[Meeting]:
    """The meetings list's filters; an unknown value filters nothing (never an error)."""
    if status in MeetingStatus.values:
        qs = qs.filter(status=status)
    if kind in MeetingKind.values:
        qs = qs.filter(kind=kind)
    if community:
        qs = qs.filter(community__code=community)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(venue__icontains=q) | Q(host__icontains=q))
    return qs


def meeting_list(user, **filters) -> QuerySet[Meeting]:
    """The meetings page and its Excel export: the user's meetings, filtered, newest first."""
    return filter_meetings(visible_meetings(user), **filters).select_related("community", "place").order_by(
        "-starts_at", "-id")


def with_meeting_counts(qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """How many matters were on the agenda and how many invited parties came, for the export
    only: the page shows neither, so it does not pay for the agenda-by-invitations join."""
    return qs.annotate(
        n_items=Count("agenda", filter=Q(agenda__removed_at__isnull=True), distinct=True),
        n_invited=Count("invitations", distinct=True),
        n_attended=Count("invitations", filter=Q(invitations__attended=True), distinct=True),
    )


def meeting_communities(user) -> list[Region]:
    """The communities the meetings filter offers: those the user's meetings are in."""
    return list(Region.objects.filter(pk__in=visible_meetings(user).values("community_id")).order_by("code"))


def get_meeting(user, pk) -> Meeting:
    if not str(pk).isdigit():
        raise NotFound()
    meeting = visible_meetings(user).filter(pk=pk).select_related("community", "place").first()
    if meeting is None:
        raise NotFound()
    return meeting


def agenda(meeting: Meeting):
    return meeting.agenda.filter(removed_at__isnull=True).select_related("matter", "decision")


def schedulable_matters(meeting: Meeting) -> QuerySet[Matter]:
    return Matter.objects.filter(community_id=meeting.community_id, status=Status.ACCEPTED).order_by("accepted_at", "id")


def open_meetings_for(matter: Matter) -> QuerySet[Meeting]:
    return Meeting.objects.filter(community_id=matter.community_id, status=MeetingStatus.PLANNED).order_by("starts_at")


def minutes_data(meeting: Meeting) -> dict:
    """Everything the minutes document shows, in order."""
    items = list(agenda(meeting))
    invitations = list(meeting.invitations.select_related("unit"))
    tasks = list(Task.objects.filter(decision__item__meeting=meeting).select_related("owner_unit", "owner_user")
                 .order_by("deadline", "id"))
    return {"meeting": meeting, "items": items, "invitations": invitations,
            "attended": [i for i in invitations if i.attended], "absent": [i for i in invitations if i.attended is False],
            "tasks": tasks}


# ---------------------------------------------------------------- the workbench

def workbench(user, now=None) -> dict:
    now = now or timezone.now()
    qs = Matter.objects.filter(community_id__in=managed_community_ids(user)).select_related("community")
    if user_scopes(user).is_admin:
        qs = Matter.objects.all().select_related("community")
    overdue = Task.objects.filter(matter__in=qs, status=TaskStatus.OPEN, deadline__lt=timezone.localdate(now)
                                  ).select_related("matter", "owner_unit", "owner_user", "appeal")
    meetings = Meeting.objects.filter(status=MeetingStatus.PLANNED)
    if not user_scopes(user).is_admin:
        meetings = meetings.filter(community_id__in=managed_community_ids(user))
    return {
        "to_sort": list(qs.filter(status=Status.RAISED).order_by("created_at")[:50]),
        "to_accept": list(qs.filter(status=Status.REVIEWING).order_by("sorted_at")[:50]),
        "waiting_meeting": list(qs.filter(status=Status.ACCEPTED).order_by("accepted_at")[:50]),
        "scheduled": list(qs.filter(status=Status.SCHEDULED)[:50]),
        "small_open": list(qs.filter(status__in=[Status.ASSIGNED, Status.DONE]).select_related(
            "contact_member__person")[:50]),
        "in_action": list(qs.filter(status__in=[Status.DECIDED, Status.IN_ACTION, Status.CHECKING, Status.RATING])[:50]),
        "tasks_overdue": list(overdue[:50]),
        "meetings": list(meetings.select_related("place").order_by("starts_at")[:20]),
    }


# ---------------------------------------------------------------- figures

FIGURES = [
    ("raised", _("Matters raised"), _("Matters (议题) raised in the period, by residents, from appeals or by staff.")),
    ("closed", _("Matters closed"), _("Matters closed in the period after residents' rating (or a week without one).")),
    ("small_closed", _("Small matters closed"), _("Small matters done by the contact party member (包联) and closed in the period.")),
    ("big_closed", _("Big matters closed"), _("Big matters that passed all six steps and closed in the period.")),
    ("at_step_1", _("Open at step 1: raised"), _("Open big or unsorted matters now waiting to be sorted (居民提事).")),
    ("at_step_2", _("Open at step 2: branch review"), _("Big matters now with the party branch (支部理事).")),
    ("at_step_3", _("Open at step 3: deliberation"), _("Big matters now waiting for or on a meeting agenda (联席议事).")),
    ("at_step_4", _("Open at step 4: departments act"), _("Big matters now with tasks being carried out (部门办事).")),
    ("at_step_5", _("Open at step 5: supervision"), _("Big matters now with party members checking (党员监事).")),
    ("at_step_6", _("Open at step 6: residents rate"), _("Big matters now open for residents' rating (居民评事).")),
    ("meetings_held", _("Meetings held"), _("Deliberation meetings (e.g. 红色议事日) held in the period.")),
    ("decisions", _("Decisions recorded"), _("Meeting decisions recorded in the period, with their votes.")),
    ("decisions_passed", _("Decisions passed"), _("Decisions recorded in the period that passed the vote.")),
    ("tasks_whistled", _("Tasks whistled to units"), _("Tasks of matters turned into whistles to units through the appeal loop, created in the period.")),
    ("satisfaction_rate", _("Satisfaction with closed matters (%)"), _("Share of satisfied and basically satisfied ratings among the ratings given in the period; — when there are none.")),
]


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """The deliberation part of the figures page; a value of None means “no value”."""
    matters = Matter.objects.all()
    meetings = Meeting.objects.all()
    decisions = Decision.objects.all()
    tasks = Task.objects.all()
    ratings = MatterRating.objects.all()
    if community_ids is not None:
        ids = list(community_ids)
        matters = matters.filter(community_id__in=ids)
        meetings = meetings.filter(community_id__in=ids)
        decisions = decisions.filter(item__meeting__community_id__in=ids)
        tasks = tasks.filter(matter__community_id__in=ids)
        ratings = ratings.filter(matter__community_id__in=ids)

    def within(field_name):
        q = Q()
        if start is not None:
            q &= Q(**{f"{field_name}__gte": start})
        if end is not None:
            q &= Q(**{f"{field_name}__lt": end})
        return q

    closed = within("closed_at") & Q(status=Status.CLOSED)
    counts = matters.aggregate(
        raised=Count("id", filter=within("created_at")),
        closed=Count("id", filter=closed),
        small_closed=Count("id", filter=closed & Q(size=Size.SMALL)),
        big_closed=Count("id", filter=closed & Q(size=Size.BIG)),
        at_step_1=Count("id", filter=Q(status=Status.RAISED)),
        at_step_2=Count("id", filter=Q(status=Status.REVIEWING)),
        at_step_3=Count("id", filter=Q(status__in=[Status.ACCEPTED, Status.SCHEDULED])),
        at_step_4=Count("id", filter=Q(status__in=[Status.DECIDED, Status.IN_ACTION])),
        at_step_5=Count("id", filter=Q(status=Status.CHECKING)),
        at_step_6=Count("id", filter=Q(status=Status.RATING)),
    )
    values = dict(counts)
    values["meetings_held"] = meetings.filter(within("held_at") & Q(status=MeetingStatus.HELD)).count()
    d = decisions.filter(within("at")).aggregate(n=Count("id"), passed=Count("id", filter=Q(passed=True)))
    values["decisions"], values["decisions_passed"] = d["n"], d["passed"]
    values["tasks_whistled"] = tasks.filter(within("appeal__created_at") & Q(appeal__isnull=False)).count()
    r = ratings.filter(within("at")).aggregate(n=Count("id"), good=Count("id", filter=~Q(satisfaction="dissatisfied")))
    values["satisfaction_rate"] = round(100 * r["good"] / r["n"], 1) if r["n"] else None
    return [{"key": key, "label": label, "value": values[key], "definition": definition}
            for key, label, definition in FIGURES]
