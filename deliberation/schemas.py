"""API shapes of deliberation: separate input and output schemas, explicit fields.
Labels are translated into the request's language; codes are stable. The
raiser's name is masked for everyone but staff and the raiser."""

import datetime as dt

from ninja import Field, Schema

from core.api import choice_of

from .workflow import Action, MeetingKind, Party, Satisfaction, Size, Status


class MatterIn(Schema):
    """A resident raises for their own community; staff set `on_behalf` and a `community` code they work for."""

    content: str
    title: str = ""
    community: str = Field("", description="Community code (residents without a registered household, or staff)")
    grid: str = Field("", description="Grid code (optional)")
    on_behalf: bool = Field(False, description="Staff: raise for residents, not as yourself")
    raiser_name: str = ""


class MatterActionIn(Schema):
    note: str = ""
    expected_version: int | None = Field(None, description="The version you saw; a stale one gets 409")
    member: int | None = Field(None, description="sort_small / reassign: the party member's id (else the 包联 rule)")
    merge_into: str = Field("", description="merge: the number or id of the matter to merge into")
    satisfaction: choice_of(Satisfaction) | None = None  # type: ignore[valid-type]


class RatingIn(Schema):
    satisfaction: choice_of(Satisfaction)  # type: ignore[valid-type]
    comment: str = ""


class CheckIn(Schema):
    note: str


class TaskIn(Schema):
    title: str
    detail: str = ""
    owner_unit: int | None = None
    owner_user: int | None = None
    deadline: dt.date | None = Field(None, description="Default: 10 working days from now")


class TaskActionIn(Schema):
    note: str = ""
    progress: int | None = Field(None, description="progress: 0–100")
    expected_version: int | None = None


class WhistleIn(Schema):
    category: str = Field("", description="Appeal category code; default: the unit's category")
    deadline_workdays: int | None = None
    note: str = ""


class MeetingIn(Schema):
    community: str = ""
    starts_at: dt.datetime
    title: str = ""
    kind: choice_of(MeetingKind) = MeetingKind.RED_DAY  # type: ignore[valid-type]
    place: int | None = Field(None, description="A Place id (议事厅) of the community")
    venue: str = ""
    host: str = ""
    recorder: str = ""


class MeetingActionIn(Schema):
    note: str = ""
    expected_version: int | None = None


class AgendaIn(Schema):
    matter: int


class InvitationIn(Schema):
    party: choice_of(Party)  # type: ignore[valid-type]
    name: str = ""
    unit: int | None = None
    user: int | None = None


class DecisionIn(Schema):
    matter: int
    text: str
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0


# ---------------------------------------------------------------- output

class StepOut(Schema):
    n: int
    label: str
    done: bool
    current: bool


class TaskOut(Schema):
    id: int
    matter_id: int
    title: str
    detail: str
    owner: str
    owner_unit_id: int | None
    owner_user_id: int | None
    deadline: dt.date
    status: str
    status_label: str
    progress: int
    note: str
    appeal_number: str | None
    version: int


class DecisionOut(Schema):
    meeting_id: int
    meeting: str
    text: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool
    at: dt.datetime


class MatterEventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_name: str
    role: str
    at: dt.datetime
    note: str


class MatterListOut(Schema):
    id: int
    number: str
    title: str
    community: str
    size: choice_of(Size) | None  # type: ignore[valid-type]
    status: choice_of(Status)  # type: ignore[valid-type]
    status_label: str
    step: int
    progress: int | None
    cosign_count: int
    created_at: dt.datetime
    closed_at: dt.datetime | None


class MatterDetailOut(MatterListOut):
    content: str
    source: str
    raiser_name: str
    contact_member: str | None
    decision_text: str
    decline_reason: str
    merged_into: str | None
    round: int
    rating_until: dt.datetime | None
    satisfaction_rate: float | None
    version: int
    steps: list[StepOut]
    tasks: list[TaskOut]
    decisions: list[DecisionOut]
    events: list[MatterEventOut]
    actions: list[choice_of(Action)]  # type: ignore[valid-type]
    can_cosign: bool
    can_rate: bool
    can_check: bool


class CoSignOut(Schema):
    matter_id: int
    cosign_count: int


class MatterRatingOut(Schema):
    matter_id: int
    round: int
    satisfaction: str


class CheckOut(Schema):
    id: int
    matter_id: int
    by_name: str
    note: str
    round: int
    at: dt.datetime


class InvitationOut(Schema):
    id: int
    party: str
    party_label: str
    name: str
    attended: bool | None


class AgendaItemOut(Schema):
    matter_id: int
    number: str
    title: str
    decision: DecisionOut | None


class MeetingOut(Schema):
    id: int
    title: str
    kind: str
    community: str
    place_id: int | None
    where: str
    starts_at: dt.datetime
    status: str
    status_label: str
    version: int


class MeetingDetailOut(MeetingOut):
    host: str
    recorder: str
    minutes: str
    agenda: list[AgendaItemOut]
    invitations: list[InvitationOut]


