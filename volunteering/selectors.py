"""Reads of teams, activities, sign-ups, hours and certificates, and who may
do what with them. Views and the API obtain records only through here.

Activities and teams are public inside the platform (anyone logged in may
see and join them); rosters, join requests and personal data only to whoever
runs them.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import home_community, managed_communities, managed_community_ids, user_scopes
from core.errors import NotFound
from core.records import ServiceRecord
from regions.models import Region

from .models import Activity, ActivityEvent, HoursCertificate, Signup, TeamMembership, VolunteerTeam
from .workflow import (
    LEADER,
    LIVE_SIGNUP,
    RUNNER,
    SELF,
    STAFF,
    TRANSITIONS,
    ActivityStatus,
    MembershipStatus,
    SignupStatus,
    allowed,
)

# Check-in and check-out are possible from an hour before the start to two hours after the end.
OPENS_BEFORE = dt.timedelta(hours=1)
CLOSES_AFTER = dt.timedelta(hours=2)


def _pk(value) -> int:
    pk = getattr(value, "pk", value)
    if not str(pk).isdigit():
        raise NotFound()
    return int(pk)


def _authed(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


# ---------------------------------------------------------------- who is who

def is_staff_of(user, community_id) -> bool:
    return _authed(user) and community_id in managed_community_ids(user)


def team_relations(user, team: VolunteerTeam) -> set[str]:
    rel: set[str] = set()
    if not _authed(user):
        return rel
    rel.add(SELF)
    if team.leader_id == user.pk:
        rel.add(LEADER)
    if is_staff_of(user, team.community_id):
        rel.add(STAFF)
    return rel


def activity_relations(user, activity: Activity) -> set[str]:
    """SELF for anyone logged in; RUNNER for the organiser, the team's leader and community staff."""
    rel: set[str] = set()
    if not _authed(user):
        return rel
    rel.add(SELF)
    if activity.team_id and activity.team.leader_id == user.pk:
        rel.add(LEADER)
    if is_staff_of(user, activity.community_id):
        rel.add(STAFF)
    if activity.organiser_id == user.pk or rel & {LEADER, STAFF}:
        rel.add(RUNNER)
    return rel


def can_run(user, activity: Activity) -> bool:
    return RUNNER in activity_relations(user, activity)


def can_manage_team(user, team: VolunteerTeam) -> bool:
    return bool(team_relations(user, team) & {LEADER, STAFF})


def led_teams(user) -> QuerySet[VolunteerTeam]:
    if not _authed(user):
        return VolunteerTeam.objects.none()
    return VolunteerTeam.objects.filter(leader=user, is_active=True).select_related("community")


def has_workbench(user) -> bool:
    """Staff of a community, and leaders of an active team, run activities."""
    if not _authed(user):
        return False
    return managed_communities(user).exists() or led_teams(user).exists()


def my_community_ids(user) -> set[int]:
    """Where a person belongs: their home, the communities they work for, their teams' communities."""
    if not _authed(user):
        return set()
    ids = set(managed_communities(user).values_list("pk", flat=True))
    home = home_community(user)
    if home is not None:
        ids.add(home.pk)
    ids |= set(TeamMembership.objects.filter(user=user, status=MembershipStatus.ACTIVE, team__is_active=True)
               .values_list("team__community_id", flat=True))
    return ids


def publishable_communities(user) -> QuerySet[Region]:
    return managed_communities(user).order_by("code")


# ---------------------------------------------------------------- teams

def teams(*, community_id: int | None = None, include_inactive: bool = False) -> QuerySet[VolunteerTeam]:
    qs = VolunteerTeam.objects.select_related("community", "leader").annotate(
        member_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE)))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.order_by("community__code", "name", "id")


def get_team(pk) -> VolunteerTeam:
    team = VolunteerTeam.objects.select_related("community", "leader").filter(pk=_pk(pk)).first()
    if team is None:
        raise NotFound()
    return team


def live_membership(user, team) -> TeamMembership | None:
    if not _authed(user):
        return None
    return TeamMembership.objects.filter(team_id=_pk(team), user=user,
                                         status__in=[MembershipStatus.PENDING, MembershipStatus.ACTIVE]).first()


def my_memberships(user) -> QuerySet[TeamMembership]:
    if not _authed(user):
        return TeamMembership.objects.none()
    return TeamMembership.objects.filter(user=user).select_related("team__community").order_by("-requested_at", "-id")


def team_members(team) -> QuerySet[TeamMembership]:
    return TeamMembership.objects.filter(team_id=_pk(team), status=MembershipStatus.ACTIVE).select_related(
        "user__person").order_by("requested_at", "id")


def team_requests(team) -> QuerySet[TeamMembership]:
    """A team's pending join requests, oldest first: its page (for those who manage it) and its export."""
    return TeamMembership.objects.filter(team_id=_pk(team), status=MembershipStatus.PENDING).select_related(
        "user__person").order_by("requested_at", "id")


def pending_requests(user) -> QuerySet[TeamMembership]:
    """Join requests the user may decide: of teams they lead, or of their communities' teams."""
    if not _authed(user):
        return TeamMembership.objects.none()
    communities = managed_communities(user).values("pk")
    return TeamMembership.objects.filter(
        Q(team__leader=user) | Q(team__community_id__in=communities),
        status=MembershipStatus.PENDING, team__is_active=True,
    ).select_related("team__community", "user__person").order_by("requested_at", "id")


def membership_actions(user, membership: TeamMembership) -> list[str]:
    """What `user` may do to this membership: the member withdraws or leaves; the leader and staff decide on others."""
    if membership.user_id == getattr(user, "pk", None):
        rel = {SELF}
    else:
        rel = team_relations(user, membership.team) - {SELF}
    hidden = {"request", "appoint"}
    if membership.user_id == membership.team.leader_id:
        hidden |= {"leave", "remove"}  # the leader stays until staff appoint another
    return [action for (record, action) in TRANSITIONS if record == "membership" and action not in hidden
            and allowed("membership", action, membership.status, rel)]


# ---------------------------------------------------------------- activities

def with_seats(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.annotate(
        confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True),
        waitlist_count=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED), distinct=True),
    ).annotate(seats_left=F("capacity") - F("confirmed_count"))


def activities(*, community_ids=None, upcoming: bool = False, statuses=None, now: dt.datetime | None = None,
               q: str = "") -> QuerySet[Activity]:
    qs = Activity.objects.select_related("community", "team", "organiser")
    if community_ids is not None:
        qs = qs.filter(community_id__in=list(community_ids))
    if upcoming:
        qs = qs.filter(status=ActivityStatus.PUBLISHED, ends_at__gt=now or timezone.now())
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q))
    return with_seats(qs).order_by("starts_at", "id")


def get_activity(pk) -> Activity:
    activity = with_seats(Activity.objects.select_related("community", "team__leader", "organiser")).filter(
        pk=_pk(pk)).first()
    if activity is None:
        raise NotFound()
    return activity


def runnable_activities(user) -> QuerySet[Activity]:
    """Activities the user runs: organised by them, of teams they lead, or in communities they manage."""
    if not _authed(user):
        return Activity.objects.none()
    q = Q(organiser=user) | Q(team__leader=user) | Q(community_id__in=managed_communities(user).values("pk"))
    return with_seats(Activity.objects.filter(q).select_related("community", "team", "organiser"))


RECENT_DAYS = 60


def workbench_activities(user, now: dt.datetime) -> dict[str, QuerySet[Activity]]:
    """The workbench's two activity lists, for its page and its Excel export: the published
    ones to run, soonest first, and those finished or cancelled that started in the last 60 days."""
    runnable = runnable_activities(user)
    return {
        "to_run": runnable.filter(status=ActivityStatus.PUBLISHED).order_by("starts_at", "id"),
        "recent": runnable.exclude(status=ActivityStatus.PUBLISHED).filter(
            starts_at__gte=now - dt.timedelta(days=RECENT_DAYS)).order_by("-starts_at", "-id"),
    }


def my_signup(user, activity) -> Signup | None:
    """The user's live sign-up, else their latest (cancelled) one."""
    if not _authed(user):
        return None
    qs = Signup.objects.filter(activity_id=_pk(activity), user=user)
    return qs.filter(status__in=list(LIVE_SIGNUP)).first() or qs.order_by("-signed_up_at", "-id").first()


def waitlist_position(signup: Signup) -> int | None:
    if signup is None or signup.status != SignupStatus.WAITLISTED:
        return None
    ahead = Signup.objects.filter(activity_id=signup.activity_id, status=SignupStatus.WAITLISTED).filter(
        Q(signed_up_at__lt=signup.signed_up_at) | Q(signed_up_at=signup.signed_up_at, pk__lt=signup.pk)).count()
    return ahead + 1


def roster(activity) -> dict[str, list[Signup]]:
    signups = list(Signup.objects.filter(activity_id=_pk(activity)).select_related("user__person").order_by(
        "signed_up_at", "id"))
    return {
        "confirmed": [s for s in signups if s.status == SignupStatus.CONFIRMED],
        "waitlisted": [s for s in signups if s.status == SignupStatus.WAITLISTED],
        "cancelled": [s for s in signups if s.status == SignupStatus.CANCELLED],
    }


def activity_events(activity) -> QuerySet[ActivityEvent]:
    return ActivityEvent.objects.filter(activity_id=_pk(activity)).select_related("signup__user").order_by("-at", "-id")


def attendance_open(activity: Activity, now: dt.datetime) -> bool:
    return activity.starts_at - OPENS_BEFORE <= now <= activity.ends_at + CLOSES_AFTER


def get_signup(pk) -> Signup:
    signup = Signup.objects.select_related("activity__team", "activity__community", "user__person").filter(
        pk=_pk(pk)).first()
    if signup is None:
        raise NotFound()
    return signup


# ---------------------------------------------------------------- hours and certificates

def my_signups(user) -> QuerySet[Signup]:
    if not _authed(user):
        return Signup.objects.none()
    return Signup.objects.filter(user=user).select_related("activity__community", "activity__team").order_by(
        "-activity__starts_at", "-id")


def credited(user) -> QuerySet[Signup]:
    """Sign-ups whose hours count: confirmed, hours above zero, activity not cancelled."""
    return Signup.objects.filter(user=user, status=SignupStatus.CONFIRMED, hours__gt=0).exclude(
        activity__status=ActivityStatus.CANCELLED)


def total_hours(user) -> Decimal:
    if not _authed(user):
        return Decimal("0.0")
    total = credited(user).aggregate(t=Sum("hours"))["t"] or Decimal("0")
    return Decimal(total).quantize(Decimal("0.1"))


def my_certificates(user) -> QuerySet[HoursCertificate]:
    if not _authed(user):
        return HoursCertificate.objects.none()
    return HoursCertificate.objects.filter(user=user).select_related("community")


def get_certificate(code: str) -> HoursCertificate | None:
    return HoursCertificate.objects.select_related("community", "user").filter(code=code).first()


def can_download_certificate(user, certificate: HoursCertificate) -> bool:
    if not _authed(user):
        return False
    return certificate.user_id == user.pk or user_scopes(user).is_admin or (
        certificate.community_id is not None and is_staff_of(user, certificate.community_id))


def can_revoke_certificate(user, certificate: HoursCertificate) -> bool:
    if not _authed(user):
        return False
    return user_scopes(user).is_admin or (
        certificate.community_id is not None and is_staff_of(user, certificate.community_id))


def mask_holder(name: str) -> str:
    """张桂兰 → 张*兰, 张三 → 张*: enough to recognise, not enough to identify."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# ---------------------------------------------------------------- for other apps

def service_records(user_ids, start: dt.datetime, end: dt.datetime) -> list[ServiceRecord]:
    """Activities the users checked in to within [start, end): what counts as served for 双报到."""
    rows = Signup.objects.filter(user_id__in=list(user_ids), checked_in_at__gte=start, checked_in_at__lt=end,
                                 status=SignupStatus.CONFIRMED).exclude(activity__status=ActivityStatus.CANCELLED)
    return [
        ServiceRecord(user_id=s.user_id, at=s.checked_in_at, kind="activity", title=s.activity.title,
                      url=reverse("volunteering:activity", args=[s.activity_id]))
        for s in rows.select_related("activity").order_by("checked_in_at", "id")
    ]


def _within(field: str, start, end) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": start})
    if end is not None:
        q &= Q(**{f"{field}__lt": end})
    return q


def figures(community_ids: list[int] | None, start, end) -> list[dict]:
    """Volunteering figures for the figures page, each defined here once."""
    def scoped(qs, field):
        return qs if community_ids is None else qs.filter(**{f"{field}__in": list(community_ids)})

    teams_qs = scoped(VolunteerTeam.objects.filter(is_active=True), "community_id")
    members = scoped(TeamMembership.objects.filter(status=MembershipStatus.ACTIVE, team__is_active=True),
                     "team__community_id")
    held = scoped(Activity.objects.exclude(status=ActivityStatus.CANCELLED).filter(_within("starts_at", start, end)),
                  "community_id")
    checked_in = scoped(Signup.objects.filter(status=SignupStatus.CONFIRMED, checked_in_at__isnull=False)
                        .exclude(activity__status=ActivityStatus.CANCELLED)
                        .filter(_within("checked_in_at", start, end)), "activity__community_id")
    hours = scoped(Signup.objects.filter(status=SignupStatus.CONFIRMED, hours__isnull=False)
                   .exclude(activity__status=ActivityStatus.CANCELLED)
                   .filter(_within("activity__starts_at", start, end)), "activity__community_id")
    certificates = scoped(HoursCertificate.objects.filter(revoked_at__isnull=True).filter(
        _within("issued_at", start, end)), "community_id")
    total = hours.aggregate(t=Sum("hours"))["t"] or Decimal("0")
    return [
        {"key": "teams", "label": _("Volunteer teams"), "value": teams_qs.count(),
         "definition": _("Active volunteer teams now, whatever the period.")},
        {"key": "team_members", "label": _("Team members"), "value": members.count(),
         "definition": _("Active memberships of active teams now (a person in two teams counts twice).")},
        {"key": "activities_held", "label": _("Activities held"), "value": held.count(),
         "definition": _("Activities starting in the period, not cancelled.")},
        {"key": "participants", "label": _("Volunteers taking part"),
         "value": checked_in.values("user_id").distinct().count(),
         "definition": _("Different people who checked in to an activity in the period.")},
        {"key": "hours", "label": _("Volunteer hours"), "value": float(round(total, 1)),
         "definition": _("Hours credited for activities starting in the period, from real check-in and check-out "
                         "times, each capped by its activity.")},
        {"key": "certificates_issued", "label": _("Hours certificates"), "value": certificates.count(),
         "definition": _("Hours certificates issued in the period and not revoked.")},
    ]
