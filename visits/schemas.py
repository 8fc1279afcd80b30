"""Shapes of the visits API. Personal data leaves masked."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from core.api import choice_of

from .workflow import CampaignStatus, Mode, PatrolStatus, Wellbeing


class TagOut(Schema):
    code: str
    name: str
    frequency: str


class SubjectOut(Schema):
    id: int
    name: str
    phone_masked: str
    household: str
    grid: str
    tags: list[TagOut]
    frequency: str | None
    status: str = Field(description="ok, due, overdue or ended, from the dates today")
    next_due: dt.date | None
    last_visit_at: dt.datetime | None
    version: int

    @staticmethod
    def build(s, status: str) -> dict:
        return {"id": s.pk, "name": s.person.name, "phone_masked": s.person.phone_masked, "household": str(s.household),
                "grid": s.grid.name, "tags": [{"code": t.code, "name": t.name, "frequency": t.frequency}
                                              for t in s.tags.all()],
                "frequency": s.frequency, "status": status, "next_due": s.next_due, "last_visit_at": s.last_visit_at,
                "version": s.version}


class SubjectFilters(Schema):
    status: Literal["overdue", "due", "later", "all"] = "all"


class OpenAppealIn(Schema):
    category: str = Field(description="Appeal category code (a leaf)")
    title: str = ""
    urgency: str = "normal"


class OpenOrderIn(Schema):
    title: str = ""
    kind: str = "service"
    skills: list[str] = []


class OpenDisputeIn(Schema):
    title: str = ""
    dispute_type: str = Field(description="Dispute type code of mediation")


class VisitIn(Schema):
    mode: choice_of(Mode) = Mode.HOME  # type: ignore[valid-type]
    findings: str = ""
    flags: list[choice_of(Wellbeing)] = []  # type: ignore[valid-type]
    visited_at: dt.datetime | None = Field(None, description="Default now; at most 31 days back")
    lng: float | None = None
    lat: float | None = None
    expected_version: int | None = Field(None, description="The subject's version you saw; stale → 409")
    appeal: OpenAppealIn | None = Field(None, description="Open an appeal (channel visit) in the same step")
    order: OpenOrderIn | None = Field(None, description="Open a service order (community staff) in the same step")
    dispute: OpenDisputeIn | None = Field(None, description="Record a dispute for mediation in the same step")


class VisitOut(Schema):
    id: int
    subject_id: int
    visited_at: dt.datetime
    mode: str
    findings: str
    flags: list[str]
    on_time: bool
    next_due: dt.date | None
    appeal_id: int | None
    service_order_id: int | None
    dispute_id: int | None


class PatrolStartIn(Schema):
    grid: str = Field("", description="Grid code; needed only by workers of several grids")
    lng: float | None = None
    lat: float | None = None


class PatrolEndIn(Schema):
    lng: float | None = None
    lat: float | None = None
    note: str = ""


class FindingIn(Schema):
    note: str
    category: str = ""
    lng: float | None = None
    lat: float | None = None


class FindingOut(Schema):
    id: int
    note: str
    status: str
    category: str | None
    lng: float | None
    lat: float | None
    appeal_id: int | None
    created_at: dt.datetime
    version: int

    @staticmethod
    def build(f) -> dict:
        return {"id": f.pk, "note": f.note, "status": f.status, "category": f.category.code if f.category_id else None,
                "lng": f.lng, "lat": f.lat, "appeal_id": f.appeal_id, "created_at": f.created_at, "version": f.version}


class PatrolOut(Schema):
    id: int
    grid: str
    status: choice_of(PatrolStatus)  # type: ignore[valid-type]
    started_at: dt.datetime
    start_in_grid: bool | None
    ended_at: dt.datetime | None
    version: int
    findings: list[FindingOut]

    @staticmethod
    def build(p, findings) -> dict:
        return {"id": p.pk, "grid": p.grid.code, "status": p.status, "started_at": p.started_at,
                "start_in_grid": p.start_in_grid, "ended_at": p.ended_at, "version": p.version,
                "findings": [FindingOut.build(f) for f in findings]}


class ReportIn(Schema):
    category: str = ""
    title: str = ""
    urgency: str = "normal"
    expected_version: int | None = None


class ReportOut(Schema):
    finding_id: int
    appeal_id: int
    appeal_number: str


class CampaignOut(Schema):
    id: int
    title: str
    status: choice_of(CampaignStatus)  # type: ignore[valid-type]
    community: str
    grid: str | None
    starts_on: dt.date
    ends_on: dt.date
    households: int
    knocked: int
    coverage: float | None = Field(description="Households with a result ÷ all households, %")

    @staticmethod
    def build(c) -> dict:
        return {"id": c.pk, "title": c.title, "status": c.status, "community": c.community.code,
                "grid": c.grid.code if c.grid_id else None, "starts_on": c.starts_on, "ends_on": c.ends_on,
                "households": c.n_households, "knocked": c.n_knocked, "coverage": c.coverage}


class KnockOut(Schema):
    id: int
    household: str
    building_id: int
    result: str
    attempts: int
    knocked_at: dt.datetime | None
    appeal_id: int | None
    version: int

    @staticmethod
    def build(k) -> dict:
        return {"id": k.pk, "household": str(k.household), "building_id": k.household.building_id, "result": k.result,
                "attempts": k.attempts, "knocked_at": k.knocked_at, "appeal_id": k.appeal_id, "version": k.version}


class CampaignDetailOut(CampaignOut):
    knocks: list[KnockOut]


class KnockIn(Schema):
    result: Literal["met", "nobody_home", "refused", "moved_out"]
    expected_version: int = Field(description="The household's version you saw; stale → 409")
    note: str = ""
    appeal: OpenAppealIn | None = None
