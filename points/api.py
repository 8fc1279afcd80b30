"""The points ledger and the 爱心超市 over HTTP: the same operations as the
screens, through the same services (writes) and selectors (scoped reads).

Residents read their balance, their ledger and their community's catalogue.
Community staff (street staff for all their communities) look people up,
redeem at the counter, cancel a redemption, adjust points, reverse an entry
and set the points rules.
"""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from core.api import Pagination, errors
from core.errors import NotFound
from regions.models import Region

from . import selectors, services
from .schemas import (
    AdjustmentIn,
    BalanceOut,
    EntryOut,
    PersonOut,
    ReasonIn,
    RedemptionIn,
    RedemptionOut,
    RewardOut,
    RulesIn,
    RulesOut,
    balance_out,
)

router = Router(tags=["points"])


# ---------------------------------------------------------------- my points

@router.get("/points/me", response={200: BalanceOut, **errors()}, summary="My points balance")
def my_balance(request: HttpRequest):
    return balance_out(request.auth, selectors.balance(request.auth))


@router.get("/points/me/entries", response={200: list[EntryOut], **errors(400)}, summary="My points ledger")
@paginate(Pagination)
def my_entries(request: HttpRequest):
    """Newest first. A reversal carries `reverses_id`; a reversed entry `reversed_by_id`."""
    return selectors.entries(request.auth)


# ---------------------------------------------------------------- people (staff)

@router.get("/points/people", response={200: list[PersonOut], **errors(400)}, summary="Find a person (staff)")
def find_people(request: HttpRequest, q: str = Query(..., description="A name (part of it) or a complete phone number")):
    """People of your communities, with masked phones. A phone look-up is written to the audit log."""
    return [selectors.person_row(u) for u in services.person_search(actor=request.auth, query=q)]


@router.get("/points/people/{int:user_id}", response={200: BalanceOut, **errors(404)}, summary="A person's balance (staff)")
def person_balance(request: HttpRequest, user_id: int):
    user = selectors.person_for_staff(request.auth, user_id)
    return balance_out(user, selectors.balance(user))


@router.get("/points/people/{int:user_id}/entries", response={200: list[EntryOut], **errors(400, 404)},
            summary="A person's ledger (staff)")
@paginate(Pagination)
def person_entries(request: HttpRequest, user_id: int):
    return selectors.entries(selectors.person_for_staff(request.auth, user_id))


@router.post("/points/adjustments", response={201: EntryOut, **errors(400, 404, 409)}, summary="Grant or take points")
def adjust(request: HttpRequest, payload: AdjustmentIn):
    """Staff of the booking community (default: the person's home community); a reason is required.
    400 `insufficient_points` when taking more than the balance."""
    community = _region(payload.community, Region.Level.COMMUNITY) if payload.community else None
    entry = services.adjust(actor=request.auth, user=payload.user_id, amount=payload.amount, reason=payload.reason,
                            community=community)
    return Status(201, selectors.get_entry(request.auth, entry.pk))


@router.post("/points/entries/{int:entry_id}/reverse", response={201: EntryOut, **errors(400, 404, 409)},
             summary="Reverse a ledger entry")
def reverse_entry(request: HttpRequest, entry_id: int, payload: ReasonIn):
    """Books the opposite entry; the original stays. 409 `already_reversed`; 400 `reverse_reversal`,
    `cancel_redemption` (cancel the redemption instead) or `insufficient_points` (already spent)."""
    entry = services.entry_reverse(actor=request.auth, entry=entry_id, reason=payload.reason)
    return Status(201, selectors.get_entry(request.auth, entry.pk))


# ---------------------------------------------------------------- 爱心超市

def _region(ref: str, *levels: str) -> Region:
    region = selectors.region_by_ref(ref)
    if levels and region.level not in levels:
        raise NotFound()
    return region


@router.get("/rewards", response={200: list[RewardOut], **errors(400, 404)}, summary="Reward catalogue")
def list_rewards(request: HttpRequest,
                 community: str = Query("", description="Community code; default: your own and those you manage")):
    """Offered items of a community (its staff also see withdrawn ones), cheapest first."""
    region = _region(community, Region.Level.COMMUNITY) if community.strip() else None
    return list(selectors.visible_rewards(request.auth, region))


@router.get("/redemptions", response={200: list[RedemptionOut], **errors(400)}, summary="Redemptions")
@paginate(Pagination)
def list_redemptions(request: HttpRequest):
    """Your own, and for staff those at the counters of their communities; newest first."""
    return selectors.visible_redemptions(request.auth).select_related("entry")


@router.post("/redemptions", response={201: RedemptionOut, **errors(400, 404, 409)}, summary="Redeem at the counter")
def create_redemption(request: HttpRequest, payload: RedemptionIn):
    """Staff hand over `quantity` of an item to a person of their community and debit the points.
    400 `insufficient_points`, `out_of_stock`, `reward_inactive` or `bad_quantity`."""
    redemption = services.redeem(actor=request.auth, user=payload.user_id, reward=payload.reward_id,
                                 quantity=payload.quantity)
    return Status(201, selectors.get_redemption(request.auth, redemption.pk))


@router.post("/redemptions/{int:redemption_id}/cancel", response={200: RedemptionOut, **errors(400, 404, 409)},
             summary="Cancel a redemption")
def cancel_redemption(request: HttpRequest, redemption_id: int, payload: ReasonIn):
    """Points back by a reversal, the item back in stock. 409 `already_cancelled`."""
    services.redemption_cancel(actor=request.auth, redemption=redemption_id, reason=payload.reason)
    return selectors.get_redemption(request.auth, redemption_id)


# ---------------------------------------------------------------- rules

def _rules(request: HttpRequest, region: Region) -> dict:
    rows = [dict(row, label=str(row["label"]), source_label=str(row["source_label"]))
            for row in selectors.rule_table(region)]
    return {"region": region, "can_edit": services.can_set_rules(request.auth, region), "rules": rows}


@router.get("/points/rules/{region_id}", response={200: RulesOut, **errors(404)}, summary="Points rules of a region")
def get_rules(request: HttpRequest, region_id: str):
    """`region_id` is a community or street code (or its numeric id). Each rule shows the
    region's own value, the value that applies and where it comes from."""
    return _rules(request, _region(region_id, Region.Level.COMMUNITY, Region.Level.STREET))


@router.put("/points/rules/{region_id}", response={200: RulesOut, **errors(400, 404)}, summary="Set points rules")
def put_rules(request: HttpRequest, region_id: str, payload: RulesIn):
    """Community staff for their community, street staff for their street. Keys left out stay as they are."""
    region = _region(region_id, Region.Level.COMMUNITY, Region.Level.STREET)
    services.rules_save(actor=request.auth, region=region, values=payload.rules)
    return _rules(request, region)
