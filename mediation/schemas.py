"""API shapes of mediation: separate input and output schemas, explicit fields.

Phones are always masked here (the full number is shown, and logged, only on the
dispute page); parties' names are masked for those who may not see them in full
(a linkage partner's unit)."""

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from core.api import choice_of
from regions.schemas import RegionRef

from . import selectors
from .models import Agreement, Dispute, DisputeEvent, FollowUp, Mediator, Referral, Session
from .workflow import (
    TRANSITIONS,
    Action,
    DisputeType,
    Level,
    MediatorKind,
    Partner,
    PartyRole,
    ReferralResult,
    Risk,
    Source,
    Status,
)


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


# ---------------------------------------------------------------- input

class PartyIn(Schema):
    name: str = ""
    phone: str = ""
    role: str = Field("", description="applicant, respondent or other")
    person_id: int | None = None

    @field_validator("person_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class DisputeIn(Schema):
    """Grid workers record in their grid; community and street staff anywhere they run."""

    title: str = ""
    description: str
    dispute_type: str = Field(..., description="One of: " + ", ".join(DisputeType.values))
    source: str = Field(Source.GRID, description="One of: " + ", ".join(Source.values))
    parties: list[PartyIn] = []
    grid: str = Field("", description="Grid code")
    community: str = Field("", description="Community code (when no grid is named)")
    source_appeal_id: int | None = None

    @field_validator("source_appeal_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class ActionIn(Schema):
    """Arguments of one step; each action reads the ones it needs. `sign` takes a file:
    use POST /disputes/{id}/signed-copy."""

    note: str = Field("", description="Required by reopen, refer, feedback, resume, escalate, withdraw")
    expected_version: int | None = Field(None, description="The version the client saw; a stale one gets 409")
    mediator_user: int | None = Field(None, description="accept: id of the user who mediates")
    mediator_name: str = Field("", description="accept: or the name of an outside mediator")
    mediator_kind: str = Field("", description="accept: one of " + ", ".join(MediatorKind.values))
    facts: str = Field("", description="agree: the facts of the dispute")
    terms: str = Field("", description="agree: the agreed terms, one per line")
    partner: str = Field("", description="refer: one of " + ", ".join(Partner.values))
    partner_name: str = ""
    unit: int | None = Field(None, description="refer: id of the unit on Linli, if any")
    result: str = Field("", description="feedback: one of " + ", ".join(ReferralResult.values))

    @field_validator("expected_version", "mediator_user", "unit", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class SessionIn(Schema):
    notes: str
    held_at: str = Field("", description="ISO date and time; empty: now")
    place_id: int | None = None
    location: str = ""
    attendees: str = ""

    @field_validator("place_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class FollowUpIn(Schema):
    holds: bool
    note: str
    visited_at: str = Field("", description="ISO date and time; empty: now")
    close: bool = Field(False, description="Close the dispute at once if it holds")
    expected_version: int | None = None


class MediatorIn(Schema):
    user_id: int | None = None
    name: str = ""
    kind: str = Field(..., description="One of: " + ", ".join(MediatorKind.values))
    is_lead: bool = False


class RiskIn(Schema):
    level: str = Field(..., description="low, medium or high")
    reason: str
    expected_version: int | None = None


class DisputeFilters(Schema):
    status: Status | None = None
    risk: Risk | None = None
    community: str = Field("", description="Community code")
    open: bool = Field(False, description="Only disputes not yet closed or withdrawn")
    q: str = Field("", description="Text in the title or number")


# ---------------------------------------------------------------- output

class DisputeListOut(Schema):
    id: int
    number: str | None
    title: str
    dispute_type: choice_of(DisputeType)  # type: ignore[valid-type]
    dispute_type_label: str
    source: choice_of(Source)  # type: ignore[valid-type]
    status: Status
    status_label: str
    level: choice_of(Level)  # type: ignore[valid-type]
    risk_level: choice_of(Risk)  # type: ignore[valid-type]
    risk_reasons: list[str]
    community: RegionRef
    grid: RegionRef | None
    created_at: dt.datetime
    follow_up_due: dt.date | None
    version: int

    @staticmethod
    def resolve_dispute_type_label(obj: Dispute) -> str:
        return obj.get_dispute_type_display()

    @staticmethod
    def resolve_status_label(obj: Dispute) -> str:
        return obj.get_status_display()


class PartyOut(Schema):
    id: int
    name: str
    role: choice_of(PartyRole)  # type: ignore[valid-type]
    phone_masked: str


class MediatorOut(Schema):
    id: int
    name: str
    kind: choice_of(MediatorKind)  # type: ignore[valid-type]
    user_id: int | None
    is_lead: bool


class SessionOut(Schema):
    id: int
    held_at: dt.datetime
    place_id: int | None
    where: str
    attendees: str
    notes: str


class ReferralOut(Schema):
    id: int
    partner: choice_of(Partner)  # type: ignore[valid-type]
    partner_name: str
    unit_id: int | None
    note: str
    referred_at: dt.datetime
    feedback: str
    result: str
    feedback_at: dt.datetime | None


class AgreementOut(Schema):
    id: int
    sequence: int
    facts: str
    terms: str
    generated_at: dt.datetime
    signed: bool
    signed_at: dt.datetime | None

    @staticmethod
    def resolve_signed(obj: Agreement) -> bool:
        return obj.is_signed


class FollowUpOut(Schema):
    id: int
    visited_at: dt.datetime
    holds: bool
    note: str


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor_name: str
    role: str
    at: dt.datetime
    note: str
    data: dict[str, Any]

    @staticmethod
    def resolve_action_label(obj: DisputeEvent) -> str:
        return str(obj.action_label)


class ActionOut(Schema):
    action: Action
    label: str
    note_required: bool


class DisputeDetailOut(DisputeListOut):
    description: str
    source_ref: str
    source_appeal_number: str | None
    risk_note: str
    outcome: str
    closed_at: dt.datetime | None
    parties: list[PartyOut]
    mediators: list[MediatorOut]
    sessions: list[SessionOut]
    referrals: list[ReferralOut]
    agreements: list[AgreementOut]
    follow_ups: list[FollowUpOut]
    events: list[EventOut]
    available_actions: list[ActionOut]

    @staticmethod
    def resolve_source_appeal_number(obj: Dispute) -> str | None:
        return obj.source_appeal.number if obj.source_appeal_id else None

    @staticmethod
    def resolve_parties(obj: Dispute, context) -> list[dict]:
        full = selectors.can_reveal_phone(context["request"].auth, obj)
        return [{"id": p.pk, "name": p.name if full else p.name_masked, "role": p.role,
                 "phone_masked": p.phone_masked} for p in obj.parties.all()]

    @staticmethod
    def resolve_mediators(obj: Dispute) -> list[Mediator]:
        return list(obj.mediators.all())

    @staticmethod
    def resolve_sessions(obj: Dispute) -> list[Session]:
        return list(obj.sessions.select_related("place"))

    @staticmethod
    def resolve_referrals(obj: Dispute) -> list[Referral]:
        return list(obj.referrals.all())

    @staticmethod
    def resolve_agreements(obj: Dispute) -> list[Agreement]:
        return list(obj.agreements.all())

    @staticmethod
    def resolve_follow_ups(obj: Dispute) -> list[FollowUp]:
        return list(obj.follow_ups.all())

    @staticmethod
    def resolve_events(obj: Dispute) -> list[DisputeEvent]:
        return list(selectors.timeline(obj))

    @staticmethod
    def resolve_available_actions(obj: Dispute, context) -> list[dict]:
        return [{"action": a, "label": str(a.label), "note_required": TRANSITIONS[a].note_required}
                for a in selectors.available_actions(obj, context["request"].auth)]


