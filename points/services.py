"""Every write to the points ledger and the 爱心超市.

Other apps book points through `credit` (idempotent per source) and take them
back through `reverse` / `reverse_source`; nothing else creates a
`PointsEntry`. Each function runs in one transaction and locks rows in one
order — redemption, then reward, then account — so concurrent bookings on one
person or one item serialise, the balance never goes below zero and stock
never below nothing, and two counters can never deadlock each other.
"""

import datetime as dt
import re
import uuid

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import home_community, managed_communities, manages_community, user_scopes
from core.audit import actor_name, audit
from core.crypto import blind_index, mask_phone
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from core.notify import notify
from core.text import clean_phone, clean_text
from regions.models import Region

from . import selectors
from .models import PointsAccount, PointsEntry, PointsRule, Redemption, Reward, Source

MAX_BOOKING = 100_000  # one entry; a bigger number is a typing error
MAX_QUANTITY = 20
MAX_STOCK = 100_000
MAX_RULE_POINTS = 1000
SEARCH_LIMIT = 20

# Sources other apps may credit; redemptions and adjustments are booked by their own services below.
CREDIT_SOURCES = {Source.ORDER, Source.ACTIVITY, Source.AWARD}


# ---------------------------------------------------------------- helpers

def _whole(value, *, message: str, code: str) -> int:
    if isinstance(value, bool):
        raise ValidationFailed(message, code=code)
    if isinstance(value, str):
        value = value.strip()
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed(message, code=code)
    if isinstance(value, float) and value != number:
        raise ValidationFailed(message, code=code)
    return number


def _amount(value) -> int:
    amount = _whole(value, message=_("Points must be a whole number."), code="bad_points")
    if not 0 < abs(amount) <= MAX_BOOKING:
        raise ValidationFailed(_("Points must be between 1 and %(n)d.") % {"n": MAX_BOOKING}, code="bad_points")
    return amount


def _reason(value) -> str:
    return clean_text(value, field=_("the reason"), max_length=200, required=True)


def _lock_account(user: User) -> PointsAccount:
    PointsAccount.objects.get_or_create(user=user)  # handles the create race with a savepoint
    return PointsAccount.objects.select_for_update().get(user=user)


def _user(value) -> User:
    if isinstance(value, User):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound()
    user = User.objects.filter(pk=pk).select_related("person").first()
    if user is None:
        raise NotFound()
    return user


def _community(value) -> Region:
    region = value if isinstance(value, Region) else Region.objects.filter(pk=_pk(value)).first()
    if region is None or region.level != Region.Level.COMMUNITY:
        raise ValidationFailed(_("Choose a community."), code="bad_community")
    return region


def _pk(value) -> int | None:
    value = getattr(value, "pk", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_person(actor: User, user: User) -> None:
    """Staff act only on people of their communities (by household, or who earned points there)."""
    if not selectors.people_of(actor).filter(pk=user.pk).exists():
        raise NotAllowed(_("This person is not registered in a community you manage."), code="person_out_of_scope")


def _book(*, account: PointsAccount, amount: int, kind: str, source: str, source_id: str, source_key: str,
          reason: str, community, actor, now, reverses=None) -> PointsEntry:
    """Append one entry to a locked account. Refuses to take the balance below zero."""
    new_balance = account.balance + amount
    if new_balance < 0:
        raise ValidationFailed(
            _("Not enough points: the balance is %(balance)d, %(needed)d are needed.")
            % {"balance": account.balance, "needed": -amount}, code="insufficient_points")
    # The row lock makes this the only writer; the condition on the old balance would still
    # refuse a lost update if a caller ever forgot to take the lock.
    if PointsAccount.objects.filter(pk=account.pk, balance=account.balance).update(
            balance=new_balance, updated_at=timezone.now()) != 1:
        raise Conflict()
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                account=account, amount=amount, kind=kind, source=source, source_id=str(source_id),
                source_key=source_key, reason=reason[:200], community=community, reverses=reverses,
                balance_after=new_balance, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                created_by_name=actor_name(actor)[:64], created_at=now,
            )
    except IntegrityError:
        raise Conflict(_("These points have already been booked."), code="already_booked")
    account.balance = new_balance
    return entry


def _serialised(fn):
    """Run in a transaction; SQLite's busy timeout under contention becomes a clean Conflict."""
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        except OperationalError as exc:
            if "locked" in str(exc).lower() or "deadlock" in str(exc).lower():
                raise Conflict() from exc
            raise
    wrapper.__doc__, wrapper.__name__, wrapper.__qualname__ = fn.__doc__, fn.__name__, fn.__qualname__
    return wrapper


def _mine_url() -> str:
    from django.urls import NoReverseMatch, reverse as url_reverse

    try:
        return url_reverse("points:mine")
    except NoReverseMatch:
        return ""


# ---------------------------------------------------------------- booking from other apps

@_serialised
def credit(*, user: User, amount: int, source: str, source_id, reason: str, community: Region | None = None,
           actor: User | None = None, now: dt.datetime | None = None) -> PointsEntry:
    """Credit points for one business event (a finished order, activity hours,
    an award). Idempotent: a second call for the same source returns the
    first entry and books nothing — also once that entry has been reversed,
    so a reopened and re-finished order credits again only under a new
    `source_id`."""
    try:
        source = Source(source)
    except ValueError:
        raise ValidationFailed(_("Unknown points source."), code="bad_source")
    if source not in CREDIT_SOURCES:
        raise ValidationFailed(_("Redemptions and adjustments are booked at the counter, not credited."),
                               code="bad_source")
    if user is None:
        raise ValidationFailed(_("Choose the person to credit."), code="required")
    amount = _amount(amount)
    if amount < 0:
        raise ValidationFailed(_("A credit must be positive."), code="bad_points")
    source_id = str(source_id if source_id is not None else "").strip()
    if not source_id or len(source_id) > 64:
        raise ValidationFailed(_("A credit needs the id of what it is for."), code="bad_source")
    # Other apps build the reason from titles they hold; a long one is cut, not refused.
    reason = clean_text(reason, field=_("the reason"), required=True)[:200]
    key = f"{source}:{source_id}"
    account = _lock_account(user)
    existing = PointsEntry.objects.filter(source_key=key).select_related("account").first()
    if existing is not None:
        if existing.account.user_id != user.pk:
            raise Conflict(_("These points have already been booked for someone else."), code="already_booked")
        return existing
    entry = _book(account=account, amount=amount, kind=PointsEntry.Kind.CREDIT, source=source, source_id=source_id,
                  source_key=key, reason=reason, community=community, actor=actor, now=now or timezone.now())
    audit(actor=actor, action="points.credit", obj=entry, after={"user": user.pk, "amount": amount, "source": key})
    notify([user], verb="points_credit", title=_("You earned %(n)d points: %(reason)s") % {"n": amount, "reason": reason},
           url=_mine_url())
    return entry


def _reverse(original: PointsEntry, *, actor, reason, now, quiet: bool = False) -> PointsEntry | None:
    """Book the opposite of `original` on its locked account. `quiet` returns
    None for an entry already reversed instead of refusing."""
    reason = _reason(reason)
    if original.kind == PointsEntry.Kind.REVERSAL:
        raise ValidationFailed(_("A reversal cannot itself be reversed."), code="reverse_reversal")
    account = PointsAccount.objects.select_for_update().get(pk=original.account_id)
    if PointsEntry.objects.filter(reverses=original).exists():
        if quiet:
            return None
        raise Conflict(_("This entry has already been reversed."), code="already_reversed")
    if account.balance - original.amount < 0:
        raise ValidationFailed(
            _("Cannot take back %(n)d points: the balance is only %(balance)d (points already spent).")
            % {"n": original.amount, "balance": account.balance}, code="insufficient_points")
    entry = _book(account=account, amount=-original.amount, kind=PointsEntry.Kind.REVERSAL, source=original.source,
                  source_id=original.source_id, source_key=f"reversal:{original.pk}", reason=reason,
                  community=original.community, actor=actor, now=now or timezone.now(), reverses=original)
    audit(actor=actor, action="points.reverse", obj=entry, before={"entry": original.pk, "amount": original.amount},
          after={"amount": entry.amount}, note=reason)
    notify([account.user], verb="points_reversal",
           title=_("%(n)+d points: %(reason)s") % {"n": entry.amount, "reason": reason}, url=_mine_url())
    return entry


def _original(entry) -> PointsEntry:
    original = PointsEntry.objects.filter(pk=_pk(entry)).select_related("account").first()
    if original is None:
        raise NotFound()
    return original


@_serialised
def reverse(*, entry: PointsEntry | int, actor: User | None, reason: str, now: dt.datetime | None = None) -> PointsEntry:
    """Take back one entry by booking its opposite. Once per entry; a reversal
    itself is not reversed (book a new credit instead), and a redemption is
    undone by `redemption_cancel`, which also puts the item back in stock.
    Refused if taking the points back would leave the balance below zero.
    No permission check: other apps call this from their own checked
    services; staff screens go through `entry_reverse`."""
    original = _original(entry)
    if original.source == Source.REDEMPTION:
        raise ValidationFailed(_("A redemption is undone by cancelling it at the counter."), code="cancel_redemption")
    return _reverse(original, actor=actor, reason=reason, now=now)


@_serialised
def reverse_source(*, source: str, source_id, actor: User | None, reason: str) -> PointsEntry | None:
    """Reverse the credit booked for a source, if there is one and it stands;
    None otherwise (so calling it twice is harmless)."""
    try:
        source = Source(source)
    except ValueError:
        raise ValidationFailed(_("Unknown points source."), code="bad_source")
    if source == Source.REDEMPTION:
        raise ValidationFailed(_("A redemption is undone by cancelling it at the counter."), code="cancel_redemption")
    original = PointsEntry.objects.filter(source_key=f"{source}:{source_id}").first()
    if original is None:
        return None
    return _reverse(original, actor=actor, reason=reason, now=None, quiet=True)


@_serialised
def entry_reverse(*, actor: User, entry: PointsEntry | int, reason: str, now: dt.datetime | None = None) -> PointsEntry:
    """Staff correct a booking from a person's ledger: the community that
    booked the entry (or, for an entry without one, the person's home
    community) must be theirs."""
    original = _original(entry)
    person = original.account.user
    if not selectors.people_of(actor).filter(pk=person.pk).exists():
        raise NotFound()
    owner = original.community_id or getattr(home_community(person), "pk", None)
    if not manages_community(actor, owner):
        raise NotAllowed(_("Only staff of the community that booked these points can reverse them."))
    if original.source == Source.REDEMPTION:
        raise ValidationFailed(_("A redemption is undone by cancelling it at the counter."), code="cancel_redemption")
    return _reverse(original, actor=actor, reason=reason, now=now)


@_serialised
def adjust(*, actor: User, user: User | int, amount, reason: str, community: Region | int | None = None,
           now: dt.datetime | None = None) -> PointsEntry:
    """A manual grant (positive) or deduction (negative) by community staff,
    with a reason. Without a community, the person's home community books it."""
    user = _user(user)
    if community in (None, ""):
        community = home_community(user)
        if community is None:
            raise ValidationFailed(_("Choose the community that books this adjustment."), code="bad_community")
    community = _community(community)
    if not manages_community(actor, community):
        raise NotAllowed(_("Only staff of this community can adjust points."))
    _check_person(actor, user)
    amount = _amount(amount)
    reason = _reason(reason)
    account = _lock_account(user)
    source_id = uuid.uuid4().hex
    entry = _book(account=account, amount=amount,
                  kind=PointsEntry.Kind.CREDIT if amount > 0 else PointsEntry.Kind.DEBIT, source=Source.ADJUSTMENT,
                  source_id=source_id, source_key=f"{Source.ADJUSTMENT}:{source_id}", reason=reason, community=community,
                  actor=actor, now=now or timezone.now())
    audit(actor=actor, action="points.adjust", obj=entry, after={"user": user.pk, "amount": amount}, note=reason)
    notify([user], verb="points_adjust", title=_("%(n)+d points: %(reason)s") % {"n": amount, "reason": reason},
           url=_mine_url())
    return entry


# ---------------------------------------------------------------- rules

def rule_points(community: Region | None, key: str) -> int:
    """Points for `key` in a community: its own rule, else its street's, else the default."""
    return selectors.effective_rule(community, _rule_key(key))["effective"]


def can_set_rules(actor: User, region: Region) -> bool:
    """Community staff set their community's rules; street staff their street's and its communities'."""
    if actor is None or not actor.is_authenticated or region is None:
        return False
    if region.level == Region.Level.COMMUNITY:
        return manages_community(actor, region)
    if region.level == Region.Level.STREET:
        scopes = user_scopes(actor)
        return scopes.is_admin or region.pk in scopes.regions(Role.STREET_STAFF, Region.Level.STREET)
    return False


def _rule_key(key) -> str:
    try:
        return PointsRule.Key(key)
    except ValueError:
        raise ValidationFailed(_("Unknown points rule “%(key)s”.") % {"key": str(key)[:40]}, code="unknown_rule")


def _rule_value(points) -> int | None:
    if points is None or (isinstance(points, str) and not points.strip()):
        return None
    points = _whole(points, message=_("Points must be a whole number."), code="bad_points")
    if not 0 <= points <= MAX_RULE_POINTS:
        raise ValidationFailed(_("Points per rule must be between 0 and %(n)d.") % {"n": MAX_RULE_POINTS},
                               code="bad_points")
    return points


@transaction.atomic
def set_rule(*, actor: User, region: Region, key: str, points) -> PointsRule | None:
    """Set one rule of a community or street; an empty value removes the
    region's own rule so the street's (or the default) applies again."""
    key = _rule_key(key)
    if not can_set_rules(actor, region):
        raise NotAllowed(_("Only staff of this community or street can set its points rules."))
    points = _rule_value(points)
    rule = PointsRule.objects.select_for_update().filter(region=region, key=key).first()
    before = rule.points if rule else None
    if before == points:
        return rule
    if points is None:
        rule.delete()
        rule = None
    else:
        if rule is None:
            rule = PointsRule(region=region, key=key)
        rule.points, rule.updated_by = points, actor
        rule.save()
    audit(actor=actor, action="points.rule", object_type="points.pointsrule", object_id=f"{region.pk}:{key}",
          object_repr=f"{region} {key}", before={"points": before}, after={"points": points})
    return rule


@transaction.atomic
def rules_save(*, actor: User, region: Region, values: dict) -> None:
    """Set several rules of one region at once: all or nothing."""
    if not can_set_rules(actor, region):
        raise NotAllowed(_("Only staff of this community or street can set its points rules."))
    cleaned = {_rule_key(k): _rule_value(v) for k, v in values.items()}
    for key, points in cleaned.items():
        set_rule(actor=actor, region=region, key=key, points=points)


# ---------------------------------------------------------------- 爱心超市 catalogue

def _locked_reward(reward) -> Reward:
    if reward in (None, ""):
        raise ValidationFailed(_("Choose an item."), code="required")
    found = Reward.objects.select_for_update().filter(pk=_pk(reward)).first()
    if found is None:
        raise NotFound()
    return found


def _catalogue_guard(actor, community_id) -> None:
    if not manages_community(actor, community_id):
        raise NotAllowed(_("Only staff of this community can manage its reward catalogue."))


def _stock(value) -> int:
    stock = _whole(value if value not in (None, "") else 0, message=_("Stock must be a whole number."), code="bad_stock")
    if not 0 <= stock <= MAX_STOCK:
        raise ValidationFailed(_("Stock must be between 0 and %(n)d.") % {"n": MAX_STOCK}, code="bad_stock")
    return stock


def _price(value) -> int:
    points = _whole(value, message=_("Points must be a whole number."), code="bad_points")
    if not 1 <= points <= MAX_BOOKING:
        raise ValidationFailed(_("Points must be between 1 and %(n)d.") % {"n": MAX_BOOKING}, code="bad_points")
    return points


@transaction.atomic
def reward_save(*, actor: User, community: Region | int | None = None, name: str, points, stock=0,
                description: str = "", reward: Reward | int | None = None, is_active: bool = True) -> Reward:
    """Create a catalogue item, or edit one's name, description, price and
    availability. An edited item's stock changes only through `reward_restock`."""
    if reward is None:
        community = _community(community)
        _catalogue_guard(actor, community.pk)
    else:
        reward = _locked_reward(reward)
        _catalogue_guard(actor, reward.community_id)
    name = clean_text(name, field=_("the name"), max_length=100, required=True)
    description = clean_text(description, field=_("the description"), max_length=500)
    points = _price(points)
    is_active = bool(is_active)
    if reward is None:
        reward = Reward.objects.create(community=community, name=name, description=description, points=points,
                                       stock=_stock(stock), is_active=is_active)
        audit(actor=actor, action="points.reward_create", obj=reward,
              after={"name": name, "points": points, "stock": reward.stock, "is_active": is_active})
        return reward
    before = {"name": reward.name, "description": reward.description, "points": reward.points,
              "is_active": reward.is_active}
    after = {"name": name, "description": description, "points": points, "is_active": is_active}
    if before != after:
        Reward.objects.filter(pk=reward.pk).update(**after)
        reward.refresh_from_db()
        audit(actor=actor, action="points.reward_edit", obj=reward, before=before, after=after)
    return reward


@transaction.atomic
def reward_set_active(*, actor: User, reward: Reward | int, is_active: bool) -> Reward:
    """Offer an item again, or stop offering it (its history stays)."""
    reward = _locked_reward(reward)
    _catalogue_guard(actor, reward.community_id)
    if reward.is_active != bool(is_active):
        Reward.objects.filter(pk=reward.pk).update(is_active=bool(is_active))
        reward.is_active = bool(is_active)
        audit(actor=actor, action="points.reward_active", obj=reward, before={"is_active": not reward.is_active},
              after={"is_active": reward.is_active})
    return reward


@transaction.atomic
def reward_restock(*, actor: User, reward: Reward | int, delta, note: str = "") -> Reward:
    """Add stock (a delivery), or with a negative delta write it off (damaged,
    expired); never below zero."""
    reward = _locked_reward(reward)
    _catalogue_guard(actor, reward.community_id)
    delta = _whole(delta, message=_("Stock must be a whole number."), code="bad_stock")
    note = clean_text(note, field=_("the note"), max_length=200)
    if delta == 0:
        raise ValidationFailed(_("Give the number of items to add, or a negative number to write off."),
                               code="bad_stock")
    if not 0 <= reward.stock + delta <= MAX_STOCK:
        raise ValidationFailed(_("Stock would be %(n)d: it must stay between 0 and %(max)d.")
                               % {"n": reward.stock + delta, "max": MAX_STOCK}, code="bad_stock")
    before = reward.stock
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + delta)
    reward.refresh_from_db()
    audit(actor=actor, action="points.restock" if delta > 0 else "points.write_off", obj=reward,
          before={"stock": before}, after={"stock": reward.stock, "delta": delta}, note=note)
    return reward


# ---------------------------------------------------------------- 爱心超市 counter

@_serialised
def redeem(*, actor: User, user: User | int, reward: Reward | int, quantity=1,
           now: dt.datetime | None = None) -> Redemption:
    """兑换 at the counter: staff hand over `quantity` of an item and the
    person's points are debited. Locks the reward, then the account, so two
    counters redeeming the last item or the last points cannot both succeed."""
    now = now or timezone.now()
    quantity = _whole(quantity, message=_("Quantity must be a whole number."), code="bad_quantity")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(_("Quantity must be between 1 and %(n)d.") % {"n": MAX_QUANTITY}, code="bad_quantity")
    user = _user(user)
    reward = _locked_reward(reward)
    if not manages_community(actor, reward.community_id):
        raise NotAllowed(_("Only staff of this community can redeem at its counter."))
    _check_person(actor, user)
    if not reward.is_active:
        raise ValidationFailed(_("“%(name)s” is no longer offered.") % {"name": reward.name}, code="reward_inactive")
    if reward.stock < quantity:
        raise ValidationFailed(_("Only %(n)d of “%(name)s” left in stock.") % {"n": reward.stock, "name": reward.name},
                               code="out_of_stock")
    account = _lock_account(user)
    total = reward.points * quantity
    if account.balance < total:
        raise ValidationFailed(
            _("Not enough points: %(name)s has %(balance)d, %(total)d are needed.")
            % {"name": user.display_name, "balance": account.balance, "total": total}, code="insufficient_points")
    redemption = Redemption.objects.create(reward=reward, account=account, quantity=quantity, points=total,
                                           served_by=actor, created_at=now)
    entry = _book(account=account, amount=-total, kind=PointsEntry.Kind.DEBIT, source=Source.REDEMPTION,
                  source_id=redemption.pk, source_key=f"{Source.REDEMPTION}:{redemption.pk}",
                  reason=_("Redeemed %(name)s ×%(q)d") % {"name": reward.name, "q": quantity},
                  community=reward.community, actor=actor, now=now)
    if Reward.objects.filter(pk=reward.pk, stock__gte=quantity).update(stock=F("stock") - quantity) != 1:
        raise Conflict()  # cannot happen under the row lock; the guard keeps the rule if that ever changes
    Redemption.objects.filter(pk=redemption.pk).update(entry=entry)
    redemption.entry = entry
    reward.stock -= quantity
    audit(actor=actor, action="points.redeem", obj=redemption,
          after={"user": user.pk, "reward": reward.pk, "quantity": quantity, "points": total})
    notify([user], verb="points_redeem", url=_mine_url(),
           title=_("You redeemed %(name)s ×%(q)d for %(n)d points") % {"name": reward.name, "q": quantity, "n": total})
    return redemption


@_serialised
def redemption_cancel(*, actor: User, redemption: Redemption | int, reason: str,
                      now: dt.datetime | None = None) -> Redemption:
    """Undo a redemption (item returned, wrong person): points back by a
    reversal, the item back in stock. Once."""
    now = now or timezone.now()
    redemption = (Redemption.objects.select_for_update(of=("self",)).select_related("reward")
                  .filter(pk=_pk(redemption)).first())
    if redemption is None:
        raise NotFound()
    if not manages_community(actor, redemption.reward.community_id):
        raise NotAllowed(_("Only staff of this community can cancel its redemptions."))
    target = Redemption.TRANSITIONS.get((redemption.status, "cancel"))
    if target is None:
        raise Conflict(_("This redemption has already been cancelled."), code="already_cancelled")
    reason = _reason(reason)
    # Under the row lock only one canceller gets here; the condition on the status keeps it so regardless.
    if Redemption.objects.filter(pk=redemption.pk, status=redemption.status).update(
            status=target, cancelled_at=now, cancel_reason=reason) != 1:
        raise Conflict(_("This redemption has already been cancelled."), code="already_cancelled")
    _locked_reward(redemption.reward_id)
    _reverse(PointsEntry.objects.get(pk=redemption.entry_id), actor=actor, reason=reason, now=now)
    Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + redemption.quantity)
    redemption.refresh_from_db()
    audit(actor=actor, action="points.redemption_cancel", obj=redemption, before={"status": Redemption.Status.DONE},
          after={"status": Redemption.Status.CANCELLED, "quantity": redemption.quantity}, note=reason)
    return redemption


# ---------------------------------------------------------------- finding a person

_HAS_DIGIT = re.compile(r"\d")


@transaction.atomic
def person_search(*, actor: User, query: str) -> list[User]:
    """Find people of the actor's communities by name, or by their exact phone
    number. A phone search tells the searcher who holds a number, so it is
    written to the audit log — which is why this read lives with the writes."""
    if not managed_communities(actor).exists():
        raise NotAllowed(_("Only community and street staff can look people up."))
    query = clean_text(query, field=_("the search"), max_length=40)
    if not query:
        return []
    people = selectors.people_of(actor).select_related("person__household__building__grid__parent", "points_account")
    if _HAS_DIGIT.search(query):
        phone = clean_phone(query)
        found = list(people.filter(person__phone_index=blind_index(phone)).order_by("id")[:SEARCH_LIMIT])
        audit(actor=actor, action=AuditLog.Action.VIEW_PERSONAL, object_type="people.person",
              object_repr=mask_phone(phone), fields=["phone"], after={"users": [u.pk for u in found]},
              note="phone look-up at the points counter")
        return found
    return list(people.filter(person__name__icontains=query).order_by("person__name", "id")[:SEARCH_LIMIT])
