"""Every write of volunteering. Each public function owns its transaction,
checks permission against the table in `workflow`, writes its event row and
an audit row, and notifies after commit; nothing else sets a status.

Seats: every write that can change who holds a seat locks the activity row
first (`select_for_update` on PostgreSQL; SQLite serialises writers with
`BEGIN IMMEDIATE`), so many people taking the last seat at once end with
exactly `capacity` confirmed and the rest on the waiting list in order.
Edits, cancelling and finishing also check the activity's `version`.

Every function takes `now`, so the demo and tests can drive a whole activity
with past timestamps.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import home_community
from core.audit import actor_name, audit
from core.crypto import blind_index, mask_id_number
from core.db import serialised
from core.errors import Conflict, InvalidTransition, LinliError, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from core.notify import notify
from core.text import clean_text
from points import services as points
from regions.models import Region

from . import selectors
from .models import (
    Activity,
    ActivityEvent,
    CertificateLookup,
    HoursCertificate,
    Signup,
    TeamEvent,
    TeamMembership,
    VolunteerTeam,
    hours_between,
)
from .tokens import read_token
from .workflow import (
    LEADER,
    LIVE_MEMBERSHIP,
    LIVE_SIGNUP,
    RUNNER,
    SELF,
    STAFF,
    SYSTEM,
    ActivityStatus,
    Direction,
    MembershipStatus,
    Method,
    SignupStatus,
    TeamKind,
    transition,
)

logger = logging.getLogger("linli.volunteering")

MAX_CAPACITY = 1000
MAX_LENGTH = dt.timedelta(hours=24)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand
CODE_LENGTH = 10
CERTIFICATES_PER_DAY = 10
LOOKUP_WINDOW = dt.timedelta(minutes=10)
LOOKUP_FAILURES_ALLOWED = 20


class TooManyLookups(LinliError):
    code = "throttled"
    status = 429


# ---------------------------------------------------------------- parsing input

def _require_user(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAllowed(_("Please log in first."))


def _when(value, *, field: str, required: bool = True) -> dt.datetime | None:
    """A moment from a datetime or text like 2026-05-01T09:00 (local time unless it says otherwise)."""
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("Please fill in %(field)s.") % {"field": field}, code="required")
        return None
    moment = value
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip().replace(" ", "T", 1))
        except ValueError:
            moment = None
    if not isinstance(moment, dt.datetime):
        raise ValidationFailed(_("%(field)s must be a date and time like 2026-05-01 09:00.") % {"field": field},
                               code="bad_time")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _day(value, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    if isinstance(value, dt.date):
        return value
    try:
        day = parse_date(str(value).strip())
    except ValueError:
        day = None
    if day is None:
        raise ValidationFailed(_("%(field)s must be a date like 2026-05-01.") % {"field": field}, code="bad_date")
    return day


def _int(value, *, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(field)s must be a whole number.") % {"field": field}, code="bad_number")


def _hours(value, *, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value).strip())
        if not hours.is_finite() or abs(hours) >= 1000:
            raise ValueError(value)
        return hours.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("%(field)s must be a number of hours like 2.5.") % {"field": field}, code="bad_hours")


def _coordinates(lng, lat) -> tuple[float | None, float | None]:
    if lng in (None, "") and lat in (None, ""):
        return None, None
    try:
        lng_f, lat_f = float(lng), float(lat)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Give both longitude and latitude as numbers, or neither."), code="bad_location")
    if not (-180 <= lng_f <= 180 and -90 <= lat_f <= 90):
        raise ValidationFailed(_("The map position is outside the valid range."), code="bad_location")
    return lng_f, lat_f


def _user(value, *, field: str) -> User:
    if isinstance(value, User):
        return value
    text = str(value or "").strip()
    user = None
    if text.isdigit():
        user = User.objects.filter(pk=int(text), is_active=True).first()
    if user is None and text:
        user = User.objects.filter(username=text, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("Unknown person for %(field)s: give their user name.") % {"field": field},
                               code="unknown_user")
    return user


def _community(value) -> Region:
    if isinstance(value, Region):
        community = value
    else:
        community = Region.objects.filter(pk=value).first() if str(value or "").isdigit() else None
    if community is None or community.level != Region.Level.COMMUNITY:
        raise ValidationFailed(_("Choose a community."), code="unknown_community")
    return community


def _check(record: str, action: str, status: str, relations: set[str]):
    t = transition(record, action, status)
    if not t.who & relations:
        raise NotAllowed()
    return t


def _activity_url(activity) -> str:
    return reverse("volunteering:activity", args=[getattr(activity, "pk", activity)])


def _team_url(team) -> str:
    return reverse("volunteering:team", args=[team.pk])


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- teams

def _team_event(team, membership, action, from_status, to_status, actor, now, note="", data=None):
    TeamEvent.objects.create(team=team, membership=membership, action=action, from_status=from_status or "",
                             to_status=to_status or "", actor=actor if getattr(actor, "is_authenticated", False) else None,
                             actor_name=actor_name(actor), at=now, note=note[:500], data=data or {})


def _team_fields(*, name, kind, custom_kind, description) -> dict:
    name = clean_text(name, field=_("the team name"), max_length=100, required=True)
    try:
        kind = TeamKind(kind)
    except ValueError:
        raise ValidationFailed(_("Choose the kind of team."), code="bad_kind")
    custom_kind = clean_text(custom_kind, field=_("the kind"), max_length=40)
    if kind == TeamKind.CUSTOM and not custom_kind:
        raise ValidationFailed(_("Name the kind of this team."), code="required")
    if kind != TeamKind.CUSTOM:
        custom_kind = ""
    description = clean_text(description, field=_("the description"), max_length=2000)
    return {"name": name, "kind": kind, "custom_kind": custom_kind, "description": description}


def _make_leader(team, leader, actor, now) -> None:
    """The leader is always an active member of the team."""
    membership = TeamMembership.objects.select_for_update().filter(team=team, user=leader,
                                                                   status__in=list(LIVE_MEMBERSHIP)).first()
    if membership is None:
        membership = TeamMembership.objects.create(team=team, user=leader, status=MembershipStatus.ACTIVE,
                                                   requested_at=now, decided_by=actor, decided_at=now)
        before = ""
    else:
        before = membership.status
        TeamMembership.objects.filter(pk=membership.pk).update(status=MembershipStatus.ACTIVE, decided_by=actor,
                                                               decided_at=now)
    _team_event(team, membership, "appoint", before, MembershipStatus.ACTIVE, actor, now, data={"leader": leader.pk})
    notify([leader], verb="team_leader", title=_("You lead the volunteer team “%(t)s”") % {"t": team.name},
           url=_team_url(team))


@serialised
def team_create(*, actor: User, community, name: str, kind: str, custom_kind: str = "", leader=None,
                description: str = "", now: dt.datetime | None = None) -> VolunteerTeam:
    """Community staff set up a team and appoint its leader."""
    now = now or timezone.now()
    _require_user(actor)
    community = _community(community)
    if not selectors.is_staff_of(actor, community.pk):
        raise NotAllowed(_("Only staff of this community can set up its volunteer teams."))
    fields = _team_fields(name=name, kind=kind, custom_kind=custom_kind, description=description)
    leader = _user(leader, field=_("the leader")) if leader not in (None, "") else None
    if VolunteerTeam.objects.filter(community=community, name=fields["name"]).exists():
        raise ValidationFailed(_("This community already has a team called “%(n)s”.") % {"n": fields["name"]},
                               code="duplicate_team")
    team = VolunteerTeam.objects.create(community=community, leader=leader, created_at=now, **fields)
    _team_event(team, None, "create", "", "", actor, now, data={"kind": team.kind})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=team,
          after={"name": team.name, "kind": team.kind, "community": community.pk, "leader": leader.pk if leader else None})
    if leader is not None:
        _make_leader(team, leader, actor, now)
    return team


@serialised
def team_update(*, actor: User, team, name: str, kind: str, custom_kind: str = "", description: str = "",
                leader=None, is_active: bool = True, now: dt.datetime | None = None) -> VolunteerTeam:
    """Staff rename, re-describe, appoint a new leader, or close a team (its history stays)."""
    now = now or timezone.now()
    _require_user(actor)
    team = VolunteerTeam.objects.select_for_update().filter(pk=getattr(team, "pk", team)).first()
    if team is None:
        raise NotFound()
    if STAFF not in selectors.team_relations(actor, team):
        raise NotAllowed(_("Only staff of this community can change its volunteer teams."))
    fields = _team_fields(name=name, kind=kind, custom_kind=custom_kind, description=description)
    if VolunteerTeam.objects.filter(community_id=team.community_id, name=fields["name"]).exclude(pk=team.pk).exists():
        raise ValidationFailed(_("This community already has a team called “%(n)s”.") % {"n": fields["name"]},
                               code="duplicate_team")
    new_leader = _user(leader, field=_("the leader")) if leader not in (None, "") else None
    before = {"name": team.name, "kind": team.kind, "leader": team.leader_id, "is_active": team.is_active}
    VolunteerTeam.objects.filter(pk=team.pk).update(leader=new_leader, is_active=bool(is_active), **fields)
    team.refresh_from_db()
    after = {"name": team.name, "kind": team.kind, "leader": team.leader_id, "is_active": team.is_active}
    _team_event(team, None, "edit", "", "", actor, now, data={"before": before, "after": after})
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=team, before=before, after=after)
    if new_leader is not None and new_leader.pk != before["leader"]:
        _make_leader(team, new_leader, actor, now)
    return team


@serialised
def team_join(*, actor: User, team, note: str = "", now: dt.datetime | None = None) -> TeamMembership:
    """Anyone logged in may ask to join; the leader or staff decide."""
    now = now or timezone.now()
    _require_user(actor)
    team = VolunteerTeam.objects.select_for_update().filter(pk=getattr(team, "pk", team)).first() \
        if str(getattr(team, "pk", team)).isdigit() else None
    if team is None:
        raise NotFound()
    if not team.is_active:
        raise InvalidTransition(_("This team no longer takes new members."))
    _check("membership", "request", "", {SELF})
    note = clean_text(note, field=_("the note"), max_length=500)
    existing = TeamMembership.objects.filter(team=team, user=actor, status__in=list(LIVE_MEMBERSHIP)).first()
    if existing is not None:
        raise Conflict(_("You are already a member of this team.") if existing.status == MembershipStatus.ACTIVE
                       else _("You have already asked to join; the team leader will decide."), code="already_member")
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, user=actor, status=MembershipStatus.PENDING,
                                                       requested_at=now, note=note)
    except IntegrityError:
        raise Conflict(_("You have already asked to join; the team leader will decide."), code="already_member")
    _team_event(team, membership, "request", "", MembershipStatus.PENDING, actor, now, note=note)
    audit(actor=actor, action="volunteering.team_join", obj=membership, after={"team": team.pk})
    deciders = [team.leader] if team.leader_id else []
    if not deciders:
        deciders = list(User.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__region_id=team.community_id))
    notify(deciders, verb="team_request", title=_("%(u)s asks to join “%(t)s”") % {"u": actor.display_name, "t": team.name},
           url=_team_url(team))
    return membership


@serialised
def membership_act(*, actor: User, membership, action: str, note: str = "",
                   now: dt.datetime | None = None) -> TeamMembership:
    """approve / reject (leader or staff), withdraw / leave (the member), remove (leader or staff, with a note)."""
    now = now or timezone.now()
    _require_user(actor)
    pk = getattr(membership, "pk", membership)
    locked = TeamMembership.objects.select_for_update().filter(pk=pk).first() if str(pk).isdigit() else None
    if locked is None:
        raise NotFound()
    membership = TeamMembership.objects.select_related("team", "user").get(pk=locked.pk)
    team = membership.team
    relations = {SELF} if membership.user_id == actor.pk else selectors.team_relations(actor, team) - {SELF}
    if action not in ("approve", "reject", "withdraw", "leave", "remove"):
        raise InvalidTransition()
    t = _check("membership", action, membership.status, relations)
    note = clean_text(note, field=_("the note"), max_length=500, required=t.note_required)
    if action in ("leave", "remove") and team.leader_id == membership.user_id:
        raise ValidationFailed(_("The team leader cannot leave; staff must appoint another leader first."),
                               code="leader_stays")
    if action in ("approve",) and not team.is_active:
        raise InvalidTransition(_("This team no longer takes new members."))
    before = membership.status
    updated = TeamMembership.objects.filter(pk=membership.pk, status=before).update(
        status=t.target, decided_by=actor if action in ("approve", "reject", "remove") else membership.decided_by,
        decided_at=now if action in ("approve", "reject", "remove") else membership.decided_at,
        note=note or membership.note)
    if updated != 1:
        raise Conflict()
    membership.refresh_from_db()
    _team_event(team, membership, action, before, t.target, actor, now, note=note)
    audit(actor=actor, action=f"volunteering.membership_{action}", obj=membership,
          before={"status": before}, after={"status": t.target}, note=note)
    if action in ("approve", "reject", "remove"):
        titles = {"approve": _("Welcome to the volunteer team “%(t)s”"),
                  "reject": _("Your request to join “%(t)s” was not approved"),
                  "remove": _("You are no longer a member of “%(t)s”")}
        notify([membership.user], verb=f"team_{action}", title=titles[action] % {"t": team.name}, body=note,
               url=_team_url(team))
    return membership


# ---------------------------------------------------------------- activities

def _activity_event(activity, signup, action, from_status, to_status, actor, now, note="", data=None):
    ActivityEvent.objects.create(activity=activity, signup=signup, action=action, from_status=from_status or "",
                                 to_status=to_status or "",
                                 actor=actor if getattr(actor, "is_authenticated", False) else None,
                                 actor_name=actor_name(actor), at=now, note=(note or "")[:500], data=data or {})


def _activity_fields(*, title, description, place, starts_at, ends_at, capacity, max_hours, lng, lat,
                     now: dt.datetime) -> dict:
    title = clean_text(title, field=_("the title"), max_length=100, required=True)
    description = clean_text(description, field=_("the description"), max_length=4000)
    place = clean_text(place, field=_("the place"), max_length=200, required=True)
    starts_at = _when(starts_at, field=_("The start"))
    ends_at = _when(ends_at, field=_("The end"))
    if ends_at <= starts_at:
        raise ValidationFailed(_("The activity must end after it starts."), code="bad_times")
    if ends_at - starts_at > MAX_LENGTH:
        raise ValidationFailed(_("An activity can last at most 24 hours; publish longer service as several "
                                 "activities."), code="bad_times")
    if ends_at <= now:
        raise ValidationFailed(_("The activity must end in the future."), code="bad_times")
    length = hours_between(starts_at, ends_at)
    if length < Decimal("0.1"):
        raise ValidationFailed(_("An activity must last at least 6 minutes."), code="bad_times")
    capacity = _int(capacity, field=_("The number of seats"))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(_("The number of seats must be between 1 and %(n)d.") % {"n": MAX_CAPACITY},
                               code="bad_capacity")
    max_hours = _hours(max_hours, field=_("The most hours credited"))
    if max_hours is None:
        max_hours = length
    if max_hours < Decimal("0.1"):
        raise ValidationFailed(_("The most hours credited must be at least 0.1."), code="bad_hours")
    if max_hours > length:
        raise ValidationFailed(_("The most hours credited (%(m)s) cannot be more than the activity lasts (%(l)s h).")
                               % {"m": max_hours, "l": length}, code="bad_hours")
    lng, lat = _coordinates(lng, lat)
    return {"title": title, "description": description, "place": place, "starts_at": starts_at, "ends_at": ends_at,
            "capacity": capacity, "max_hours": max_hours, "lng": lng, "lat": lat}


@serialised
def activity_publish(*, actor: User, title: str, place: str, starts_at, ends_at, capacity, community=None, team=None,
                     description: str = "", max_hours=None, lng=None, lat=None,
                     now: dt.datetime | None = None) -> Activity:
    """Staff publish for their community (for a team or not); a team leader for their team."""
    now = now or timezone.now()
    _require_user(actor)
    if team not in (None, ""):
        team_pk = getattr(team, "pk", team)
        team = VolunteerTeam.objects.filter(pk=team_pk).first() if str(team_pk).isdigit() else None
        if team is None or not team.is_active:
            raise ValidationFailed(_("Choose an active team."), code="unknown_team")
        community = team.community
        relations = selectors.team_relations(actor, team)
    else:
        team = None
        community = _community(community)
        relations = {STAFF} if selectors.is_staff_of(actor, community.pk) else set()
    if not relations & {STAFF, LEADER}:
        if team is None and selectors.led_teams(actor).exists():
            raise NotAllowed(_("As a team leader, publish activities for your team: choose it."))
        raise NotAllowed(_("Only community staff and team leaders can publish activities."))
    _check("activity", "publish", "", relations)
    fields = _activity_fields(title=title, description=description, place=place, starts_at=starts_at, ends_at=ends_at,
                              capacity=capacity, max_hours=max_hours, lng=lng, lat=lat, now=now)
    activity = Activity.objects.create(team=team, community=community, organiser=actor,
                                       status=ActivityStatus.PUBLISHED, created_at=now, **fields)
    _activity_event(activity, None, "publish", "", ActivityStatus.PUBLISHED, actor, now,
                    data={"capacity": activity.capacity, "max_hours": str(activity.max_hours)})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=activity,
          after={"title": activity.title, "community": community.pk, "team": team.pk if team else None,
                 "starts_at": activity.starts_at.isoformat(), "capacity": activity.capacity})
    if team is not None:
        members = User.objects.filter(volunteer_memberships__team=team,
                                      volunteer_memberships__status=MembershipStatus.ACTIVE).exclude(pk=actor.pk)
        notify(members, verb="activity_new", title=_("New activity of %(team)s: %(t)s, %(when)s")
               % {"team": team.name, "t": activity.title, "when": _local(activity.starts_at)},
               url=_activity_url(activity))
    return activity


def _lock_activity(activity) -> Activity:
    pk = getattr(activity, "pk", activity)
    if not str(pk).isdigit():
        raise NotFound()
    locked = Activity.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound()
    return Activity.objects.select_related("team", "community").get(pk=locked.pk)


def _bump(activity: Activity, expected_version, **fields) -> None:
    """Save a change to the activity only if nobody else changed it since `expected_version` was read."""
    if expected_version not in (None, ""):
        if _int(expected_version, field="version") != activity.version:
            raise Conflict()
    if Activity.objects.filter(pk=activity.pk, version=activity.version).update(version=F("version") + 1, **fields) != 1:
        raise Conflict()
    activity.refresh_from_db()


def _live_people(activity) -> list[User]:
    return [s.user for s in Signup.objects.filter(activity=activity, status__in=list(LIVE_SIGNUP)).select_related("user")]


@serialised
def activity_edit(*, actor: User, activity, title: str, place: str, starts_at, ends_at, capacity,
                  description: str = "", max_hours=None, lng=None, lat=None, expected_version=None,
                  now: dt.datetime | None = None) -> Activity:
    """Change an activity before it starts. Fewer seats than people holding one is refused; more seats
    give the waiting list its turn; a new time or place is told to everyone signed up."""
    now = now or timezone.now()
    _require_user(actor)
    activity = _lock_activity(activity)
    _check("activity", "edit", activity.status, selectors.activity_relations(actor, activity))
    if now >= activity.starts_at:
        raise InvalidTransition(_("The activity has started; it can no longer be edited."))
    fields = _activity_fields(title=title, description=description, place=place, starts_at=starts_at, ends_at=ends_at,
                              capacity=capacity, max_hours=max_hours, lng=lng, lat=lat, now=now)
    if fields["starts_at"] <= now:
        raise ValidationFailed(_("The new start must be in the future."), code="bad_times")
    confirmed = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
    if fields["capacity"] < confirmed:
        raise ValidationFailed(_("%(n)d people already hold a seat: the number of seats cannot be lower.")
                               % {"n": confirmed}, code="bad_capacity")
    before = {k: getattr(activity, k) for k in fields}
    changed = {k: v for k, v in fields.items() if before[k] != v}
    _bump(activity, expected_version, **fields)
    serial = {k: (v.isoformat() if isinstance(v, dt.datetime) else str(v) if isinstance(v, Decimal) else v)
              for k, v in changed.items()}
    _activity_event(activity, None, "edit", activity.status, activity.status, actor, now, data={"changed": serial})
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=activity, fields=sorted(changed),
          before={k: (v.isoformat() if isinstance(v, dt.datetime) else str(v) if isinstance(v, Decimal) else v)
                  for k, v in before.items() if k in changed}, after=serial)
    if changed.keys() & {"starts_at", "ends_at", "place"}:
        notify(_live_people(activity), verb="activity_changed",
               title=_("Changed: %(t)s is now %(when)s at %(place)s")
               % {"t": activity.title, "when": _local(activity.starts_at), "place": activity.place},
               url=_activity_url(activity))
    if "capacity" in changed:
        _promote(activity, actor=None, now=now)
    return activity


@serialised
def activity_cancel(*, actor: User, activity, reason: str, expected_version=None,
                    now: dt.datetime | None = None) -> Activity:
    """Call an activity off; everyone signed up or waiting hears why."""
    now = now or timezone.now()
    _require_user(actor)
    activity = _lock_activity(activity)
    _check("activity", "cancel", activity.status, selectors.activity_relations(actor, activity))
    reason = clean_text(reason, field=_("the reason"), max_length=500, required=True)
    if Signup.objects.filter(activity=activity, checked_in_at__isnull=False).exists():
        raise InvalidTransition(_("People have already checked in: finish the activity instead of cancelling it."))
    _bump(activity, expected_version, status=ActivityStatus.CANCELLED, cancel_reason=reason)
    _activity_event(activity, None, "cancel", ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED, actor, now,
                    note=reason)
    audit(actor=actor, action="volunteering.activity_cancel", obj=activity, before={"status": ActivityStatus.PUBLISHED},
          after={"status": ActivityStatus.CANCELLED}, note=reason)
    notify([u for u in _live_people(activity) if u.pk != actor.pk], verb="activity_cancelled",
           title=_("Cancelled: %(t)s (%(when)s)") % {"t": activity.title, "when": _local(activity.starts_at)},
           body=reason, url=_activity_url(activity))
    return activity


@serialised
def activity_finish(*, actor: User | None, activity, expected_version=None, now: dt.datetime | None = None) -> Activity:
    """Close an activity: whoever is still checked in is checked out at its end (or now, if it ends
    early) and credited. `actor=None` is the sweep."""
    now = now or timezone.now()
    activity = _lock_activity(activity)
    relations = {SYSTEM} if actor is None else selectors.activity_relations(actor, activity)
    _check("activity", "finish", activity.status, relations)
    if now < activity.starts_at:
        raise InvalidTransition(_("The activity has not started yet; cancel it instead."))
    at = min(now, activity.ends_at)
    still_in = Signup.objects.select_for_update().filter(activity=activity, status=SignupStatus.CONFIRMED,
                                                         checked_in_at__isnull=False, checked_out_at__isnull=True)
    count = 0
    for signup in still_in:
        _check_out(activity, signup, actor=actor, method=Method.AUTO, at=at, now=now)
        count += 1
    _bump(activity, expected_version, status=ActivityStatus.FINISHED, finished_at=now)
    _activity_event(activity, None, "finish", ActivityStatus.PUBLISHED, ActivityStatus.FINISHED, actor, now,
                    data={"checked_out": count})
    audit(actor=actor, action="volunteering.activity_finish", obj=activity, before={"status": ActivityStatus.PUBLISHED},
          after={"status": ActivityStatus.FINISHED, "checked_out": count})
    return activity


def sweep_activities(now: dt.datetime | None = None) -> int:
    """Finish every open activity that ended more than two hours ago. Idempotent; run it every few minutes."""
    now = now or timezone.now()
    done = 0
    due = Activity.objects.filter(status=ActivityStatus.PUBLISHED, ends_at__lte=now - selectors.CLOSES_AFTER)
    for pk in list(due.values_list("pk", flat=True)):
        try:
            activity_finish(actor=None, activity=pk, now=now)
            done += 1
        except (Conflict, InvalidTransition):
            continue  # somebody finished or cancelled it meanwhile
        except LinliError:
            logger.exception("could not finish volunteer activity %s", pk)
    return done


# ---------------------------------------------------------------- sign-up and the waiting list

@serialised
def signup(*, actor: User, activity, now: dt.datetime | None = None) -> Signup:
    """A seat while seats remain, else a place on the waiting list."""
    now = now or timezone.now()
    _require_user(actor)
    activity = _lock_activity(activity)
    _check("signup", "signup", "", {SELF})
    if activity.status != ActivityStatus.PUBLISHED:
        raise InvalidTransition(_("This activity is no longer open for sign-up."))
    if now >= activity.ends_at:
        raise InvalidTransition(_("This activity has already ended."))
    if Signup.objects.filter(activity=activity, user=actor, status__in=list(LIVE_SIGNUP)).exists():
        raise Conflict(_("You have already signed up for this activity."), code="already_signed_up")
    confirmed = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
    status = SignupStatus.CONFIRMED if confirmed < activity.capacity else SignupStatus.WAITLISTED
    try:
        with transaction.atomic():
            record = Signup.objects.create(activity=activity, user=actor, status=status, signed_up_at=now,
                                           confirmed_at=now if status == SignupStatus.CONFIRMED else None)
    except IntegrityError:
        raise Conflict(_("You have already signed up for this activity."), code="already_signed_up")
    _activity_event(activity, record, "signup", "", status, actor, now)
    audit(actor=actor, action="volunteering.signup", obj=record, after={"activity": activity.pk, "status": status})
    return record


def _promote(activity: Activity, *, actor, now: dt.datetime) -> list[Signup]:
    """Give free seats to the waiting list, first come first served. The activity row is locked."""
    if activity.status != ActivityStatus.PUBLISHED or now >= activity.ends_at:
        return []
    free = activity.capacity - Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
    promoted = []
    if free <= 0:
        return promoted
    waiting = Signup.objects.select_for_update().filter(activity=activity, status=SignupStatus.WAITLISTED).order_by(
        "signed_up_at", "id")[:free]
    for record in waiting:
        transition("signup", "promote", record.status)
        Signup.objects.filter(pk=record.pk, status=SignupStatus.WAITLISTED).update(status=SignupStatus.CONFIRMED,
                                                                                   confirmed_at=now)
        record.refresh_from_db()
        _activity_event(activity, record, "promote", SignupStatus.WAITLISTED, SignupStatus.CONFIRMED, actor, now)
        audit(actor=actor, action="volunteering.promote", obj=record, before={"status": SignupStatus.WAITLISTED},
              after={"status": SignupStatus.CONFIRMED})
        notify([record.user], verb="activity_seat",
               title=_("A seat is yours: %(t)s, %(when)s") % {"t": activity.title, "when": _local(activity.starts_at)},
               url=_activity_url(activity))
        promoted.append(record)
    return promoted


def _lock_signup(pk) -> Signup:
    if not str(pk).isdigit():
        raise NotFound()
    record = Signup.objects.select_for_update().filter(pk=pk).first()
    if record is None:
        raise NotFound()
    return Signup.objects.select_related("user").get(pk=record.pk)


@serialised
def signup_cancel(*, actor: User, signup=None, activity=None, now: dt.datetime | None = None) -> Signup:
    """The volunteer gives up their seat or place in the queue (or the organiser does it for them);
    a freed seat goes to the first person waiting."""
    now = now or timezone.now()
    _require_user(actor)
    if signup is None:
        if activity is None:
            raise NotFound()
        found = selectors.my_signup(actor, activity)
        if found is None or found.status not in LIVE_SIGNUP:
            raise NotFound(_("You have not signed up for this activity."))
        signup = found
    pk = getattr(signup, "pk", signup)
    if not str(pk).isdigit():
        raise NotFound()
    activity_id = Signup.objects.filter(pk=pk).values_list("activity_id", flat=True).first()
    if activity_id is None:
        raise NotFound()
    activity = _lock_activity(activity_id)
    record = _lock_signup(pk)
    relations = selectors.activity_relations(actor, activity)
    if record.user_id != actor.pk:
        relations.discard(SELF)
    _check("signup", "cancel", record.status, relations)
    if record.checked_in_at is not None:
        raise InvalidTransition(_("Already checked in: this sign-up can no longer be cancelled."))
    if activity.status != ActivityStatus.PUBLISHED or now >= activity.ends_at:
        raise InvalidTransition(_("This activity is over; the sign-up stays on record."))
    before = record.status
    if Signup.objects.filter(pk=record.pk, status=before).update(status=SignupStatus.CANCELLED, cancelled_at=now) != 1:
        raise Conflict()
    record.refresh_from_db()
    _activity_event(activity, record, "cancel", before, SignupStatus.CANCELLED, actor, now)
    audit(actor=actor, action="volunteering.signup_cancel", obj=record, before={"status": before},
          after={"status": SignupStatus.CANCELLED})
    if record.user_id != actor.pk:
        notify([record.user], verb="signup_cancelled",
               title=_("The organiser cancelled your sign-up: %(t)s") % {"t": activity.title},
               url=_activity_url(activity))
    if before == SignupStatus.CONFIRMED:
        _promote(activity, actor=None, now=now)
    return record


# ---------------------------------------------------------------- attendance and hours

def credited_hours(activity: Activity, checked_in_at: dt.datetime, checked_out_at: dt.datetime) -> Decimal:
    """The part of [in, out] inside the activity's own window, capped by its most hours, in tenths rounded down."""
    start = max(checked_in_at, activity.starts_at)
    end = min(checked_out_at, activity.ends_at)
    hours = hours_between(start, end) if end > start else Decimal("0.0")
    return min(hours, Decimal(activity.max_hours))


def points_for(activity: Activity, hours: Decimal) -> int:
    per_hour = points.rule_points(activity.community, "activity_hour")
    return int((Decimal(hours) * per_hour).to_integral_value(rounding=ROUND_HALF_UP))


def _credit(activity: Activity, record: Signup, hours: Decimal, *, source_id: str, actor, now) -> str:
    """Book the points for these hours; returns the source id booked, or "" when it rounds to nothing."""
    amount = points_for(activity, hours)
    if amount <= 0:
        return ""
    points.credit(user=record.user, amount=amount, source="activity", source_id=source_id,
                  reason=_("Volunteering: %(t)s, %(h)s h") % {"t": activity.title[:100], "h": hours},
                  community=activity.community, actor=actor, now=now)
    return source_id


def _check_in(activity, record: Signup, *, actor, method: str, at: dt.datetime, now: dt.datetime) -> bool:
    """Record arrival; a second check-in keeps the first time. True if this call recorded it."""
    transition("signup", "check_in", record.status)
    if record.checked_in_at is not None:
        return False
    if Signup.objects.filter(pk=record.pk, checked_in_at__isnull=True).update(checked_in_at=at,
                                                                              check_in_method=method) != 1:
        return False
    record.refresh_from_db()
    _activity_event(activity, record, "check_in", record.status, record.status, actor, now,
                    data={"at": at.isoformat(), "method": method})
    audit(actor=actor, action="volunteering.check_in", obj=record, after={"at": at.isoformat(), "method": method})
    return True


def _check_out(activity, record: Signup, *, actor, method: str, at: dt.datetime, now: dt.datetime) -> bool:
    """Record departure, compute the hours and credit the points; a second check-out keeps the first."""
    transition("signup", "check_out", record.status)
    if record.checked_in_at is None:
        raise InvalidTransition(_("Not checked in yet: check in first."))
    if record.checked_out_at is not None:
        return False
    at = max(at, record.checked_in_at)
    hours = credited_hours(activity, record.checked_in_at, at)
    if Signup.objects.filter(pk=record.pk, checked_out_at__isnull=True).update(
            checked_out_at=at, check_out_method=method, hours=hours,
            credited_by=actor if getattr(actor, "is_authenticated", False) else None) != 1:
        return False
    record.refresh_from_db()
    source_id = _credit(activity, record, hours, source_id=str(record.pk), actor=actor, now=now)
    if source_id:
        Signup.objects.filter(pk=record.pk).update(points_source_id=source_id)
        record.points_source_id = source_id
    _activity_event(activity, record, "check_out", record.status, record.status, actor, now,
                    data={"at": at.isoformat(), "method": method, "hours": str(hours)})
    audit(actor=actor, action="volunteering.check_out", obj=record,
          after={"at": at.isoformat(), "method": method, "hours": str(hours)})
    return True


def _attendance_checks(activity: Activity, now: dt.datetime) -> None:
    if activity.status != ActivityStatus.PUBLISHED:
        raise InvalidTransition(_("This activity is not open for check-in: it is “%(s)s”.")
                                % {"s": ActivityStatus(activity.status).label})
    if not selectors.attendance_open(activity, now):
        raise InvalidTransition(_("Check-in is open from 1 hour before the start to 2 hours after the end "
                                  "(%(start)s – %(end)s).")
                                % {"start": _local(activity.starts_at), "end": _local(activity.ends_at)})


@dataclass
class ScanResult:
    signup: Signup
    direction: str
    recorded: bool  # False when it had already been recorded: the first time stands


@serialised
def scan(*, actor: User, token: str, now: dt.datetime | None = None) -> ScanResult:
    """A phone scanned the venue code: check the code, the activity and the seat, then check in or out."""
    now = now or timezone.now()
    _require_user(actor)
    activity_id, direction = read_token(token, now=now)
    try:
        activity = _lock_activity(activity_id)
    except NotFound:
        raise NotFound(_("This activity no longer exists."))
    _attendance_checks(activity, now)
    record = Signup.objects.filter(activity=activity, user=actor, status__in=list(LIVE_SIGNUP)).first()
    if record is None:
        raise NotAllowed(_("You have not signed up for “%(t)s”, so you cannot check in.") % {"t": activity.title},
                         code="no_signup")
    if record.status == SignupStatus.WAITLISTED:
        raise NotAllowed(_("You are on the waiting list for “%(t)s”; only people with a seat can check in.")
                         % {"t": activity.title}, code="waitlisted")
    record = _lock_signup(record.pk)
    if direction == Direction.IN:
        recorded = _check_in(activity, record, actor=actor, method=Method.QR, at=now, now=now)
    else:
        recorded = _check_out(activity, record, actor=actor, method=Method.QR, at=now, now=now)
    return ScanResult(signup=record, direction=direction, recorded=recorded)


def _runner_signup(actor, pk) -> tuple[Activity, Signup]:
    _require_user(actor)
    activity_id = Signup.objects.filter(pk=pk).values_list("activity_id", flat=True).first() \
        if str(pk).isdigit() else None
    if activity_id is None:
        raise NotFound()
    activity = _lock_activity(activity_id)
    if not selectors.can_run(actor, activity):
        raise NotAllowed(_("Only whoever runs this activity can do this."))
    return activity, _lock_signup(pk)


@serialised
def organiser_check(*, actor: User, signup, direction: str, now: dt.datetime | None = None) -> ScanResult:
    """Check someone in or out by hand from the roster, at the present moment."""
    now = now or timezone.now()
    activity, record = _runner_signup(actor, getattr(signup, "pk", signup))
    try:
        direction = Direction(direction)
    except ValueError:
        raise ValidationFailed(_("Choose check-in or check-out."), code="bad_direction")
    _check("signup", "check_in" if direction == Direction.IN else "check_out", record.status, {RUNNER})
    _attendance_checks(activity, now)
    if direction == Direction.IN:
        recorded = _check_in(activity, record, actor=actor, method=Method.ORGANISER, at=now, now=now)
    else:
        recorded = _check_out(activity, record, actor=actor, method=Method.ORGANISER, at=now, now=now)
    return ScanResult(signup=record, direction=direction, recorded=recorded)


@serialised
def correct_times(*, actor: User, signup, checked_in_at, checked_out_at=None, note: str,
                  now: dt.datetime | None = None) -> Signup:
    """The organiser sets the real times (forgotten scan, phone flat, left early). The earlier points
    are reversed and the corrected hours credited anew, so the ledger shows both."""
    now = now or timezone.now()
    activity, record = _runner_signup(actor, getattr(signup, "pk", signup))
    _check("signup", "correct", record.status, {RUNNER})
    if activity.status == ActivityStatus.CANCELLED:
        raise InvalidTransition(_("This activity was cancelled."))
    note = clean_text(note, field=_("the reason for the correction"), max_length=500, required=True)
    new_in = _when(checked_in_at, field=_("The check-in time"))
    new_out = _when(checked_out_at, field=_("The check-out time"), required=False)
    earliest, latest = activity.starts_at - selectors.OPENS_BEFORE, activity.ends_at + selectors.CLOSES_AFTER
    for moment in (new_in, new_out):
        if moment is not None and not earliest <= moment <= latest:
            raise ValidationFailed(_("Times must lie between %(a)s and %(b)s.") % {"a": _local(earliest), "b": _local(latest)},
                                   code="bad_times")
        if moment is not None and moment > now:
            raise ValidationFailed(_("Times cannot be in the future."), code="bad_times")
    if new_out is not None and new_out <= new_in:
        raise ValidationFailed(_("Check-out must be after check-in."), code="bad_times")
    if activity.status == ActivityStatus.FINISHED and new_out is None:
        raise ValidationFailed(_("The activity has finished: give the check-out time too."), code="required")
    before = {"checked_in_at": record.checked_in_at.isoformat() if record.checked_in_at else None,
              "checked_out_at": record.checked_out_at.isoformat() if record.checked_out_at else None,
              "hours": str(record.hours) if record.hours is not None else None}
    n = record.corrections + 1
    hours = credited_hours(activity, new_in, new_out) if new_out is not None else None
    # Credit the new hours before taking back the old: a person who spent some points can
    # still have hours raised; lowering below what they have spent is refused.
    new_source = _credit(activity, record, hours, source_id=f"{record.pk}:{n}", actor=actor, now=now) if hours else ""
    if record.points_source_id:
        try:
            points.reverse_source(source="activity", source_id=record.points_source_id, actor=actor,
                                  reason=_("Hours corrected: %(note)s") % {"note": note[:150]})
        except ValidationFailed as exc:
            if exc.code == "insufficient_points":
                raise ValidationFailed(_("The hours cannot be lowered this far: the volunteer has already spent "
                                         "the points they earned."), code="insufficient_points")
            raise
    Signup.objects.filter(pk=record.pk).update(
        checked_in_at=new_in, check_in_method=Method.ORGANISER, checked_out_at=new_out,
        check_out_method=Method.ORGANISER if new_out else "", hours=hours, credited_by=actor, corrections=n,
        points_source_id=new_source)
    record.refresh_from_db()
    after = {"checked_in_at": new_in.isoformat(), "checked_out_at": new_out.isoformat() if new_out else None,
             "hours": str(hours) if hours is not None else None}
    _activity_event(activity, record, "correct", record.status, record.status, actor, now, note=note,
                    data={"before": before, "after": after})
    audit(actor=actor, action="volunteering.correct_times", obj=record, before=before, after=after, note=note)
    notify([record.user], verb="hours_corrected",
           title=_("Your times at %(t)s were corrected: %(h)s h") % {"t": activity.title, "h": hours or 0},
           body=note, url=_activity_url(activity))
    return record


@transaction.atomic
def reveal_phone(*, actor: User, signup=None, membership=None) -> str:
    """The full phone number of a volunteer, for whoever runs their activity or team; every look is logged."""
    _require_user(actor)
    if signup is not None:
        record = selectors.get_signup(getattr(signup, "pk", signup))
        if not selectors.can_run(actor, record.activity):
            raise NotAllowed()
        person_user, obj = record.user, record
    elif membership is not None:
        pk = getattr(membership, "pk", membership)
        record = TeamMembership.objects.select_related("team", "user__person").filter(pk=pk).first() \
            if str(pk).isdigit() else None
        if record is None:
            raise NotFound()
        if not selectors.can_manage_team(actor, record.team):
            raise NotAllowed()
        person_user, obj = record.user, record
    else:
        raise NotFound()
    person = getattr(person_user, "person", None)
    phone = person.phone if person is not None else ""
    if not phone:
        raise NotFound(_("No phone number on record."))
    audit(actor=actor, action=AuditLog.Action.VIEW_PERSONAL, obj=obj, fields=["phone"],
          note=f"phone of user {person_user.pk} shown to whoever runs it")
    return phone


# ---------------------------------------------------------------- certificates

def _new_code() -> str:
    for _attempt in range(10):
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not HoursCertificate.objects.filter(code=code).exists():
            return code
    raise Conflict()


def normalise_code(code) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:32]


@serialised
def certificate_issue(*, actor: User, period_start=None, period_end=None,
                      now: dt.datetime | None = None) -> HoursCertificate:
    """志愿服务时长证明 for the volunteer's own credited hours in a period (or all time), frozen at issue."""
    now = now or timezone.now()
    _require_user(actor)
    start = _day(period_start, field=_("The first day"))
    end = _day(period_end, field=_("The last day"))
    today = timezone.localdate(now)
    if start and end and start > end:
        raise ValidationFailed(_("The first day must not be after the last day."), code="bad_period")
    if start and start > today:
        raise ValidationFailed(_("The period cannot start in the future."), code="bad_period")
    if HoursCertificate.objects.filter(user=actor, issued_at__gt=now - dt.timedelta(days=1)).count() \
            >= CERTIFICATES_PER_DAY:
        raise ValidationFailed(_("You have issued many certificates today; please use one you already have."),
                               code="too_many")
    rows = selectors.credited(actor).select_related("activity__community").order_by("activity__starts_at", "id")
    if start:
        rows = rows.filter(activity__starts_at__date__gte=start)
    if end:
        rows = rows.filter(activity__starts_at__date__lte=end)
    rows = list(rows)
    if not rows:
        raise ValidationFailed(_("There are no credited volunteer hours in this period."), code="no_hours")
    items = [{"activity": s.activity_id, "title": s.activity.title,
              "date": timezone.localdate(s.activity.starts_at).isoformat(), "hours": str(s.hours),
              "community": s.activity.community.name} for s in rows]
    total = sum((s.hours for s in rows), Decimal("0.0"))
    person = getattr(actor, "person", None)
    holder = (person.name if person is not None and person.name else actor.get_full_name() or actor.display_name)[:64]
    community = home_community(actor) or rows[-1].activity.community
    certificate = HoursCertificate.objects.create(
        user=actor, code=_new_code(), issued_at=now, period_start=start, period_end=end, total_hours=total,
        items=items, holder_name=holder, id_number_masked=mask_id_number(person.id_number) if person else "",
        community=community)
    audit(actor=actor, action="volunteering.certificate_issue", obj=certificate,
          after={"code": certificate.code, "total_hours": str(total), "items": len(items)})
    return certificate


@serialised
def certificate_revoke(*, actor: User, code: str, reason: str, now: dt.datetime | None = None) -> HoursCertificate:
    """Staff withdraw a certificate issued in their community (wrong hours, misuse); the code then reads “revoked”."""
    now = now or timezone.now()
    _require_user(actor)
    certificate = HoursCertificate.objects.select_for_update().filter(code=normalise_code(code)).first()
    if certificate is None:
        raise NotFound(_("No certificate has this code."))
    if not selectors.can_revoke_certificate(actor, certificate):
        raise NotAllowed(_("Only staff of the issuing community can revoke this certificate."))
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate has already been revoked."), code="already_revoked")
    reason = clean_text(reason, field=_("the reason"), max_length=500, required=True)
    HoursCertificate.objects.filter(pk=certificate.pk).update(revoked_at=now, revoked_by=actor, revoke_reason=reason)
    certificate.refresh_from_db()
    audit(actor=actor, action="volunteering.certificate_revoke", obj=certificate, before={"revoked": False},
          after={"revoked": True}, note=reason)
    notify([certificate.user], verb="certificate_revoked",
           title=_("Your hours certificate %(c)s was revoked") % {"c": certificate.code}, body=reason,
           url=reverse("volunteering:mine"))
    return certificate


@transaction.atomic
def certificate_lookup(*, code: str, client: str, now: dt.datetime | None = None) -> HoursCertificate | None:
    """A public check of a code. Failed look-ups are counted per client so codes cannot be guessed
    in bulk; the answer says nothing beyond the certificate itself."""
    now = now or timezone.now()
    key = blind_index(client or "unknown") or "unknown"
    if CertificateLookup.objects.filter(client=key, at__gte=now - LOOKUP_WINDOW).count() >= LOOKUP_FAILURES_ALLOWED:
        raise TooManyLookups(_("Too many look-ups from here. Wait a few minutes and try again."))
    code = normalise_code(code)
    certificate = selectors.get_certificate(code) if len(code) == CODE_LENGTH else None
    if certificate is None:
        CertificateLookup.objects.create(client=key, at=now)
        CertificateLookup.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
    return certificate
