"""API shapes of 三单制: separate input and output schemas, explicit fields.

Labels (`*_label`) are translated into the request's language; codes are stable.
Personal data (the requester's name, masked phone, household) is present only
for those who may see it on the order page; otherwise it is null.
"""

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Field, Schema
from pydantic import field_validator

from core.api import choice_of
from regions.schemas import RegionRef

from . import selectors
from .models import OrderEvent, OrderPhoto, Provider, ServiceOrder, Skill
from .workflow import TRANSITIONS, Action, Channel, Kind, Status


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


class SkillOut(Schema):
    code: str
    name: str
    name_en: str


class ProviderRef(Schema):
    id: int
    name: str
    kind: choice_of(Provider.Kind)  # type: ignore[valid-type]

    @staticmethod
    def resolve_name(obj: Provider) -> str:
        return obj.display_name


# ---------------------------------------------------------------- input

class OrderIn(Schema):
    """A resident asks for themselves (`channel` self, placed by their household or
    `community`); staff record a request by phone or walk-in with the requester's
    name and phone and a `community`, `grid` or `household_id` they work for."""

    kind: Kind
    content: str
    title: str = ""
    skills: list[str] = Field([], description="Skill codes, see GET /skills")
    preferred_time: str = Field("", description="Free text, e.g. 周六上午")
    preferred_date: dt.date | None = None
    items: list[str] = Field([], description="Errands: the documents needed")
    channel: Channel = Field(Channel.SELF, description="phone and walk_in are for community staff")
    requester_name: str = ""
    requester_phone: str = ""
    community: str = Field("", description="Community code")
    grid: str = Field("", description="Grid code")
    household_id: int | None = None
    address: str = ""
    lng: float | None = None
    lat: float | None = None

    @field_validator("preferred_date", "household_id", "lng", "lat", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)

    @field_validator("skills", "items", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        if isinstance(value, str):  # a single form value
            return [value] if value.strip() else []
        return value


class ActionIn(Schema):
    """Arguments of one step; each action reads the ones it needs."""

    note: str = Field("", description="Required by withdraw, decline, release, no_show, complete, reopen, cancel")
    expected_version: int | None = Field(None, description="The version the client saw; a stale one gets 409")
    provider: int | None = Field(None, description="dispatch: id of the provider (see /orders/{id}/suggestions)")
    rating: int | None = Field(None, description="confirm: 1–5")
    thanks: str = Field("", description="confirm: a word of thanks")

    @field_validator("expected_version", "provider", "rating", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class ItemIn(Schema):
    done: bool


class ProviderIn(Schema):
    kind: choice_of(Provider.Kind)  # type: ignore[valid-type]
    skills: list[str] = Field(..., description="Skill codes")
    service_area: list[str] = Field([], description="Community or grid codes; empty: the home community")
    shop_name: str = Field("", description="Required for merchants")
    available_days: list[int] = Field([], description="1 = Monday … 7 = Sunday")
    availability_note: str = ""
    lng: float | None = None
    lat: float | None = None


class OrderFilters(Schema):
    kind: Kind | None = None
    status: Status | None = None
    community: str = Field("", description="Community code")
    mine: bool = Field(False, description="Only the orders I asked for")
    q: str = Field("", description="Text in the title, content or number")


# ---------------------------------------------------------------- output

class OrderListOut(Schema):
    id: int
    number: str | None
    kind: Kind
    kind_label: str
    title: str
    status: Status
    status_label: str
    community: RegionRef
    grid: RegionRef | None
    provider: ProviderRef | None
    preferred_time: str
    preferred_date: dt.date | None
    created_at: dt.datetime
    respond_due: dt.datetime | None
    finish_due: dt.datetime | None
    done_at: dt.datetime | None
    rating: int | None
    version: int

    @staticmethod
    def resolve_kind_label(obj: ServiceOrder) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj: ServiceOrder) -> str:
        return obj.get_status_display()


class ItemOut(Schema):
    id: int
    name: str
    is_done: bool
    done_at: dt.datetime | None


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int
    width: int
    height: int
    url: str

    @staticmethod
    def resolve_url(obj: OrderPhoto) -> str:
        return reverse("api:order_photo", kwargs={"order_id": obj.order_id, "photo_id": obj.pk})


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor_name: str
    role: str
    provider: ProviderRef | None
    at: dt.datetime
    note: str
    data: dict[str, Any]
    photos: list[PhotoOut]

    @staticmethod
    def resolve_action_label(obj: OrderEvent) -> str:
        return str(obj.action_label)

    @staticmethod
    def resolve_photos(obj: OrderEvent) -> list[OrderPhoto]:
        return list(obj.photos.all())


class ActionOut(Schema):
    action: Action
    label: str
    note_required: bool


class OrderDetailOut(OrderListOut):
    """One order as this user may see it, with its timeline and what they may do next."""

    content: str
    skills: list[SkillOut]
    items: list[ItemOut]
    channel: Channel
    requester_name: str | None
    requester_phone_masked: str | None
    household: str | None
    address: str | None
    lng: float | None
    lat: float | None
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    done_note: str
    confirmed_at: dt.datetime | None
    thanks: str
    appeal_number: str | None
    events: list[EventOut]
    available_actions: list[ActionOut]

    @staticmethod
    def _personal(obj: ServiceOrder, context) -> bool:
        key = "_personal_cache"
        if not hasattr(obj, key):
            setattr(obj, key, selectors.can_see_personal(context["request"].auth, obj))
        return getattr(obj, key)

    @staticmethod
    def resolve_skills(obj: ServiceOrder) -> list[Skill]:
        return list(obj.skills.all())

    @staticmethod
    def resolve_items(obj: ServiceOrder):
        return list(obj.items.all())

    @staticmethod
    def resolve_requester_name(obj: ServiceOrder, context) -> str | None:
        return obj.requester_name if OrderDetailOut._personal(obj, context) else obj.requester_name_masked

    @staticmethod
    def resolve_requester_phone_masked(obj: ServiceOrder, context) -> str | None:
        return obj.requester_phone_masked if OrderDetailOut._personal(obj, context) else None

    @staticmethod
    def resolve_household(obj: ServiceOrder, context) -> str | None:
        if obj.household_id and OrderDetailOut._personal(obj, context):
            return str(obj.household)
        return None

    @staticmethod
    def resolve_address(obj: ServiceOrder, context) -> str | None:
        return obj.address if OrderDetailOut._personal(obj, context) else None

    @staticmethod
    def resolve_appeal_number(obj: ServiceOrder) -> str | None:
        return obj.appeal.number if obj.appeal_id else None

    @staticmethod
    def resolve_events(obj: ServiceOrder, context) -> list[OrderEvent]:
        events = list(selectors.timeline(obj))
        if not OrderDetailOut._personal(obj, context):  # the board: no requester's names or notes
            for e in events:
                if e.role == "requester":
                    e.actor_name, e.note = "", ""
        return events

    @staticmethod
    def resolve_available_actions(obj: ServiceOrder, context) -> list[dict]:
        user = context["request"].auth
        return [{"action": a, "label": str(a.label), "note_required": TRANSITIONS[a].note_required}
                for a in selectors.available_actions(obj, user)]


class SuggestionOut(Schema):
    provider: ProviderRef
    score: float
    skill_match: float | None
    matched_skills: list[str]
    distance_km: float | None
    load: int
    reliability: float
    done: int
    lapses: int
    reasons: list[str]


class WishOut(Schema):
    """A wish on the public wall: no personal data beyond a masked name."""

    id: int
    number: str | None
    title: str
    content: str
    community: RegionRef
    requester: str
    preferred_time: str
    posted_at: dt.datetime

    @staticmethod
    def resolve_requester(obj: ServiceOrder) -> str:
        return obj.requester_name_masked

    @staticmethod
    def resolve_posted_at(obj: ServiceOrder) -> dt.datetime:
        return obj.status_since


class ProviderOut(Schema):
    id: int
    kind: choice_of(Provider.Kind)  # type: ignore[valid-type]
    kind_label: str
    shop_name: str
    skills: list[SkillOut]
    service_area: list[RegionRef]
    available_days: list[int]
    availability_note: str
    lng: float | None
    lat: float | None
    is_active: bool
    is_pending: bool
    approved_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Provider) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_skills(obj: Provider) -> list[Skill]:
        return list(obj.skills.all())

    @staticmethod
    def resolve_service_area(obj: Provider):
        return list(obj.service_area.order_by("code"))
