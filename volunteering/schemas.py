"""API shapes of volunteering: separate input and output schemas, explicit fields.

Labels (`*_label`) are translated into the request's language; codes are stable.
Hours are numbers with one decimal (tenths of an hour, rounded down).
"""

import datetime as dt
from typing import Literal

from django.urls import reverse
from ninja import Field, Schema

from core.api import choice_of
from regions.schemas import RegionRef

from . import selectors
from .models import Activity, HoursCertificate, Signup, VolunteerTeam
from .workflow import ActivityStatus, Direction, Method, SignupStatus, TeamKind, label_of


def _hours(value) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------- teams

class TeamOut(Schema):
    id: int
    name: str
    kind: choice_of(TeamKind)  # type: ignore[valid-type]
    kind_label: str
    community: RegionRef
    leader_name: str | None
    description: str
    member_count: int
    my_status: str | None = Field(None, description="pending / active when the caller has a live membership")

    @staticmethod
    def resolve_kind_label(obj: VolunteerTeam) -> str:
        return obj.kind_label

    @staticmethod
    def resolve_leader_name(obj: VolunteerTeam) -> str | None:
        return obj.leader.display_name if obj.leader_id else None

    @staticmethod
    def resolve_member_count(obj: VolunteerTeam) -> int:
        return getattr(obj, "member_count", 0)

    @staticmethod
    def resolve_my_status(obj: VolunteerTeam) -> str | None:
        return getattr(obj, "my_status", None)


class JoinIn(Schema):
    note: str = Field("", max_length=500, description="A word to the team leader")


class MembershipOut(Schema):
    id: int
    team_id: int
    status: str
    status_label: str
    requested_at: dt.datetime

    @staticmethod
    def resolve_status_label(obj) -> str:
        return label_of(obj.status)


# ---------------------------------------------------------------- activities

class TeamRef(Schema):
    id: int
    name: str


class ActivityOut(Schema):
    id: int
    title: str
    place: str
    lng: float | None
    lat: float | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    confirmed_count: int
    waitlist_count: int
    seats_left: int
    max_hours: float
    status: choice_of(ActivityStatus)  # type: ignore[valid-type]
    status_label: str
    community: RegionRef
    team: TeamRef | None
    organiser_name: str
    url: str

    @staticmethod
    def resolve_max_hours(obj: Activity) -> float:
        return float(obj.max_hours)

    @staticmethod
    def resolve_seats_left(obj: Activity) -> int:
        return max(0, getattr(obj, "seats_left", 0))

    @staticmethod
    def resolve_status_label(obj: Activity) -> str:
        return label_of(obj.status)

    @staticmethod
    def resolve_organiser_name(obj: Activity) -> str:
        return obj.organiser.display_name

    @staticmethod
    def resolve_url(obj: Activity) -> str:
        return reverse("volunteering:activity", args=[obj.pk])


class SignupOut(Schema):
    id: int
    activity_id: int
    status: choice_of(SignupStatus)  # type: ignore[valid-type]
    status_label: str
    signed_up_at: dt.datetime
    waitlist_position: int | None
    checked_in_at: dt.datetime | None
    check_in_method: str
    checked_out_at: dt.datetime | None
    check_out_method: str
    hours: float | None

    @staticmethod
    def resolve_status_label(obj: Signup) -> str:
        return label_of(obj.status)

    @staticmethod
    def resolve_waitlist_position(obj: Signup) -> int | None:
        return selectors.waitlist_position(obj)

    @staticmethod
    def resolve_hours(obj: Signup) -> float | None:
        return _hours(obj.hours)


class ActivityDetailOut(ActivityOut):
    description: str
    cancel_reason: str
    my_signup: SignupOut | None = Field(None, description="The caller's live sign-up, else their latest one")
    can_run: bool = Field(False, description="The caller organises it, leads its team or is its community's staff")

    @staticmethod
    def resolve_my_signup(obj: Activity):
        return getattr(obj, "my_signup", None)

    @staticmethod
    def resolve_can_run(obj: Activity) -> bool:
        return getattr(obj, "can_run", False)


class ActivityFilters(Schema):
    scope: Literal["all", "community"] = Field("all", description="community: only the caller's communities")
    upcoming: bool = Field(True, description="Only open activities that have not ended")
    q: str = Field("", max_length=50, description="Text in the title or place")


class ActivityIn(Schema):
    team: int | None = Field(None, description="Id of the team; its community is the activity's")
    community: int | None = Field(None, description="Id of the community, for an activity without a team")
    title: str = Field(..., max_length=100)
    place: str = Field(..., max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    max_hours: float | None = Field(None, description="Most hours credited per person; default the activity's length")
    description: str = Field("", max_length=4000)
    lng: float | None = None
    lat: float | None = None


class CancelIn(Schema):
    reason: str = Field(..., max_length=500)
    expected_version: int | None = None


class FinishIn(Schema):
    expected_version: int | None = None


class CheckinIn(Schema):
    token: str = Field(..., max_length=500, description="The token of the venue code: the last part of its URL")


class CheckinOut(Schema):
    direction: choice_of(Direction)  # type: ignore[valid-type]
    recorded: bool = Field(..., description="False when it was already recorded: the first time stands")
    activity: TeamRef
    signup: SignupOut


# ---------------------------------------------------------------- hours and certificates

class HoursItem(Schema):
    activity_id: int
    title: str
    starts_at: dt.datetime
    community: str
    hours: float
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    check_out_method: choice_of(Method) | Literal[""]  # type: ignore[valid-type]


class HoursOut(Schema):
    total_hours: float
    items: list[HoursItem]


class CertificateIn(Schema):
    period_start: dt.date | None = Field(None, description="First day counted; empty = from the beginning")
    period_end: dt.date | None = Field(None, description="Last day counted; empty = up to now")


class CertificateItem(Schema):
    title: str
    date: str
    hours: str
    community: str = ""


class CertificateOut(Schema):
    code: str
    issued_at: dt.datetime
    period_start: dt.date | None
    period_end: dt.date | None
    total_hours: float
    items: list[CertificateItem]
    revoked_at: dt.datetime | None
    pdf_url: str

    @staticmethod
    def resolve_total_hours(obj: HoursCertificate) -> float:
        return float(obj.total_hours)

    @staticmethod
    def resolve_pdf_url(obj: HoursCertificate) -> str:
        return reverse("volunteering:certificate_pdf", args=[obj.code])


class PublicCertificateOut(Schema):
    """What anyone holding the code may see: nothing beyond the certificate, the name partly masked."""

    code: str
    valid: bool
    holder: str
    total_hours: float
    period_start: dt.date | None
    period_end: dt.date | None
    issued_on: dt.date
    issued_by: str | None
    revoked_on: dt.date | None
    items: list[CertificateItem]
