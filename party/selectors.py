"""Reads of the party app, scoped to the user, and the 双报到 quarter report.

The rule (seed 000): every in-service member (在职党员) registered with a
residential community serves there at least once a quarter. Service is not
typed in here: it is read from what other apps already recorded (service
orders done, volunteer activities checked in, patrol reports), through the
functions named in `SERVICE_SOURCES`.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import home_community, managed_communities, manages_community, user_scopes
from core.errors import NotFound
from core.records import ServiceRecord
from people.models import Person, Unit
from regions.models import Building, Household, Region

from .models import (
    Award,
    CoBuildingProject,
    DualReport,
    Evaluation,
    Nomination,
    PartyMember,
    PartyPost,
    Vote,
)
from .workflow import DualStatus, EvaluationStatus, NominationStatus, ProjectStatus

logger = logging.getLogger("linli.party")

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Where 双报到 service comes from: `fn(user_ids, start, end) -> list[ServiceRecord]`,
# each counting what a user did in [start, end). Imported when first used, so a
# source whose app is not installed yet is skipped rather than breaking the report.
SERVICE_SOURCES = (
    "services.selectors.service_records",      # service orders, wishes and errands done as provider
    "volunteering.selectors.service_records",  # volunteer activities checked in
    "party.selectors.patrol_records",          # patrols and building-head reports recorded
    "visits.selectors.service_records",        # home visits, door-knocking and daily patrols
)

PATROL_CHANNELS = ("patrol", "building_head")


# ---------------------------------------------------------------- quarters

def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    """[start of the quarter, start of the next) in Shanghai time."""
    start = dt.datetime(year, 3 * (quarter - 1) + 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI) if quarter == 4 else \
        dt.datetime(year, 3 * quarter + 1, 1, tzinfo=SHANGHAI)
    return start, end


def quarter_of(moment: dt.datetime) -> tuple[int, int]:
    local = moment.astimezone(SHANGHAI)
    return local.year, (local.month - 1) // 3 + 1


def current_quarter(now: dt.datetime | None = None) -> tuple[int, int]:
    return quarter_of(now or timezone.now())


# ---------------------------------------------------------------- service records

def patrol_records(user_ids, start: dt.datetime, end: dt.datetime) -> list[ServiceRecord]:
    """Patrols (巡查) and building-head reports a user recorded in [start, end)."""
    from appeals.models import Appeal

    rows = Appeal.objects.filter(recorded_by_id__in=list(user_ids), channel__in=PATROL_CHANNELS,
                                 created_at__gte=start, created_at__lt=end).values_list("pk", "recorded_by_id", "created_at",
                                                                                        "title")
    return [ServiceRecord(user_id=user_id, at=at, kind="patrol", title=title, url=reverse("appeals:detail", args=[pk]))
            for pk, user_id, at, title in rows]


def _sources() -> list:
    found = []
    for path in SERVICE_SOURCES:
        try:
            found.append(import_string(path))
        except ImportError:
            logger.warning("双报到 service source %s is not available; its records are not counted", path)
    return found


def service_records(user_ids, start: dt.datetime, end: dt.datetime) -> list[ServiceRecord]:
    """Everything the users did in [start, end), from every source, oldest first."""
    user_ids = sorted({int(u) for u in user_ids if u})
    if not user_ids:
        return []
    records: list[ServiceRecord] = []
    for source in _sources():
        records.extend(r for r in source(user_ids, start, end) if start <= r.at < end)
    return sorted(records, key=lambda r: (r.at, r.kind, r.title))


# ---------------------------------------------------------------- the quarter report

def user_of(person: Person | None) -> User | None:
    """The account of a person, or None (User.person is the OneToOne, related_name "user")."""
    if person is None:
        return None
    try:
        return person.user
    except User.DoesNotExist:
        return None


@dataclass
class ReportRow:
    """One in-service member registered with the community during the quarter."""

    member: PartyMember
    community: Region
    registered_at: dt.datetime
    ended_at: dt.datetime | None  # within the quarter; None if still registered at its end
    windows: list[tuple[dt.datetime, dt.datetime]]
    user: User | None
    services: list[ServiceRecord] = field(default_factory=list)

    @property
    def employer(self) -> Unit | None:
        return self.member.employer

    @property
    def has_account(self) -> bool:
        return self.user is not None

    @property
    def count(self) -> int:
        return len(self.services)

    @property
    def served(self) -> bool:
        return self.count > 0

    def covers(self, moment: dt.datetime) -> bool:
        return any(a <= moment < b for a, b in self.windows)


@dataclass
class UnitSummary:
    unit: Unit | None  # None: members whose employer is no longer recorded
    registered: int = 0
    served: int = 0
    unit_registered: bool = False  # the unit itself reports to this community (active)

    @property
    def not_served(self) -> int:
        return self.registered - self.served

    @property
    def rate(self) -> float | None:
        return rate(self.served, self.registered)


@dataclass
class QuarterReport:
    community: Region
    year: int
    quarter: int
    start: dt.datetime
    end: dt.datetime
    rows: list[ReportRow]
    units: list[UnitSummary]

    @property
    def registered(self) -> int:
        return len(self.rows)

    @property
    def served(self) -> int:
        return sum(1 for r in self.rows if r.served)

    @property
    def not_served(self) -> int:
        return self.registered - self.served

    @property
    def rate(self) -> float | None:
        return rate(self.served, self.registered)

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


def _member_registrations(community_ids, start, end) -> QuerySet[DualReport]:
    """Member registrations that were active at some moment of [start, end)."""
    qs = DualReport.objects.filter(kind=DualReport.Kind.MEMBER, registered_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start))
    if community_ids is not None:
        qs = qs.filter(community_id__in=list(community_ids))
    return qs.select_related("member__person__user", "member__employer", "community").order_by("registered_at", "id")


def report_rows(community_ids, start: dt.datetime, end: dt.datetime) -> list[ReportRow]:
    """One row per (community, member) registered during [start, end), with the
    member's service inside their registration window(s). A member who moved
    mid-quarter appears in both communities, each with what they did while
    registered there; one without an account has no records."""
    rows: dict[tuple[int, int], ReportRow] = {}
    for reg in _member_registrations(community_ids, start, end):
        window = (max(start, reg.registered_at), min(end, reg.ended_at) if reg.ended_at else end)
        ended = reg.ended_at if reg.ended_at and reg.ended_at < end else None
        key = (reg.community_id, reg.member_id)
        row = rows.get(key)
        if row is None:
            rows[key] = ReportRow(member=reg.member, community=reg.community, registered_at=reg.registered_at,
                                  ended_at=ended, windows=[window], user=user_of(reg.member.person))
        else:  # ended and registered again within the quarter
            row.windows.append(window)
            row.ended_at = ended
    by_user: dict[int, list[ReportRow]] = defaultdict(list)
    for row in rows.values():
        if row.user is not None:
            by_user[row.user.pk].append(row)
    for record in service_records(by_user.keys(), start, end):
        for row in by_user.get(record.user_id, ()):
            if row.covers(record.at):
                row.services.append(record)
    return sorted(rows.values(), key=lambda r: (r.served, r.employer.name if r.employer else "~", r.member.person.name,
                                                r.member.pk))


def quarter_report(community: Region, year: int, quarter: int) -> QuarterReport:
    """Who of the community's in-service members served in the quarter, who did
    not, and the same per employer unit."""
    start, end = quarter_bounds(year, quarter)
    rows = report_rows([community.pk], start, end)
    summaries: dict[int | None, UnitSummary] = {}
    for row in rows:
        key = row.employer.pk if row.employer else None
        summary = summaries.setdefault(key, UnitSummary(unit=row.employer))
        summary.registered += 1
        summary.served += row.served
    active_units = DualReport.objects.filter(kind=DualReport.Kind.UNIT, community=community, status=DualStatus.ACTIVE)
    for unit in Unit.objects.filter(pk__in=active_units.values("unit_id")):
        summaries.setdefault(unit.pk, UnitSummary(unit=unit)).unit_registered = True
    units = sorted(summaries.values(), key=lambda s: (s.unit is None, s.unit.name if s.unit else ""))
    return QuarterReport(community=community, year=year, quarter=quarter, start=start, end=end, rows=rows, units=units)


def compliance(community_ids, year: int, quarter: int) -> dict:
    """Registered, served, not served and the rate (%, None if nobody registered)
    for the quarter, over the given communities (None: all)."""
    start, end = quarter_bounds(year, quarter)
    rows = report_rows(community_ids, start, end)
    served = sum(1 for r in rows if r.served)
    return {"registered": len(rows), "served": served, "not_served": len(rows) - served,
            "rate": rate(served, len(rows))}


# ---------------------------------------------------------------- a member's own record

def member_of(user) -> PartyMember | None:
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    if person is None:
        return None
    try:
        return PartyMember.objects.select_related("person", "org", "employer").get(person=person)
    except PartyMember.DoesNotExist:
        return None


@dataclass
class QuarterRecord:
    year: int
    quarter: int
    start: dt.datetime
    end: dt.datetime
    registered: bool
    services: list[ServiceRecord]
    state: str  # served / not_yet / not_served / not_registered / future

    @property
    def served(self) -> bool:
        return bool(self.services)

    @property
    def count(self) -> int:
        return len(self.services)


@dataclass
class MyRecord:
    member: PartyMember
    registration: DualReport | None  # the active one
    history: list[DualReport]
    year: int
    quarters: list[QuarterRecord]


def my_record(user, *, now: dt.datetime | None = None) -> MyRecord:
    """A member's 双报到 registration and, for each quarter of this year, what
    they did while registered and whether the quarter's rule is met."""
    member = member_of(user)
    if member is None:
        raise NotFound(_("You are not recorded as a party member."))
    now = now or timezone.now()
    year, current = quarter_of(now)
    history = list(member.dual_reports.select_related("community").order_by("-registered_at", "-id"))
    active = next((r for r in history if r.status == DualStatus.ACTIVE), None)
    year_start, year_end = quarter_bounds(year, 1)[0], quarter_bounds(year, 4)[1]
    records = service_records([user.pk], year_start, year_end)
    quarters = []
    for q in range(1, 5):
        start, end = quarter_bounds(year, q)
        windows = [(max(start, r.registered_at), min(end, r.ended_at) if r.ended_at else end) for r in history
                   if r.registered_at < end and (r.ended_at is None or r.ended_at > start)]
        services = [s for s in records if any(a <= s.at < b for a, b in windows)]
        if q > current:
            state = "future"
        elif not windows:
            state = "not_registered"
        elif services:
            state = "served"
        else:
            state = "not_yet" if q == current else "not_served"
        quarters.append(QuarterRecord(year=year, quarter=q, start=start, end=end, registered=bool(windows),
                                      services=services, state=state))
    return MyRecord(member=member, registration=active, history=history, year=year, quarters=quarters)


# ---------------------------------------------------------------- registrations

def is_party_staff(user) -> bool:
    """Staff who run 双报到 for at least one community."""
    return user is not None and user.is_authenticated and managed_communities(user).exists()


def staff_communities(user) -> list[Region]:
    return list(managed_communities(user).order_by("code"))


def visible_dual_reports(user) -> QuerySet[DualReport]:
    """Staff see their communities' registrations; a member sees their own."""
    if user is None or not user.is_authenticated:
        return DualReport.objects.none()
    q = Q(community__in=managed_communities(user))
    member = member_of(user)
    if member is not None:
        q |= Q(member=member)
    return DualReport.objects.filter(q).select_related("member__person", "member__employer", "unit", "community",
                                                       "registered_by")


def get_dual_report(user, pk) -> DualReport:
    if not str(pk).isdigit():
        raise NotFound()
    report = visible_dual_reports(user).filter(pk=pk).first()
    if report is None:
        raise NotFound()
    return report


def filter_dual_reports(qs: QuerySet[DualReport], *, community=None, status: str = "", kind: str = "") -> QuerySet:
    if community not in (None, ""):
        qs = qs.filter(community_id=community)
    if status in DualStatus.values:
        qs = qs.filter(status=status)
    if kind in DualReport.Kind.values:
        qs = qs.filter(kind=kind)
    return qs


def registrable_members(community: Region) -> QuerySet[PartyMember]:
    """The staff's choice list: in-service members not registered anywhere who
    live in the community, or whose home is not recorded (they cannot register
    themselves). Other members' names stay with their own community."""
    active = DualReport.objects.filter(kind=DualReport.Kind.MEMBER, status=DualStatus.ACTIVE).values("member_id")
    return PartyMember.objects.filter(employer__isnull=False).filter(
        Q(person__household__building__grid__parent=community) | Q(person__household__isnull=True)
    ).exclude(pk__in=active).select_related("person", "employer").order_by("person__name", "pk")


def registrable_units(community: Region) -> QuerySet[Unit]:
    active = DualReport.objects.filter(kind=DualReport.Kind.UNIT, status=DualStatus.ACTIVE, community=community)
    return Unit.objects.filter(is_active=True).exclude(pk__in=active.values("unit_id")).order_by("name")


def registered_units(community: Region) -> QuerySet[Unit]:
    active = DualReport.objects.filter(kind=DualReport.Kind.UNIT, status=DualStatus.ACTIVE, community=community)
    return Unit.objects.filter(pk__in=active.values("unit_id")).order_by("name")


# ---------------------------------------------------------------- co-building projects

def visible_projects(user) -> QuerySet[CoBuildingProject]:
    """Staff see their communities' projects; a unit's handlers see their unit's."""
    if user is None or not user.is_authenticated:
        return CoBuildingProject.objects.none()
    scopes = user_scopes(user)
    q = Q(community__in=managed_communities(user))
    if Role.UNIT_HANDLER in scopes.roles and scopes.units:
        q |= Q(unit_id__in=scopes.units)
    return CoBuildingProject.objects.filter(q).select_related("unit", "community", "created_by")


def get_project(user, pk) -> CoBuildingProject:
    if not str(pk).isdigit():
        raise NotFound()
    project = visible_projects(user).filter(pk=pk).first()
    if project is None:
        raise NotFound()
    return project


def can_update_project(user, project: CoBuildingProject) -> bool:
    """Staff of the community and the handlers of the unit post progress."""
    if user is None or not user.is_authenticated:
        return False
    scopes = user_scopes(user)
    if Role.UNIT_HANDLER in scopes.roles and project.unit_id in scopes.units:
        return True
    return manages_community(user, project.community_id)


# ---------------------------------------------------------------- member profile and plaque

def org_community(org) -> Region | None:
    """The community an org sits in, from its own place or the nearest ancestor's."""
    seen = 0
    while org is not None and seen < 10:
        if org.building_id:
            return org.building.grid.parent
        if org.estate_id:
            return org.estate.community
        if org.region_id:
            region = org.region
            if region.level == Region.Level.COMMUNITY:
                return region
            if region.level in (Region.Level.GRID, Region.Level.MICROGRID):
                return region.ancestor(Region.Level.COMMUNITY)
            return None
        org, seen = org.parent, seen + 1
    return None


def household_community(household: Household | None) -> Region | None:
    if household is None:
        return None
    return household.building.grid.parent


def member_communities(member: PartyMember) -> set[int]:
    """Communities whose staff look after this member: where they live, where
    their org sits, where they report (双报到)."""
    ids = set(member.dual_reports.filter(status=DualStatus.ACTIVE).values_list("community_id", flat=True))
    homes = PartyMember.objects.filter(pk=member.pk).values_list(
        "person__household__building__grid__parent_id", "anchor_household__building__grid__parent_id").first()
    ids |= {pk for pk in homes or () if pk}
    community = org_community(member.org)
    if community is not None:
        ids.add(community.pk)
    return ids


def can_manage_member(user, member: PartyMember) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user_scopes(user).is_admin:
        return True
    ids = member_communities(member)
    return bool(ids) and managed_communities(user).filter(pk__in=ids).exists()


def get_member(user, pk) -> PartyMember:
    """A member's profile: for staff of their communities and for the member themself."""
    if not str(pk).isdigit():
        raise NotFound()
    member = PartyMember.objects.select_related(
        "person__household__building__estate", "org__parent", "employer", "anchor_household__building__estate",
    ).filter(pk=pk).first()
    if member is None:
        raise NotFound()
    own = user is not None and user.is_authenticated and user.person_id == member.person_id
    if not (own or can_manage_member(user, member)):
        raise NotFound()
    return member


def posts_of(person: Person) -> list[PartyPost]:
    return list(PartyPost.objects.filter(person=person).select_related("org").order_by("org__kind", "org__name", "title"))


def awards_of(person: Person) -> list[Award]:
    return list(Award.objects.filter(person=person).select_related("evaluation", "community"))


def served_households(member: PartyMember) -> list[Household]:
    return list(member.served_households.select_related("building__estate").order_by(
        "building__estate__name", "building__number", "entrance", "room"))


def anchor_buildings(member: PartyMember) -> list[Building]:
    """Buildings staff may pick served households from: the anchor's community."""
    community = household_community(member.anchor_household)
    if community is None:
        return []
    return list(Building.objects.filter(grid__parent=community).select_related("estate").order_by(
        "estate__name", "number"))


@dataclass
class Plaque:
    member: PartyMember
    name: str
    org: str
    posts: list[str]
    pledge: str
    awards: list[Award]
    anchor_building: str  # estate and building, never the room
    joined_year: int | None


def public_plaque(pk) -> Plaque:
    """The 亮身份 plaque, only for members who chose to be public; no phone, no room."""
    if not str(pk).isdigit():
        raise NotFound()
    member = PartyMember.objects.select_related("person", "org", "anchor_household__building__estate").filter(
        pk=pk, is_public=True).first()
    if member is None:
        raise NotFound()
    anchor = member.anchor_household
    return Plaque(
        member=member, name=member.person.name, org=member.org.name,
        posts=[f"{p.org.name} {p.title}" for p in posts_of(member.person)],
        pledge=member.pledge, awards=awards_of(member.person),
        anchor_building=str(anchor.building) if anchor is not None else "",
        joined_year=member.joined_on.year if member.joined_on else None,
    )


# ---------------------------------------------------------------- evaluations

def lives_in(user, community) -> bool:
    here = home_community(user)
    community_id = community.pk if hasattr(community, "pk") else community
    return here is not None and here.pk == community_id


def visible_evaluations(user) -> QuerySet[Evaluation]:
    """Staff see their communities' evaluations; residents those of the community they live in."""
    if user is None or not user.is_authenticated:
        return Evaluation.objects.none()
    q = Q(community__in=managed_communities(user))
    here = home_community(user)
    if here is not None:
        q |= Q(community=here)
    return Evaluation.objects.filter(q).select_related("community")


def evaluation_list(user, *, q: str = "", status: str = "", kind: str = "", community: str = "") -> QuerySet[Evaluation]:
    """The evaluations page and its Excel export: what the user may see, filtered (an unknown
    value filters nothing), open ones first."""
    qs = visible_evaluations(user)
    if status in EvaluationStatus.values:
        qs = qs.filter(status=status)
    if kind in Evaluation.Kind.values:
        qs = qs.filter(kind=kind)
    if community.isdigit():
        qs = qs.filter(community_id=int(community))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return qs.order_by("status", "-created_at", "-id")


def with_nomination_counts(qs: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """Nomination and vote counts, for the export only: the page shows none, so it does not
    pay for the nominations-by-votes join."""
    return qs.annotate(
        n_approved=Count("nominations", filter=Q(nominations__status=NominationStatus.APPROVED), distinct=True),
        n_pending=Count("nominations", filter=Q(nominations__status=NominationStatus.PENDING), distinct=True),
        n_votes=Count("votes", distinct=True),
    )


def evaluation_communities(user) -> list[Region]:
    """The communities the evaluations filter offers: those whose evaluations the user sees."""
    return list(Region.objects.filter(pk__in=visible_evaluations(user).values("community_id")).order_by("code"))


def get_evaluation(user, pk) -> Evaluation:
    if not str(pk).isdigit():
        raise NotFound()
    evaluation = visible_evaluations(user).filter(pk=pk).first()
    if evaluation is None:
        raise NotFound()
    return evaluation


def get_nomination(user, pk) -> Nomination:
    if not str(pk).isdigit():
        raise NotFound()
    nomination = Nomination.objects.select_related("evaluation__community", "person").filter(pk=pk).first()
    if nomination is None or not visible_evaluations(user).filter(pk=nomination.evaluation_id).exists():
        raise NotFound()
    return nomination


def nominations_for(user, evaluation: Evaluation) -> list[Nomination]:
    """Staff see every nomination; others the approved ones and their own.
    Vote counts are shown to staff, and to everyone once closed."""
    qs = evaluation.nominations.select_related("person__household__building__estate", "nominated_by").annotate(
        vote_count=Count("votes"))
    if not manages_community(user, evaluation.community_id):
        qs = qs.filter(Q(status=NominationStatus.APPROVED) | Q(nominated_by=user))
    items = list(qs)
    if evaluation.status == EvaluationStatus.CLOSED:
        items.sort(key=lambda n: (-n.vote_count, n.created_at, n.pk))
    return items


def votes_of(user, evaluation: Evaluation) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return set(Vote.objects.filter(evaluation=evaluation, voter=user).values_list("nomination_id", flat=True))


@dataclass
class EvaluationAbilities:
    manage: bool
    nominate: bool
    vote: bool
    votes_left: int
    see_counts: bool


def evaluation_abilities(user, evaluation: Evaluation, *, now: dt.datetime | None = None) -> EvaluationAbilities:
    now = now or timezone.now()
    manage = manages_community(user, evaluation.community_id)
    resident = lives_in(user, evaluation.community)
    nominate = (evaluation.status == EvaluationStatus.NOMINATING and now < evaluation.nominate_until
                and (manage or resident))
    cast = Vote.objects.filter(evaluation=evaluation, voter=user).count() if resident else 0
    left = max(0, evaluation.votes_per_voter - cast)
    vote = evaluation.status == EvaluationStatus.VOTING and now < evaluation.vote_until and resident and left > 0
    return EvaluationAbilities(manage=manage, nominate=nominate, vote=vote, votes_left=left,
                               see_counts=manage or evaluation.status == EvaluationStatus.CLOSED)


def nominee_choices(evaluation: Evaluation) -> QuerySet[Person]:
    """People staff may nominate directly: those living in the community
    (party members only for 先锋党员)."""
    qs = Person.objects.filter(household__building__grid__parent=evaluation.community)
    if evaluation.kind == Evaluation.Kind.PIONEER_MEMBER:
        qs = qs.filter(party_membership__isnull=False)
    return qs.select_related("household__building__estate").order_by("name", "pk")


def community_buildings(community: Region) -> QuerySet[Building]:
    return Building.objects.filter(grid__parent=community).select_related("estate").order_by("estate__name", "number")


# ---------------------------------------------------------------- figures

def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """双报到 and co-building figures for the insights page. Snapshots count what
    stands now; `dual_compliance` is about the quarter containing the period's
    last moment (now, for an open-ended period); `awards` counts honours given
    in [start, end), either bound open when None."""
    def scoped(qs, field_name="community_id"):
        return qs if community_ids is None else qs.filter(**{f"{field_name}__in": list(community_ids)})

    last = (end or timezone.now()) - dt.timedelta(microseconds=1)
    active = scoped(DualReport.objects.filter(status=DualStatus.ACTIVE))
    year, quarter = quarter_of(last)
    share = compliance(community_ids, year, quarter)
    projects = scoped(CoBuildingProject.objects.all())
    awards = scoped(Award.objects.all())
    if start is not None:
        awards = awards.filter(awarded_on__gte=start.astimezone(SHANGHAI).date())
    if end is not None:
        awards = awards.filter(awarded_on__lte=last.astimezone(SHANGHAI).date())
    return [
        {"key": "dual_members", "label": _("In-service members registered (双报到)"),
         "value": active.filter(kind=DualReport.Kind.MEMBER).count(),
         "definition": _("Active 双报到 registrations of in-service party members, now.")},
        {"key": "dual_units", "label": _("Units registered (双报到)"),
         "value": active.filter(kind=DualReport.Kind.UNIT).count(),
         "definition": _("Active 双报到 registrations of employer units with communities, now.")},
        {"key": "dual_compliance", "label": _("Dual-report compliance"),
         "value": share["rate"],
         "definition": _("Share (%) of in-service members registered during the quarter containing the period's end "
                         "who served at least once while registered (service orders, volunteer activities, patrols).")},
        {"key": "projects", "label": _("Co-building projects"), "value": projects.count(),
         "definition": _("Co-building projects (共建项目) pledged by units, now.")},
        {"key": "projects_done", "label": _("Co-building projects done"),
         "value": projects.filter(status=ProjectStatus.DONE).count(),
         "definition": _("Co-building projects whose progress reached 100%, now.")},
        {"key": "awards", "label": _("Awards"), "value": awards.count(),
         "definition": _("Honours awarded in the period, from evaluations or recorded by staff.")},
    ]
