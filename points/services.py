"""Every write to the points ledger and the 爱心超市.

Other apps book points through `credit` (idempotent per source) and take them
back through `reverse`; nothing else creates a `PointsEntry`. Each function
runs in one transaction, locks the account row (and, for a redemption, the
reward row first), so concurrent bookings on one person serialise and the
balance can never go below zero.
"""

import datetime as dt
import uuid

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import manages_community
from core.audit import actor_name, audit
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.notify import notify
from core.text import clean_text
from regions.models import Region

from .models import PointsAccount, PointsEntry, PointsRule, Redemption, Reward, Source

MAX_BOOKING = 100_000  # one entry; a bigger number is a typing error
MAX_QUANTITY = 20


def _lock_account(user: User) -> PointsAccount:
    PointsAccount.objects.get_or_create(user=user)  # handles the create race with a savepoint
    return PointsAccount.objects.select_for_update().get(user=user)


def _amount(value) -> int:
    try:
        amount = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Points must be a whole number."), code="bad_points")
    if not 0 < abs(amount) <= MAX_BOOKING:
        raise ValidationFailed(_("Points must be between 1 and %(n)d.") % {"n": MAX_BOOKING}, code="bad_points")
    return amount


def _book(*, account: PointsAccount, amount: int, kind: str, source: str, source_id: str, source_key: str,
          reason: str, community, actor, now, reverses=None) -> PointsEntry:
    """Append one entry to a locked account. Refuses to take the balance below zero."""
    new_balance = account.balance + amount
    if new_balance < 0:
        raise ValidationFailed(
            _("Not enough points: the balance is %(balance)d, %(needed)d are needed.")
            % {"balance": account.balance, "needed": -amount}, code="insufficient_points")
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                account=account, amount=amount, kind=kind, source=source, source_id=str(source_id),
                source_key=source_key, reason=reason[:200], community=community, reverses=reverses,
                balance_after=new_balance, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                created_by_name=actor_name(actor), created_at=now,
            )
    except IntegrityError:
        raise Conflict(_("These points have already been booked."), code="already_booked")
    PointsAccount.objects.filter(pk=account.pk).update(balance=new_balance, updated_at=now)
    account.balance = new_balance
    return entry


def _serialised(fn):
    """Run in a transaction; SQLite's busy timeout under contention becomes a clean Conflict."""
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        except OperationalError as exc:
            if "locked" in str(exc).lower():
                raise Conflict() from exc
            raise
    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


# ---------------------------------------------------------------- booking from other apps

@_serialised
def credit(*, user: User, amount: int, source: str, source_id, reason: str, community: Region | None = None,
           actor: User | None = None, now: dt.datetime | None = None) -> PointsEntry:
    """Credit points for one business event. Idempotent: a second call for the
    same source returns the first entry and books nothing."""
    source = Source(source)
    amount = _amount(amount)
    if amount < 0:
        raise ValidationFailed(_("A credit must be positive."), code="bad_points")
    key = f"{source}:{source_id}"
    account = _lock_account(user)
    existing = PointsEntry.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    entry = _book(account=account, amount=amount, kind=PointsEntry.Kind.CREDIT, source=source, source_id=source_id,
                  source_key=key, reason=reason, community=community, actor=actor, now=now or timezone.now())
    audit(actor=actor, action="points.credit", obj=entry, after={"user": user.pk, "amount": amount, "source": key})
    notify([user], verb="points_credit", title=_("You earned %(n)d points: %(reason)s") % {"n": amount, "reason": reason},
           url=_mine_url())
    return entry


@_serialised
def reverse(*, entry: PointsEntry | int, actor: User | None, reason: str, now: dt.datetime | None = None) -> PointsEntry:
    """Take back one entry by booking its opposite. Once per entry; a reversal
    itself is not reversed (book a new credit instead). Refused if spending
    the points back would take the balance below zero."""
    entry_id = entry.pk if isinstance(entry, PointsEntry) else entry
    original = PointsEntry.objects.filter(pk=entry_id).select_related("account__user").first()
    if original is None:
        raise NotFound()
    reason = clean_text(reason, field=_("the reason"), max_length=200, required=True)
    if original.kind == PointsEntry.Kind.REVERSAL:
        raise ValidationFailed(_("A reversal cannot itself be reversed."), code="reverse_reversal")
    account = _lock_account(original.account.user)
    if PointsEntry.objects.filter(reverses=original).exists():
        raise Conflict(_("This entry has already been reversed."), code="already_reversed")
    entry = _book(account=account, amount=-original.amount, kind=PointsEntry.Kind.REVERSAL, source=original.source,
                  source_id=original.source_id, source_key=f"reversal:{original.pk}", reason=reason,
                  community=original.community, actor=actor, now=now or timezone.now(), reverses=original)
    audit(actor=actor, action="points.reverse", obj=entry, before={"entry": original.pk, "amount": original.amount},
          after={"amount": entry.amount}, note=reason)
    return entry


def reverse_source(*, source: str, source_id, actor: User | None, reason: str) -> PointsEntry | None:
    """Reverse the credit booked for a source, if there is one and it stands."""
    original = PointsEntry.objects.filter(source_key=f"{Source(source)}:{source_id}").first()
    if original is None or PointsEntry.objects.filter(reverses=original).exists():
        return None
    return reverse(entry=original, actor=actor, reason=reason)


@_serialised
def adjust(*, actor: User, user: User, amount, reason: str, community: Region,
           now: dt.datetime | None = None) -> PointsEntry:
    """A manual correction or grant by community staff, with a reason; negative takes points away."""
    if not manages_community(actor, community):
        raise NotAllowed(_("Only staff of this community can adjust points."))
    amount = _amount(amount)
    reason = clean_text(reason, field=_("the reason"), max_length=200, required=True)
    account = _lock_account(user)
    source_id = uuid.uuid4().hex
    entry = _book(account=account, amount=amount,
                  kind=PointsEntry.Kind.CREDIT if amount > 0 else PointsEntry.Kind.DEBIT, source=Source.ADJUSTMENT,
                  source_id=source_id, source_key=f"{Source.ADJUSTMENT}:{source_id}", reason=reason, community=community,
                  actor=actor, now=now or timezone.now())
    audit(actor=actor, action="points.adjust", obj=entry, after={"user": user.pk, "amount": amount}, note=reason)
    return entry


# ---------------------------------------------------------------- rules

def rule_points(community: Region | None, key: str) -> int:
    """Points for `key` in a community: its own rule, else its street's, else the default."""
    key = PointsRule.Key(key)
    region = community
    while region is not None:
        rule = PointsRule.objects.filter(region=region, key=key).first()
        if rule is not None:
            return rule.points
        region = region.parent if region.parent_id else None
    return PointsRule.DEFAULTS[key]


@transaction.atomic
def set_rule(*, actor: User, region: Region, key: str, points) -> PointsRule:
    try:
        key = PointsRule.Key(key)
    except ValueError:
        raise ValidationFailed(_("Unknown points rule."), code="unknown_rule")
    allowed = manages_community(actor, region) if region.level == Region.Level.COMMUNITY else (
        region.level == Region.Level.STREET and region.children.exists()
        and all(manages_community(actor, c) for c in region.children.filter(level=Region.Level.COMMUNITY)))
    if not allowed:
        raise NotAllowed(_("Only staff of this community or street can set its points rules."))
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Points must be a whole number."), code="bad_points")
    if not 0 <= points <= 1000:
        raise ValidationFailed(_("Points per rule must be between 0 and 1000."), code="bad_points")
    rule = PointsRule.objects.select_for_update().filter(region=region, key=key).first()
    before = rule.points if rule else None
    if rule is None:
        rule = PointsRule(region=region, key=key)
    rule.points, rule.updated_by = points, actor
    rule.save()
    audit(actor=actor, action="points.rule", obj=rule, before={"points": before}, after={"points": points})
    return rule


# ---------------------------------------------------------------- 爱心超市

@transaction.atomic
def reward_save(*, actor: User, community: Region, name: str, points, stock=0, description: str = "",
                reward: Reward | None = None, is_active: bool = True) -> Reward:
    """Create or edit a catalogue item. Stock is changed with `reward_restock`, not here, for an edited item."""
    if not manages_community(actor, community if reward is None else reward.community):
        raise NotAllowed(_("Only staff of this community can manage its reward catalogue."))
    name = clean_text(name, field=_("the name"), max_length=100, required=True)
    description = clean_text(description, field=_("the description"), max_length=500)
    try:
        points = int(points)
        stock = int(stock or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Points and stock must be whole numbers."), code="bad_number")
    if not 1 <= points <= MAX_BOOKING:
        raise ValidationFailed(_("Points must be between 1 and %(n)d.") % {"n": MAX_BOOKING}, code="bad_points")
    if not 0 <= stock <= 100_000:
        raise ValidationFailed(_("Stock must be between 0 and 100000."), code="bad_stock")
    if reward is None:
        reward = Reward.objects.create(community=community, name=name, description=description, points=points,
                                       stock=stock, is_active=is_active)
        audit(actor=actor, action="points.reward_create", obj=reward, after={"points": points, "stock": stock})
        return reward
    before = {"name": reward.name, "points": reward.points, "is_active": reward.is_active}
    Reward.objects.filter(pk=reward.pk).update(name=name, description=description, points=points, is_active=is_active)
    reward.refresh_from_db()
    audit(actor=actor, action="points.reward_edit", obj=reward, before=before,
          after={"name": name, "points": points, "is_active": is_active})
    return reward


@transaction.atomic
def reward_restock(*, actor: User, reward: Reward | int, delta) -> Reward:
    """Add (or, with a negative delta, write off) stock; never below zero."""
    reward = Reward.objects.select_for_update().filter(pk=getattr(reward, "pk", reward)).first()
    if reward is None:
        raise NotFound()
    if not manages_community(actor, reward.community_id):
        raise NotAllowed(_("Only staff of this community can manage its reward catalogue."))
    try:
        delta = int(delta)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Stock must be a whole number."), code="bad_stock")
    if delta == 0 or reward.stock + delta < 0 or reward.stock + delta > 100_000:
        raise ValidationFailed(_("Stock would be %(n)d: it must stay between 0 and 100000.") % {"n": reward.stock + delta},
                               code="bad_stock")
    before = reward.stock
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + delta)
    reward.refresh_from_db()
    audit(actor=actor, action="points.restock", obj=reward, before={"stock": before}, after={"stock": reward.stock})
    return reward


@_serialised
def redeem(*, actor: User, user: User, reward: Reward | int, quantity=1, now: dt.datetime | None = None) -> Redemption:
    """兑换 at the counter: staff hand over `quantity` of an item and the
    person's points are debited. Locks the reward, then the account, so two
    counters redeeming the last item or the last points cannot both succeed."""
    now = now or timezone.now()
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Quantity must be a whole number."), code="bad_quantity")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(_("Quantity must be between 1 and %(n)d.") % {"n": MAX_QUANTITY}, code="bad_quantity")
    reward = Reward.objects.select_for_update().filter(pk=getattr(reward, "pk", reward)).first()
    if reward is None:
        raise NotFound()
    if not manages_community(actor, reward.community_id):
        raise NotAllowed(_("Only staff of this community can redeem at its counter."))
    if not reward.is_active:
        raise ValidationFailed(_("“%(name)s” is no longer offered.") % {"name": reward.name}, code="reward_inactive")
    if reward.stock < quantity:
        raise ValidationFailed(_("Only %(n)d of “%(name)s” left in stock.") % {"n": reward.stock, "name": reward.name},
                               code="out_of_stock")
    account = _lock_account(user)
    total = reward.points * quantity
    redemption = Redemption.objects.create(reward=reward, account=account, quantity=quantity, points=total,
                                           served_by=actor, created_at=now)
    entry = _book(account=account, amount=-total, kind=PointsEntry.Kind.DEBIT, source=Source.REDEMPTION,
                  source_id=redemption.pk, source_key=f"{Source.REDEMPTION}:{redemption.pk}",
                  reason=_("Redeemed %(name)s ×%(q)d") % {"name": reward.name, "q": quantity},
                  community=reward.community, actor=actor, now=now)
    if Reward.objects.filter(pk=reward.pk, stock__gte=quantity).update(stock=F("stock") - quantity) != 1:
        raise Conflict()
    Redemption.objects.filter(pk=redemption.pk).update(entry=entry)
    redemption.entry = entry
    audit(actor=actor, action="points.redeem", obj=redemption,
          after={"user": user.pk, "reward": reward.pk, "quantity": quantity, "points": total})
    return redemption


@_serialised
def redemption_cancel(*, actor: User, redemption: Redemption | int, reason: str,
                      now: dt.datetime | None = None) -> Redemption:
    """Undo a redemption (item returned, wrong person): points back by a reversal, item back in stock."""
    now = now or timezone.now()
    pk = getattr(redemption, "pk", redemption)
    redemption = Redemption.objects.select_for_update().filter(pk=pk).select_related("reward", "entry").first()
    if redemption is None:
        raise NotFound()
    if not manages_community(actor, redemption.reward.community_id):
        raise NotAllowed(_("Only staff of this community can redeem at its counter."))
    if redemption.status == Redemption.Status.CANCELLED:
        raise Conflict(_("This redemption has already been cancelled."), code="already_cancelled")
    reason = clean_text(reason, field=_("the reason"), max_length=200, required=True)
    Reward.objects.select_for_update().filter(pk=redemption.reward_id).first()
    reverse(entry=redemption.entry, actor=actor, reason=reason, now=now)
    Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + redemption.quantity)
    Redemption.objects.filter(pk=redemption.pk).update(status=Redemption.Status.CANCELLED, cancelled_at=now,
                                                       cancel_reason=reason)
    redemption.refresh_from_db()
    audit(actor=actor, action="points.redemption_cancel", obj=redemption, note=reason)
    return redemption


def _mine_url() -> str:
    from django.urls import NoReverseMatch, reverse as url_reverse

    try:
        return url_reverse("points:mine")
    except NoReverseMatch:
        return ""
