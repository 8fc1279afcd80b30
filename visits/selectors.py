"""Reads of visits, always scoped to the user, and who may do what to a record
(`roles_for`, decided here once and used by services, pages and the API)."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Role as AccountRole
from accounts.selectors import user_scopes
from core.errors import NotFound
from core.records import ServiceRecord
from regions.models import Household, Region

from .models import Campaign, CareSubject, CareTag, Event, Knock, Patrol, PatrolFinding, Visit
from .workflow import (
    DUE_WINDOW_DAYS,
    TABLES,
    CampaignStatus,
    KnockResult,
    Machine,
    PatrolStatus,
    Role,
    SubjectStatus,
    schedule_status,
)


def today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now()).date()


# ---------------------------------------------------------------- who is who

def _ids(user) -> dict[str, set[int]]:
    """The user's grids (as grid worker), communities (as community staff) and streets (as street staff)."""
    cached = getattr(user, "_visits_ids", None)
    if cached is None:
        scopes = user_scopes(user)
        cached = {
            "grids": scopes.regions(AccountRole.GRID_WORKER, Region.Level.GRID),
            "communities": scopes.regions(AccountRole.COMMUNITY_STAFF, Region.Level.COMMUNITY),
            "streets": scopes.regions(AccountRole.STREET_STAFF, Region.Level.STREET),
        }
        user._visits_ids = cached
    return cached


def is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user_scopes(user).is_admin)


def worker_grids(user) -> QuerySet[Region]:
    """The grids a user patrols and visits in as grid worker."""
    if user is None or not user.is_authenticated:
        return Region.objects.none()
    return Region.objects.filter(pk__in=_ids(user)["grids"], level=Region.Level.GRID).select_related("parent")


def is_grid_worker(user) -> bool:
    return bool(user is not None and user.is_authenticated and _ids(user)["grids"])


def staff_communities(user) -> QuerySet[Region]:
    """Communities the user supervises (community or street staff, admins all)."""
    qs = Region.objects.filter(level=Region.Level.COMMUNITY).select_related("parent")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs
    ids = _ids(user)
    return qs.filter(Q(pk__in=ids["communities"]) | Q(parent_id__in=ids["streets"]))


def is_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and (
        is_admin(user) or _ids(user)["communities"] or _ids(user)["streets"]))


def is_staff_for(user, community_id, street_id=None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    ids = _ids(user)
    if community_id in ids["communities"]:
        return True
    if street_id is None and community_id is not None:
        street_id = Region.objects.filter(pk=community_id).values_list("parent_id", flat=True).first()
    return street_id in ids["streets"]


def can_use(user) -> bool:
    """Grid workers and staff use the visits pages; residents do not."""
    return is_grid_worker(user) or is_staff(user)


def _scope_q(user, *, grid: str = "grid", community: str = "community") -> Q | None:
    """Rows in the user's grids / communities / streets; None means everything (admin)."""
    if is_admin(user):
        return None
    ids = _ids(user)
    return (Q(**{f"{grid}_id__in": ids["grids"]}) | Q(**{f"{community}_id__in": ids["communities"]})
            | Q(**{f"{community}__parent_id__in": ids["streets"]}))


def _scoped(qs, user, **fields):
    if user is None or not user.is_authenticated:
        return qs.none()
    q = _scope_q(user, **fields)
    return qs if q is None else qs.filter(q)


def roles_for(machine: str, obj, user) -> set[str]:
    """The user's relations to one record (empty: none)."""
    if user is None or not user.is_authenticated:
        return set()
    roles = set()
    ids = _ids(user)
    if machine == Machine.SUBJECT:
        if is_staff_for(user, obj.community_id):
            roles.add(Role.STAFF)
        if obj.grid_id in ids["grids"]:
            roles.add(Role.GRID_WORKER)
        if obj.responsible_id == user.pk:
            roles.add(Role.RESPONSIBLE)
    elif machine == Machine.CAMPAIGN:
        if is_staff_for(user, obj.community_id):
            roles.add(Role.STAFF)
    elif machine in (Machine.PATROL, Machine.FINDING):
        patrol = obj.patrol if machine == Machine.FINDING else obj
        if patrol.worker_id == user.pk:
            roles.add(Role.PATROLLER)
        if is_staff_for(user, patrol.community_id):
            roles.add(Role.STAFF)
    return roles


def permitted_role(machine: str, obj, user, action: str) -> str | None:
    transition = TABLES[machine].get(action)
    if transition is None:
        return None
    mine = roles_for(machine, obj, user) & set(transition.roles)
    for role in (Role.PATROLLER, Role.RESPONSIBLE, Role.GRID_WORKER, Role.STAFF):
        if role in mine:
            return role
    return None


def available_actions(machine: str, obj, user) -> list[str]:
    return [a for a, t in TABLES[machine].items()
            if obj.status in t.sources and permitted_role(machine, obj, user, a) is not None]


# ---------------------------------------------------------------- care subjects

SUBJECT_RELATED = ("person", "household__building__estate", "grid", "community", "responsible")


def visible_subjects(user) -> QuerySet[CareSubject]:
    qs = CareSubject.objects.select_related(*SUBJECT_RELATED).prefetch_related("tags")
    if user is None or not user.is_authenticated:
        return qs.none()
    q = _scope_q(user)
    return qs if q is None else qs.filter(q | Q(responsible=user))


def get_subject(user, pk) -> CareSubject:
    subject = visible_subjects(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if subject is None:
        raise NotFound()
    return subject


def live_status(subject: CareSubject, on: dt.date) -> str:
    """The status the dates give today (the stored one is refreshed by visits and the daily sweep)."""
    if subject.ended_on is not None or subject.status == SubjectStatus.ENDED:
        return SubjectStatus.ENDED
    return schedule_status(subject.next_due, on)


def due_lists(user, *, now=None, mine_only: bool = False) -> dict[str, list[CareSubject]]:
    """A grid worker's subjects by urgency: overdue (oldest first), due within the week, the rest."""
    day = today(now)
    qs = visible_subjects(user).filter(ended_on__isnull=True).exclude(status=SubjectStatus.ENDED)
    if mine_only:
        ids = _ids(user)
        qs = qs.filter(Q(grid_id__in=ids["grids"]) | Q(responsible=user))
    qs = qs.order_by("next_due", "person__name", "id")
    overdue = list(qs.filter(next_due__lt=day))
    due = list(qs.filter(next_due__gte=day, next_due__lte=day + dt.timedelta(days=DUE_WINDOW_DAYS)))
    later = list(qs.filter(Q(next_due__gt=day + dt.timedelta(days=DUE_WINDOW_DAYS)) | Q(next_due__isnull=True)))
    for s in overdue:
        s.days_overdue = (day - s.next_due).days
    return {"overdue": overdue, "due": due, "later": later}


def subject_visits(subject: CareSubject) -> QuerySet[Visit]:
    return subject.visits.select_related("visitor", "appeal", "service_order", "dispute").prefetch_related("photos")


def active_tags() -> QuerySet[CareTag]:
    return CareTag.objects.filter(is_active=True)


def all_tags() -> QuerySet[CareTag]:
    return CareTag.objects.annotate(n_subjects=Count("subjects", filter=Q(subjects__ended_on__isnull=True)))


def timeline(machine: str, obj) -> QuerySet[Event]:
    return Event.objects.filter(machine=machine, object_id=obj.pk).select_related("actor")


def can_reveal(user, subject: CareSubject) -> bool:
    return bool(roles_for(Machine.SUBJECT, subject, user))


def households_for_subjects(user) -> QuerySet[Household]:
    """Households a user may tag people of (in their grids or communities)."""
    qs = Household.objects.select_related("building__estate", "building__grid")
    if is_admin(user):
        return qs
    ids = _ids(user)
    return qs.filter(Q(building__grid_id__in=ids["grids"]) | Q(building__grid__parent_id__in=ids["communities"])
                     | Q(building__grid__parent__parent_id__in=ids["streets"]))


def can_manage_subject_in(user, grid: Region) -> bool:
    return grid.pk in _ids(user)["grids"] or is_staff_for(user, grid.parent_id, grid.parent.parent_id)


def can_open_order(user, subject: CareSubject) -> bool:
    """The services rule for recording on someone's behalf: staff of the community, or
    the grid worker of the household's grid on a home visit."""
    from services import selectors as order_selectors

    if order_selectors.is_staff_for(user, subject.community_id) or is_admin(user):
        return True
    grid_id = subject.household.building.grid_id
    return grid_id is not None and grid_id in user_scopes(user).regions(AccountRole.GRID_WORKER, Region.Level.GRID)


# ---------------------------------------------------------------- campaigns

def visible_campaigns(user) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("community", "grid", "created_by")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs
    ids = _ids(user)
    grid_communities = Region.objects.filter(pk__in=ids["grids"]).values_list("parent_id", flat=True)
    return qs.filter(Q(community_id__in=ids["communities"]) | Q(community__parent_id__in=ids["streets"])
                     | Q(grid_id__in=ids["grids"]) | Q(grid__isnull=True, community_id__in=grid_communities))


def with_coverage(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return qs.annotate(n_households=Count("knocks"), n_knocked=Count("knocks", filter=~Q(knocks__result="")),
                       n_nobody=Count("knocks", filter=Q(knocks__result=KnockResult.NOBODY_HOME)))


def campaign_list(user, *, q: str = "", status: str = "", community: str = "") -> QuerySet[Campaign]:
    """The drives page and its Excel export: the user's drives, filtered (an unknown value
    filters nothing), newest first, with their household and knock counts."""
    qs = visible_campaigns(user)
    if status in CampaignStatus.values:
        qs = qs.filter(status=status)
    if community.isdigit():
        qs = qs.filter(community_id=int(community))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return with_coverage(qs).order_by("-starts_on", "-id")


def campaign_communities(user) -> list[Region]:
    """The communities the drives filter offers: those of the drives the user sees."""
    return list(Region.objects.filter(pk__in=visible_campaigns(user).values("community_id")).order_by("code"))


def coverage(knocked: int, total: int) -> float | None:
    return _one_decimal(100 * knocked / total) if total else None


def get_campaign(user, pk) -> Campaign:
    campaign = with_coverage(visible_campaigns(user)).filter(pk=pk).first() if str(pk).isdigit() else None
    if campaign is None:
        raise NotFound()
    campaign.coverage = coverage(campaign.n_knocked, campaign.n_households)
    return campaign


def campaign_knocks(campaign: Campaign, *, result: str | None = None) -> QuerySet[Knock]:
    qs = campaign.knocks.select_related("household__building__estate", "household__building__grid", "knocked_by",
                                        "appeal")
    if result is not None:
        qs = qs.filter(result=result)
    return qs


def knocks_by_building(campaign: Campaign) -> list[dict]:
    """The checklist: households grouped by building, with each building's progress."""
    groups: dict[int, dict] = {}
    for knock in campaign_knocks(campaign):
        building = knock.household.building
        group = groups.setdefault(building.pk, {"building": building, "knocks": [], "done": 0})
        group["knocks"].append(knock)
        if knock.result:
            group["done"] += 1
    return list(groups.values())


def can_knock(user, knock: Knock) -> bool:
    campaign = knock.campaign
    grid_id = knock.household.building.grid_id
    if campaign.grid_id and grid_id != campaign.grid_id:
        return False
    return grid_id in _ids(user)["grids"] or is_staff_for(user, campaign.community_id)


def get_knock(user, campaign_pk, knock_pk) -> Knock:
    campaign = get_campaign(user, campaign_pk)
    knock = campaign_knocks(campaign).filter(pk=knock_pk).first() if str(knock_pk).isdigit() else None
    if knock is None:
        raise NotFound()
    knock.campaign = campaign
    return knock


# ---------------------------------------------------------------- patrols

def visible_patrols(user) -> QuerySet[Patrol]:
    qs = Patrol.objects.select_related("worker", "grid", "community")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs
    ids = _ids(user)
    return qs.filter(Q(worker=user) | Q(community_id__in=ids["communities"])
                     | Q(community__parent_id__in=ids["streets"]))


def open_patrol(user) -> Patrol | None:
    if user is None or not user.is_authenticated:
        return None
    return Patrol.objects.select_related("grid").filter(worker=user, status=PatrolStatus.OPEN).first()


def get_patrol(user, pk) -> Patrol:
    patrol = visible_patrols(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if patrol is None:
        raise NotFound()
    return patrol


def patrol_findings(patrol: Patrol) -> QuerySet[PatrolFinding]:
    return patrol.findings.select_related("category", "appeal").prefetch_related("photos")


def get_finding(user, pk) -> PatrolFinding:
    finding = PatrolFinding.objects.select_related("patrol__worker", "patrol__grid", "category", "appeal").filter(
        pk=pk, patrol__in=visible_patrols(user)).first() if str(pk).isdigit() else None
    if finding is None:
        raise NotFound()
    return finding


def recent_patrols(user, *, limit: int = 10) -> QuerySet[Patrol]:
    return visible_patrols(user).filter(worker=user).annotate(n_findings=Count("findings"))[:limit]


def photo_of(user, photo_id):
    """A photo the user may see: of a visit to a visible subject or of a finding of a visible patrol."""
    from .models import Photo

    photo = Photo.objects.filter(pk=photo_id).select_related("visit__subject", "finding__patrol").first() \
        if str(photo_id).isdigit() else None
    if photo is None:
        raise NotFound()
    if photo.visit_id and visible_subjects(user).filter(pk=photo.visit.subject_id).exists():
        return photo
    if photo.finding_id and visible_patrols(user).filter(pk=photo.finding.patrol_id).exists():
        return photo
    raise NotFound()


# ---------------------------------------------------------------- overview

def overview(user, *, now=None) -> list[dict]:
    """Per grid the user supervises: subjects, due, overdue, visits this month, patrols today."""
    day = today(now)
    communities = staff_communities(user)
    grids = Region.objects.filter(level=Region.Level.GRID, parent__in=communities).select_related("parent") \
        .order_by("code")
    month_start = timezone.make_aware(dt.datetime.combine(day.replace(day=1), dt.time()))
    day_start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    live = CareSubject.objects.filter(ended_on__isnull=True).exclude(status=SubjectStatus.ENDED)
    window = day + dt.timedelta(days=DUE_WINDOW_DAYS)
    subjects = {g: (n, o, d) for g, n, o, d in live.values("grid").annotate(
        n=Count("id"), overdue=Count("id", filter=Q(next_due__lt=day)),
        due=Count("id", filter=Q(next_due__gte=day, next_due__lte=window))).values_list(
        "grid", "n", "overdue", "due").order_by()}
    visits = dict(Visit.objects.filter(visited_at__gte=month_start).values("subject__grid").annotate(n=Count("id"))
                  .values_list("subject__grid", "n").order_by())
    patrols = dict(Patrol.objects.filter(started_at__gte=day_start).values("grid").annotate(n=Count("id"))
                   .values_list("grid", "n").order_by())
    open_now = dict(Patrol.objects.filter(status=PatrolStatus.OPEN).values("grid").annotate(n=Count("id"))
                    .values_list("grid", "n").order_by())
    rows = []
    for grid in grids:
        n, overdue, due = subjects.get(grid.pk, (0, 0, 0))
        rows.append({"grid": grid, "subjects": n, "overdue": overdue, "due": due,
                     "visits_month": visits.get(grid.pk, 0), "patrols_today": patrols.get(grid.pk, 0),
                     "on_patrol": open_now.get(grid.pk, 0)})
    return rows


# ---------------------------------------------------------------- 双报到 and figures

def service_records(user_ids, start: dt.datetime, end: dt.datetime) -> list[ServiceRecord]:
    """Visits, door knocks and patrol rounds these users did in [start, end), for 双报到.
    Patrols count as sessions ("patrol_round"); the appeals they raised are counted by party."""
    user_ids = list(user_ids)
    records = [ServiceRecord(user_id=uid, at=at, kind="visit", title=str(name), url=reverse("visits:subject", args=[sid]))
               for uid, at, name, sid in Visit.objects.filter(
                   visitor_id__in=user_ids, visited_at__gte=start, visited_at__lt=end).values_list(
                   "visitor_id", "visited_at", "subject__person__name", "subject_id").order_by("visited_at", "pk")]
    records += [ServiceRecord(user_id=uid, at=at, kind="knock", title=str(title),
                              url=reverse("visits:campaign", args=[cid]))
                for uid, at, title, cid in Knock.objects.filter(
                    knocked_by_id__in=user_ids, knocked_at__gte=start, knocked_at__lt=end).values_list(
                    "knocked_by_id", "knocked_at", "campaign__title", "campaign_id").order_by("knocked_at", "pk")]
    records += [ServiceRecord(user_id=uid, at=at, kind="patrol_round", title=str(grid),
                              url=reverse("visits:patrol_detail", args=[pk]))
                for pk, uid, at, grid in Patrol.objects.filter(
                    worker_id__in=user_ids, started_at__gte=start, started_at__lt=end).values_list(
                    "pk", "worker_id", "started_at", "grid__name").order_by("started_at", "pk")]
    return sorted(records, key=lambda r: (r.at, r.kind))


FIGURES = [
    ("subjects", gettext_lazy("People under care"),
     gettext_lazy("Residents with a care tag (独居老人, 残疾, 低保 …) whose care has not ended, at this moment.")),
    ("visits_due", gettext_lazy("Visits due now"),
     gettext_lazy("People under care whose next visit falls due within a week, at this moment.")),
    ("visits_overdue", gettext_lazy("Visits overdue now"),
     gettext_lazy("People under care whose visit due date has passed without a visit, at this moment.")),
    ("visits_done", gettext_lazy("Visits done"), gettext_lazy("Home, phone and video visits recorded in the period.")),
    ("on_time_rate", gettext_lazy("Visits on time"),
     gettext_lazy("Share of the visits in the period made no later than their due date (%).")),
    ("campaign_coverage", gettext_lazy("Door-knocking coverage"),
     gettext_lazy("Households knocked (any result) ÷ households of the door-knocking drives (敲门行动) running in "
                  "the period (%).")),
    ("patrols", gettext_lazy("Patrols"), gettext_lazy("Daily patrols started by grid workers in the period.")),
    ("patrol_findings", gettext_lazy("Patrol findings"), gettext_lazy("Findings noted on patrol in the period.")),
    ("findings_reported", gettext_lazy("Findings reported as appeals"),
     gettext_lazy("Patrol findings of the period that were reported as appeals.")),
]


def _within(field_name, start, end) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{field_name}__gte": start})
    if end is not None:
        q &= Q(**{f"{field_name}__lt": end})
    return q


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """The visits part of the figures page."""
    day = today()
    subjects = CareSubject.objects.filter(ended_on__isnull=True).exclude(status=SubjectStatus.ENDED)
    visits = Visit.objects.filter(_within("visited_at", start, end))
    patrols = Patrol.objects.filter(_within("started_at", start, end))
    findings = PatrolFinding.objects.filter(_within("created_at", start, end))
    campaigns = Campaign.objects.filter(status__in=[CampaignStatus.RUNNING, CampaignStatus.FINISHED])
    if start is not None:
        campaigns = campaigns.filter(ends_on__gte=timezone.localtime(start).date())
    if end is not None:
        campaigns = campaigns.filter(starts_on__lt=timezone.localtime(end).date())
    if community_ids is not None:
        ids = list(community_ids)
        subjects = subjects.filter(community_id__in=ids)
        visits = visits.filter(subject__community_id__in=ids)
        patrols = patrols.filter(community_id__in=ids)
        findings = findings.filter(patrol__community_id__in=ids)
        campaigns = campaigns.filter(community_id__in=ids)
    s = subjects.aggregate(n=Count("id"), overdue=Count("id", filter=Q(next_due__lt=day)),
                           due=Count("id", filter=Q(next_due__gte=day,
                                                    next_due__lte=day + dt.timedelta(days=DUE_WINDOW_DAYS))))
    v = visits.aggregate(n=Count("id"), on_time=Count("id", filter=Q(on_time=True)))
    k = Knock.objects.filter(campaign__in=campaigns).aggregate(n=Count("id"), done=Count("id", filter=~Q(result="")))
    f = findings.aggregate(n=Count("id"), reported=Count("id", filter=Q(appeal__isnull=False)))
    values = {
        "subjects": s["n"], "visits_due": s["due"], "visits_overdue": s["overdue"], "visits_done": v["n"],
        "on_time_rate": _one_decimal(100 * v["on_time"] / v["n"]) if v["n"] else None,
        "campaign_coverage": coverage(k["done"], k["n"]), "patrols": patrols.count(),
        "patrol_findings": f["n"], "findings_reported": f["reported"],
    }
    return [{"key": key, "label": label, "value": values[key], "definition": definition}
            for key, label, definition in FIGURES]


def _one_decimal(value) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

