"""API shapes of the appeal loop: separate input and output schemas, explicit fields.

Labels (`*_label`) are translated into the request's language; codes are stable.
"""

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import field_validator

from core.api import choice_of
from core.audit import actor_name
from people.models import Unit
from regions.schemas import RegionRef

from . import selectors
from .models import Answer, Appeal, AppealEvent, Attachment, Category, Rating, Supervision, Whistle
from .workflow import TRANSITIONS, Action, Channel, Level, Satisfaction, Status, Urgency

# ---------------------------------------------------------------- references


class UnitRef(Schema):
    id: int
    name: str


class CategoryRef(Schema):
    code: str
    name: str


class AppealRef(Schema):
    id: int
    number: str | None


class UnitOut(Schema):
    id: int
    name: str
    kind: choice_of(Unit.Kind)  # type: ignore[valid-type]
    kind_label: str
    phone: str
    street_code: str | None

    @staticmethod
    def resolve_kind_label(obj: Unit) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_street_code(obj: Unit) -> str | None:
        return obj.street.code if obj.street_id else None


class CategoryOut(Schema):
    """A node of the category tree; leaves are what an appeal is filed under."""

    code: str
    name: str
    name_en: str
    default_unit: UnitRef | None
    response_hours: int
    resolve_workdays: int
    urgent_response_hours: int
    urgent_resolve_workdays: int
    children: list["CategoryOut"] = []

    @staticmethod
    def resolve_children(obj: Category) -> list[Category]:
        return getattr(obj, "tree_children", [])


CategoryOut.model_rebuild()


# ---------------------------------------------------------------- input

def _blank_to_none(value):
    """An empty form field means "not given", as in JSON's null."""
    return None if isinstance(value, str) and not value.strip() else value


class AppealIn(Schema):
    """Give the place as `lng`+`lat` (placed in its grid by polygon), or a
    `building_id`, or a `grid_code`."""

    title: str = Field("", description="Short title; defaults to the start of the content")
    content: str
    category: str = Field(..., description="Code of a leaf category, see GET /categories")
    lng: float | None = None
    lat: float | None = None
    grid_code: str = ""
    building_id: int | None = None
    address: str = ""
    urgency: Urgency = Urgency.NORMAL
    channel: Channel = Field(Channel.RESIDENT, description="Channels other than resident/open311 are for staff")
    reporter_name: str = ""
    reporter_phone: str = ""

    @field_validator("lng", "lat", "building_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class ActionIn(Schema):
    """Arguments of one step of the loop; each action reads the ones it needs."""

    note: str = Field("", description="Required by reject, escalate, resolve, return, answer, fail, close, suspend")
    expected_version: int | None = Field(None, description="The version the client saw; a stale one gets 409")
    satisfaction: Satisfaction | None = Field(None, description="rate")
    parent: int | None = Field(None, description="merge: id of the appeal to merge into")
    lead_unit: int | None = Field(None, description="whistle: id of the lead unit")
    helper_units: list[int] = Field([], description="whistle: ids of helper units")
    deadline_workdays: int | None = Field(None, description="whistle: time limit in working days")
    deadline: dt.datetime | None = Field(None, description="whistle: explicit deadline instead of working days")

    @field_validator("expected_version", "satisfaction", "parent", "lead_unit", "deadline_workdays", "deadline",
                     mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return _blank_to_none(value)


class SuperviseIn(Schema):
    note: str


StatusFilter = Literal.__getitem__(("open", *Status.values))  # any unfinished state, or one state


class AppealFilters(Schema):
    """The workbench's filters. `status=open` means any unfinished state."""

    status: StatusFilter | None = None  # type: ignore[valid-type]
    overdue: bool = False
    category: str = Field("", description="Category code; a parent code includes its children")
    grid: str = Field("", description="Grid code")
    community: str = Field("", description="Community code")
    unit: str = Field("", description="Lead unit id or name")
    channel: Channel | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = Field("", description="Text in the title, content, number or address")


# ---------------------------------------------------------------- output

class AppealListOut(Schema):
    id: int
    number: str | None
    title: str
    status: Status
    status_label: str
    level: choice_of(Level)  # type: ignore[valid-type]
    urgency: Urgency
    channel: Channel
    category: CategoryRef
    community: RegionRef
    grid: RegionRef
    lead_unit: UnitRef | None
    is_overdue: bool
    created_at: dt.datetime
    response_due: dt.datetime | None
    resolve_due: dt.datetime | None
    version: int

    @staticmethod
    def resolve_status_label(obj: Appeal) -> str:
        return obj.get_status_display()


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    width: int
    height: int
    original_name: str
    url: str

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return reverse("api:appeal_attachment", kwargs={"appeal_id": obj.appeal_id, "attachment_id": obj.pk})


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
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_action_label(obj: AppealEvent) -> str:
        return str(obj.action_label)

    @staticmethod
    def resolve_attachments(obj: AppealEvent) -> list[Attachment]:
        return list(obj.attachments.all())


class WhistleOut(Schema):
    id: int
    lead_unit: UnitRef
    helper_units: list[UnitRef]
    deadline: dt.datetime
    instructions: str
    state: choice_of(Whistle.State)  # type: ignore[valid-type]
    state_label: str
    created_at: dt.datetime
    claimed_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str

    @staticmethod
    def resolve_helper_units(obj: Whistle) -> list[Unit]:
        return list(obj.helper_units.all())

    @staticmethod
    def resolve_state_label(obj: Whistle) -> str:
        return obj.get_state_display()


class AnswerOut(Schema):
    id: int
    unit: UnitRef | None
    text: str
    answered_by: str
    at: dt.datetime

    @staticmethod
    def resolve_answered_by(obj: Answer) -> str:
        return actor_name(obj.answered_by)


class RatingOut(Schema):
    id: int
    satisfaction: Satisfaction
    satisfaction_label: str
    comment: str
    at: dt.datetime

    @staticmethod
    def resolve_satisfaction_label(obj: Rating) -> str:
        return obj.get_satisfaction_display()


class SupervisionOut(Schema):
    id: int
    kind: choice_of(Supervision.Kind)  # type: ignore[valid-type]
    kind_label: str
    level: choice_of(Level)  # type: ignore[valid-type]
    unit: UnitRef | None
    due_at: dt.datetime | None
    note: str
    created_at: dt.datetime
    cleared_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Supervision) -> str:
        return obj.get_kind_display()


class ActionOut(Schema):
    action: Action
    label: str
    note_required: bool


class AppealDetailOut(AppealListOut):
    """One appeal as the user may see it, with its record and what they may do next."""

    content: str
    address: str
    lng: float | None
    lat: float | None
    street: RegionRef
    building: str | None
    parent: AppealRef | None
    reporter_name: str
    reporter_phone_masked: str
    rework_count: int
    reopen_count: int
    responded_at: dt.datetime | None
    accepted_at: dt.datetime | None
    handled_at: dt.datetime | None
    closed_at: dt.datetime | None
    satisfaction: Satisfaction | Literal[""]
    attachments: list[AttachmentOut]
    events: list[EventOut]
    whistles: list[WhistleOut]
    answers: list[AnswerOut]
    ratings: list[RatingOut]
    supervisions: list[SupervisionOut]
    available_actions: list[ActionOut]

    @staticmethod
    def resolve_building(obj: Appeal) -> str | None:
        return str(obj.building) if obj.building_id else None

    @staticmethod
    def resolve_attachments(obj: Appeal) -> list[Attachment]:
        return list(obj.attachments.order_by("id"))

    @staticmethod
    def resolve_events(obj: Appeal) -> list[AppealEvent]:
        return list(selectors.timeline(obj))

    @staticmethod
    def resolve_whistles(obj: Appeal) -> list[Whistle]:
        return list(obj.whistles.select_related("lead_unit").prefetch_related("helper_units"))

    @staticmethod
    def resolve_answers(obj: Appeal) -> list[Answer]:
        return list(obj.answers.select_related("unit", "answered_by"))

    @staticmethod
    def resolve_ratings(obj: Appeal) -> list[Rating]:
        return list(obj.ratings.all())

    @staticmethod
    def resolve_supervisions(obj: Appeal) -> list[Supervision]:
        return list(obj.supervisions.select_related("unit"))

    @staticmethod
    def resolve_available_actions(obj: Appeal, context) -> list[dict]:
        user = context["request"].auth
        return [{"action": a, "label": str(a.label), "note_required": TRANSITIONS[a].note_required}
                for a in selectors.available_actions(obj, user)]


class TaskBucket(Schema):
    count: int
    ids: list[int] = Field(description="Newest first, at most 200")


class TasksOut(Schema):
    """What waits for the current user: `grid` for grid workers, `unit` for department handlers."""

    grid: dict[str, TaskBucket] | None
    unit: dict[str, TaskBucket] | None
