"""API shapes of the party app: separate input and output schemas, explicit
fields. Labels (`*_label`) are in the request's language; codes are stable."""

import datetime as dt

from ninja import Field, Schema
from pydantic import field_validator

from core.api import choice_of

from .models import CoBuildingProject, DualReport, Evaluation, Nomination
from .workflow import DualStatus, EvaluationStatus, NominationStatus, ProjectStatus


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


# ---------------------------------------------------------------- references

class RegionRef(Schema):
    id: int
    code: str
    name: str


class UnitRef(Schema):
    id: int
    name: str


class MemberRef(Schema):
    id: int
    name: str
    employer: UnitRef | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.person.name

    @staticmethod
    def resolve_employer(obj):
        return obj.employer


class PersonRef(Schema):
    id: int
    name: str


# ---------------------------------------------------------------- 双报到

class DualReportIn(Schema):
    """`kind=member`: give `member` (staff) or leave it out to register yourself
    with the community you live in. `kind=unit`: staff give `unit` and `community`."""

    kind: choice_of(DualReport.Kind) = DualReport.Kind.MEMBER  # type: ignore[valid-type]
    member: int | None = Field(None, description="Party member id; omit to register yourself")
    unit: int | None = Field(None, description="Unit id (kind=unit)")
    community: int | None = Field(None, description="Community id; yours by default when registering yourself")
    note: str = ""

    @field_validator("member", "unit", "community", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class EndIn(Schema):
    note: str = ""


class DualReportOut(Schema):
    id: int
    kind: choice_of(DualReport.Kind)  # type: ignore[valid-type]
    member: MemberRef | None
    unit: UnitRef | None
    community: RegionRef
    status: choice_of(DualStatus)  # type: ignore[valid-type]
    status_label: str
    registered_at: dt.datetime
    ended_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_status_label(obj: DualReport) -> str:
        return obj.get_status_display()


class DualReportFilters(Schema):
    community: int | None = None
    status: choice_of(DualStatus) | None = None  # type: ignore[valid-type]
    kind: choice_of(DualReport.Kind) | None = None  # type: ignore[valid-type]

    @field_validator("community", "status", "kind", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


# ---------------------------------------------------------------- quarter report

class ServiceOut(Schema):
    at: dt.datetime
    kind: str
    title: str
    url: str


class ReportRowOut(Schema):
    member: MemberRef
    registered_at: dt.datetime
    ended_at: dt.datetime | None
    has_account: bool
    count: int
    served: bool
    services: list[ServiceOut]


class UnitSummaryOut(Schema):
    unit: UnitRef | None
    unit_registered: bool
    registered: int
    served: int
    not_served: int
    rate: float | None


class QuarterReportOut(Schema):
    community: RegionRef
    year: int
    quarter: int
    start: dt.datetime
    end: dt.datetime
    registered: int
    served: int
    not_served: int
    rate: float | None = Field(description="Percent of registered members who served; null if none registered")
    rows: list[ReportRowOut]
    units: list[UnitSummaryOut]


class QuarterIn(Schema):
    community: int | None = Field(None, description="Community id; your first community by default")
    year: int | None = Field(None, ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)

    @field_validator("community", "year", "quarter", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class QuarterRecordOut(Schema):
    year: int
    quarter: int
    registered: bool
    state: str = Field(description="served / not_yet / not_served / not_registered / future")
    served: bool
    count: int
    services: list[ServiceOut]


class MyRecordOut(Schema):
    member: MemberRef
    registration: DualReportOut | None
    year: int
    quarters: list[QuarterRecordOut]


# ---------------------------------------------------------------- projects

class ProjectIn(Schema):
    unit: int
    community: int
    title: str
    description: str = ""
    target: str = ""
    due_date: dt.date | None = None
    pledged_at: dt.date | None = None

    @field_validator("due_date", "pledged_at", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class ProjectOut(Schema):
    id: int
    unit: UnitRef
    community: RegionRef
    title: str
    description: str
    target: str
    status: choice_of(ProjectStatus)  # type: ignore[valid-type]
    status_label: str
    progress: int
    pledged_at: dt.date
    due_date: dt.date | None
    version: int

    @staticmethod
    def resolve_status_label(obj: CoBuildingProject) -> str:
        return obj.get_status_display()


class ProjectUpdateIn(Schema):
    progress: int = Field(..., ge=0, le=100)
    note: str
    expected_version: int | None = Field(None, description="The version the client saw; a stale one gets 409")

    @field_validator("expected_version", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class ProjectUpdateOut(Schema):
    id: int
    progress: int
    from_status: str
    to_status: str
    note: str
    at: dt.datetime
    by_name: str


class ProjectFilters(Schema):
    community: int | None = None
    status: choice_of(ProjectStatus) | None = None  # type: ignore[valid-type]

    @field_validator("community", "status", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


# ---------------------------------------------------------------- evaluations

class EvaluationIn(Schema):
    community: int
    title: str
    kind: choice_of(Evaluation.Kind)  # type: ignore[valid-type]
    description: str = ""
    nominate_until: dt.datetime
    vote_until: dt.datetime
    winners: int = Field(3, ge=1, le=50)
    votes_per_voter: int = Field(1, ge=1, le=20)
    award_points: int = Field(0, ge=0, le=1000)


class EvaluationOut(Schema):
    id: int
    title: str
    kind: choice_of(Evaluation.Kind)  # type: ignore[valid-type]
    kind_label: str
    description: str
    community: RegionRef
    status: choice_of(EvaluationStatus)  # type: ignore[valid-type]
    status_label: str
    nominate_until: dt.datetime
    vote_until: dt.datetime
    winners: int
    votes_per_voter: int
    award_points: int
    closed_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_kind_label(obj: Evaluation) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj: Evaluation) -> str:
        return obj.get_status_display()


class NominationIn(Schema):
    """Name the nominee by `person` id, or by `name` and `building` id."""

    person: int | None = None
    name: str = ""
    building: int | None = None
    reason: str

    @field_validator("person", "building", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class NominationOut(Schema):
    id: int
    evaluation_id: int
    person: PersonRef
    reason: str
    status: choice_of(NominationStatus)  # type: ignore[valid-type]
    status_label: str
    created_at: dt.datetime

    @staticmethod
    def resolve_status_label(obj: Nomination) -> str:
        return obj.get_status_display()


class ReviewIn(Schema):
    decision: str = Field(..., description="approve or reject")
    note: str = ""


class VoteOut(Schema):
    id: int
    evaluation_id: int
    nomination_id: int
    at: dt.datetime


class ActIn(Schema):
    expected_version: int | None = Field(None, description="The version the client saw; a stale one gets 409")

    @field_validator("expected_version", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class AwardOut(Schema):
    id: int
    person: PersonRef
    title: str
    awarded_on: dt.date
    note: str
