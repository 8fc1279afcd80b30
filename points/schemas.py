"""API shapes of the points ledger and the 爱心超市: separate input and output
schemas, explicit fields. Labels (`*_label`) are in the request's language;
codes are stable. Regions are named by their code, as everywhere in the API."""

import datetime as dt

from ninja import Field, Schema

from accounts.selectors import home_community
from core.api import choice_of
from regions.schemas import RegionRef

from .models import PointsEntry, PointsRule, Redemption, Source

# ---------------------------------------------------------------- output


class BalanceOut(Schema):
    user_id: int
    balance: int
    community: RegionRef | None = Field(None, description="Home community: where the person redeems")


class EntryOut(Schema):
    """One ledger line. `amount` is signed; a reversal names the entry it takes back."""

    id: int
    amount: int
    kind: choice_of(PointsEntry.Kind)  # type: ignore[valid-type]
    kind_label: str
    source: choice_of(Source)  # type: ignore[valid-type]
    source_label: str
    source_id: str
    reason: str
    community: RegionRef | None
    balance_after: int
    created_at: dt.datetime
    created_by_name: str
    reverses_id: int | None
    reversed_by_id: int | None

    @staticmethod
    def resolve_kind_label(obj: PointsEntry) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_source_label(obj: PointsEntry) -> str:
        return obj.get_source_display()

    @staticmethod
    def resolve_reversed_by_id(obj: PointsEntry) -> int | None:
        if hasattr(obj, "reversed_by"):
            return obj.reversed_by
        reversal = PointsEntry.objects.filter(reverses=obj).values_list("pk", flat=True).first()
        return reversal


class PersonOut(Schema):
    """A person staff may serve; the phone is masked."""

    id: int
    name: str
    phone_masked: str
    community: RegionRef | None
    balance: int

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.user.pk


class RewardOut(Schema):
    id: int
    community: RegionRef
    name: str
    description: str
    points: int
    stock: int
    is_active: bool


class RewardRef(Schema):
    id: int
    name: str
    points: int


class PersonRef(Schema):
    id: int
    name: str


class RedemptionOut(Schema):
    id: int
    reward: RewardRef
    community: RegionRef
    person: PersonRef
    quantity: int
    points: int
    status: choice_of(Redemption.Status)  # type: ignore[valid-type]
    status_label: str
    entry_id: int | None
    balance_after: int | None
    served_by_name: str
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancel_reason: str

    @staticmethod
    def resolve_community(obj: Redemption):
        return obj.reward.community

    @staticmethod
    def resolve_person(obj: Redemption) -> dict:
        user = obj.account.user
        return {"id": user.pk, "name": user.display_name}

    @staticmethod
    def resolve_status_label(obj: Redemption) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_balance_after(obj: Redemption) -> int | None:
        return obj.entry.balance_after if obj.entry_id else None

    @staticmethod
    def resolve_served_by_name(obj: Redemption) -> str:
        return obj.served_by.display_name if obj.served_by_id else ""


class RuleOut(Schema):
    key: choice_of(PointsRule.Key)  # type: ignore[valid-type]
    label: str
    own: int | None = Field(..., description="The region's own value; null when it inherits")
    effective: int = Field(..., description="The value that applies")
    source: str = Field(..., description="Where the value comes from: own, street, district or default")
    source_label: str
    source_region: RegionRef | None


class RulesOut(Schema):
    region: RegionRef
    can_edit: bool
    rules: list[RuleOut]


# ---------------------------------------------------------------- input

class RedemptionIn(Schema):
    user_id: int = Field(..., description="The person redeeming (a user of one of your communities)")
    reward_id: int
    quantity: int = Field(1, description="1–20")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class RulesIn(Schema):
    """Rule key → points (0–1000), or null to drop the region's own rule and inherit."""

    rules: dict[choice_of(PointsRule.Key), int | None]  # type: ignore[valid-type]


class AdjustmentIn(Schema):
    user_id: int
    amount: int = Field(..., description="Positive grants, negative takes away")
    reason: str = Field(..., max_length=200)
    community: str | None = Field(None, description="Code of the community that books it; default: the person's own")


def balance_out(user, balance: int) -> dict:
    return {"user_id": user.pk, "balance": balance, "community": home_community(user)}
