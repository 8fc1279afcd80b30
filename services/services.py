"""Every write of 三单制. Each public function owns its transaction, its
OrderEvent, its audit row and its on-commit notifications; nothing else sets
an order's `status` or a provider's `is_active`.

Times: every function takes `now` (default: the current time) so imports and
the demo can replay the past through the same rules.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import home_community, user_scopes
from core import calendar
from core.audit import actor_name, audit
from core.db import busy_is_conflict, check_version, lock_or_404
from core.errors import Conflict, InvalidTransition, LinliError, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from core.notify import notify
from core.text import clean_phone, clean_text
from core.uploads import check_images
from regions.models import Household, Region

from . import selectors
from .models import ErrandItem, OrderEvent, OrderPhoto, Provider, ServiceOrder, Skill
from .workflow import (
    AUTO_CONFIRM_DAYS,
    FINISH_WORKDAYS,
    RESPOND_HOURS,
    STAFF_CHANNELS,
    SYSTEM_ACTIONS,
    TRANSITIONS,
    Action,
    Channel,
    Kind,
    OrderRole,
    Status,
    Transition,
)

MAX_SKILLS = 10
MAX_ITEMS = 20
MAX_AREA = 30
PHOTO_ACTIONS = frozenset({Action.COMPLETE, Action.REOPEN})
MAX_PREFERRED_DAYS = 366
NOTIFY_BOARD_MAX = 50


def _url(order) -> str:
    return reverse("services:detail", args=[order.pk])


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _staff_of(community_id) -> list[User]:
    return list(User.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__region_id=community_id).distinct())


# ---------------------------------------------------------------- input checks

def _skills(values) -> list[Skill]:
    """Skills by code (or id); an unknown one is refused, not dropped."""
    if values is None:
        return []
    if isinstance(values, (str, int, Skill)):
        values = [values]
    chosen: dict[int, Skill] = {}
    for value in values:
        if isinstance(value, Skill):
            chosen[value.pk] = value
            continue
        text = str(value if value is not None else "").strip()
        if not text:
            continue
        skill = Skill.objects.filter(code=text).first()
        if skill is None and text.isdigit():
            skill = Skill.objects.filter(pk=int(text)).first()
        if skill is None:
            raise ValidationFailed(_("Unknown skill: choose skills from the list."), code="unknown_skill")
        chosen[skill.pk] = skill
    if len(chosen) > MAX_SKILLS:
        raise ValidationFailed(_("Choose at most %(n)d skills.") % {"n": MAX_SKILLS}, code="too_many_skills")
    return list(chosen.values())


def _region(value, level: str, *, required: bool, message: str) -> Region | None:
    if isinstance(value, Region):
        if value.level != level:
            raise ValidationFailed(message, code=f"unknown_{level}")
        return value
    text = str(value if value is not None else "").strip()
    if not text:
        if required:
            raise ValidationFailed(message, code=f"{level}_required")
        return None
    region = Region.objects.filter(code=text, level=level).first()
    if region is None and text.isdigit() and len(text) < 10:
        region = Region.objects.filter(pk=int(text), level=level).first()
    if region is None:
        raise ValidationFailed(message, code=f"unknown_{level}")
    return region


def _date(value, *, now) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed(_("The preferred date must be a date like 2024-05-01."), code="bad_date")
    today = _local_date(now)
    if value < today:
        raise ValidationFailed(_("The preferred date cannot be in the past."), code="bad_date")
    if value > today + dt.timedelta(days=MAX_PREFERRED_DAYS):
        raise ValidationFailed(_("The preferred date must be within a year."), code="bad_date")
    return value


def _items(values) -> list[str]:
    if isinstance(values, str):
        values = values.splitlines()
    names = []
    for value in values or []:
        name = clean_text(value, field=_("a checklist item"), max_length=60)
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_ITEMS:
        raise ValidationFailed(_("At most %(n)d documents on the checklist.") % {"n": MAX_ITEMS}, code="too_many_items")
    return names


def _coords(lng, lat) -> tuple[float | None, float | None]:
    if lng in (None, "") and lat in (None, ""):
        return None, None
    from regions.selectors import check_coordinates

    return check_coordinates(lng, lat)


@dataclass
class _Place:
    community: Region
    grid: Region | None = None
    household: Household | None = None
    lng: float | None = None
    lat: float | None = None


def _household_place(household: Household) -> _Place:
    building = household.building
    return _Place(community=building.grid.parent, grid=building.grid, household=household, lng=building.lng,
                  lat=building.lat)


def _place(*, actor, on_behalf: bool, household, community, grid, visit: bool = False) -> _Place:
    """Residents ask from their household (or name their community); staff place
    a request in a community they run, optionally by household or grid; a grid
    worker on a home visit, for a household of their own grid."""
    grid_region = _region(grid, Region.Level.GRID, required=False, message=_("Unknown grid."))
    if on_behalf:
        place = None
        if household not in (None, ""):
            hh = household if isinstance(household, Household) else (
                Household.objects.select_related("building__grid__parent").filter(pk=household).first()
                if str(household).isdigit() else None)
            if hh is None:
                raise ValidationFailed(_("Unknown household."), code="unknown_household")
            place = _household_place(hh)
        elif grid_region is not None:
            place = _Place(community=grid_region.parent, grid=grid_region)
        else:
            managed = selectors.managed_community_list(actor)
            if community in (None, "") and len(managed) == 1:
                community = managed[0]  # staff of one community need not say which
            place = _Place(community=_region(community, Region.Level.COMMUNITY, required=True,
                                             message=_("Choose the community the request is for.")))
        visiting_own_grid = (visit and place.household is not None
                             and place.grid.pk in user_scopes(actor).regions(Role.GRID_WORKER, Region.Level.GRID))
        if not (selectors.is_staff_for(actor, place.community.pk) or visiting_own_grid or user_scopes(actor).is_admin):
            raise NotAllowed(_("You can only record requests for the communities you work for."))
    else:
        person = getattr(actor, "person", None)
        hh = getattr(person, "household", None) if person else None
        if hh is not None:
            place = _household_place(hh)
        else:
            place = _Place(community=_region(community, Region.Level.COMMUNITY, required=True,
                                             message=_("Choose your community.")))
    if grid_region is not None and place.household is None:
        if grid_region.parent_id != place.community.pk:
            raise ValidationFailed(_("The grid is not in that community."), code="grid_mismatch")
        place.grid = grid_region
    if place.lng is None:
        source = place.grid or place.community
        place.lng, place.lat = source.centroid_lng, source.centroid_lat
    return place


def _save_photos(order, event, images, actor) -> None:
    for img in images:
        OrderPhoto.objects.create(order=order, event=event, file=img.as_file(), content_type=img.content_type,
                                  size=len(img.content), width=img.width, height=img.height,
                                  original_name=img.original_name, uploaded_by=actor)


def _number(order: ServiceOrder, now) -> str:
    return f"{timezone.localtime(now):%Y%m%d}{order.pk:06d}"


# ---------------------------------------------------------------- 点单

@transaction.atomic
def order_submit(*, actor: User, kind: str, content: str, title: str = "", skills=(), preferred_time: str = "",
                 preferred_date=None, items=(), channel: str = Channel.SELF, requester_name: str = "",
                 requester_phone: str = "", household=None, community=None, grid=None, address: str = "",
                 lng=None, lat=None, photos=(), now: dt.datetime | None = None) -> ServiceOrder:
    """点单: a resident asks for a service, posts a micro-wish or an errand; or
    staff record one taken by phone or at the counter. Wishes go straight to
    the public wall; services and errands wait for dispatch."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    try:
        kind = Kind(kind)
        channel = Channel(channel or Channel.SELF)
    except ValueError:
        raise ValidationFailed(_("Choose a service, a micro-wish or an errand."), code="invalid")
    if channel == Channel.APPEAL:
        raise ValidationFailed(_("Orders from appeals are made on the appeal's page."), code="invalid")
    on_behalf = channel in STAFF_CHANNELS
    if on_behalf and not (selectors.is_any_staff(actor) or user_scopes(actor).is_admin
                          or (channel == Channel.VISIT and Role.GRID_WORKER in user_scopes(actor).roles)):
        raise NotAllowed(_("Only community staff can record requests by phone or at the counter."))
    content = clean_text(content, field=_("the description"), min_length=5, max_length=2000, required=True)
    title = clean_text(title, field=_("the title"), max_length=60) or content[:30]
    preferred_time = clean_text(preferred_time, field=_("the preferred time"), max_length=64)
    address = clean_text(address, field=_("the address"), max_length=200)
    preferred = _date(preferred_date, now=now)
    needed = _skills(skills)
    item_names = _items(items)
    if kind == Kind.ERRAND and not item_names:
        raise ValidationFailed(_("List the documents the errand needs, one per line."), code="items_required")
    if kind != Kind.ERRAND and item_names:
        raise ValidationFailed(_("Only errands carry a checklist of documents."), code="items_not_errand")
    if on_behalf:
        requester_name = clean_text(requester_name, field=_("the requester's name"), max_length=64, required=True)
        requester_phone = clean_phone(requester_phone)
    else:
        person = getattr(actor, "person", None)
        requester_name = (person.name if person is not None and person.name else actor.display_name)[:64]
        requester_phone = clean_phone(requester_phone) or (getattr(person, "phone", "") if person else "")
    place = _place(actor=actor, on_behalf=on_behalf, household=household, community=community, grid=grid,
                   visit=channel == Channel.VISIT)
    pin_lng, pin_lat = _coords(lng, lat)
    if pin_lng is not None:
        place.lng, place.lat = pin_lng, pin_lat
    images = check_images(photos)

    status = Status.OPEN if kind == Kind.WISH else Status.REQUESTED
    order = ServiceOrder.objects.create(
        kind=kind, title=title, content=content, status=status, status_since=now,
        requester=None if on_behalf else actor, requester_name=requester_name, requester_phone=requester_phone,
        household=place.household, community=place.community, grid=place.grid, address=address,
        lng=place.lng, lat=place.lat, preferred_time=preferred_time, preferred_date=preferred,
        channel=channel, recorded_by=actor, created_at=now, updated_at=now,
    )
    order.number = _number(order, now)
    ServiceOrder.objects.filter(pk=order.pk).update(number=order.number)
    order.skills.set(needed)
    ErrandItem.objects.bulk_create([ErrandItem(order=order, name=n, sort=i) for i, n in enumerate(item_names)])
    event = OrderEvent.objects.create(
        order=order, action="submit", from_status="", to_status=status, actor=actor, actor_name=actor_name(actor),
        role=OrderRole.STAFF if on_behalf else OrderRole.REQUESTER, at=now,
        data={"kind": kind, "channel": channel, "skills": [s.code for s in needed]},
    )
    _save_photos(order, event, images, actor)
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=order, after={"kind": kind, "status": status, "channel": channel})
    if kind == Kind.WISH:
        title_text = _("New micro-wish on the wall: %(t)s") % {"t": order.title}
        _notify_board(order, exclude=actor)
    else:
        title_text = _("New request to dispatch: %(t)s") % {"t": order.title}
    notify([u for u in _staff_of(order.community_id) if u != actor], verb="order_new", title=title_text, url=_url(order))
    return order


def _notify_board(order: ServiceOrder, exclude=None) -> None:
    """Tell the providers of the area (with a needed skill, if any) that an order waits on the board."""
    qs = selectors.serving_providers(order)
    needed = list(order.skills.values_list("pk", flat=True))
    if needed:
        qs = qs.filter(skills__in=needed).distinct()
    users = [p.user for p in qs[:NOTIFY_BOARD_MAX] if p.user_id != order.requester_id and p.user != exclude]
    verb_title = (_("A micro-wish near you: %(t)s") if order.kind == Kind.WISH
                  else _("An order near you waits to be claimed: %(t)s")) % {"t": order.title}
    notify(users, verb="order_board", title=verb_title, url=_url(order))


# ---------------------------------------------------------------- the workflow

@dataclass
class _Ctx:
    order: ServiceOrder
    actor: User | None
    role: str
    note: str
    now: dt.datetime
    provider_arg: object = None
    rating: object = None
    thanks: str = ""
    changed: set = field(default_factory=set)
    data: dict = field(default_factory=dict)
    event_provider: Provider | None = None
    transition_due: str | None = None  # a timeout's missed deadline, for the event
    actor_provider: Provider | None = None

    def put(self, **values):
        for k, v in values.items():
            setattr(self.order, k, v)
            self.changed.add(k)


def order_transition(order, action, actor, *, note: str = "", expected_version=None, provider=None, rating=None,
                     thanks: str = "", files=(), now: dt.datetime | None = None) -> ServiceOrder:
    """Take one action on one order, or raise a LinliError and change nothing.

    Locks the row; with `expected_version` (what the user's screen showed) a
    stale screen loses cleanly. Two providers claiming one wish at once:
    exactly one wins, the other gets InvalidTransition or Conflict (409).
    """
    try:
        action = Action(action)
    except ValueError:
        raise ValidationFailed(_("Unknown action."), code="unknown_action")
    if action in SYSTEM_ACTIONS:
        raise NotAllowed(_("Only the system takes this step."))
    files = [f for f in (files or []) if f]
    if files and action not in PHOTO_ACTIONS:
        raise ValidationFailed(_("Photos can be attached only when reporting the work done or not done."),
                               code="photos_not_allowed")
    images = check_images(files)  # before any write: a bad file saves nothing
    pk = order.pk if isinstance(order, ServiceOrder) else order
    with busy_is_conflict(), transaction.atomic():
        return _transition_locked(pk=pk, action=action, actor=actor, note=note, expected_version=expected_version,
                                  provider=provider, rating=rating, thanks=thanks, images=images,
                                  now=now or timezone.now())


def _lock(pk) -> ServiceOrder:
    return lock_or_404(ServiceOrder.objects.select_related("community"), pk)


def _transition_locked(*, pk, action, actor, note, expected_version, provider, rating, thanks, images, now):
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    order = _lock(pk)
    provider_self = selectors.provider_of(actor)
    if not selectors.visible_orders(actor, provider_self).filter(pk=order.pk).exists():
        # Seen on the wall or the board a moment ago, claimed by someone else since: say so.
        if action == Action.CLAIM and (order.kind == Kind.WISH or (
                provider_self is not None and provider_self.is_active
                and selectors.provider_serves(provider_self, order))):
            raise InvalidTransition(_("This order is no longer open to claim."))
        raise NotFound()
    check_version(expected_version, order.version)
    transition = TRANSITIONS[action]
    if order.status not in transition.sources:
        raise InvalidTransition(
            _("This order is now “%(status)s”; “%(action)s” is no longer possible.")
            % {"status": Status(order.status).label, "action": action.label})
    role = selectors.permitted_role(actor, order, action, provider_self)
    if role is None:
        raise NotAllowed(selectors.refusal(actor, order, action))
    note = clean_text(note, field=_("the note"), max_length=2000, required=transition.note_required)
    ctx = _Ctx(order=order, actor=actor, role=role, note=note, now=now, provider_arg=provider, rating=rating,
               thanks=thanks, actor_provider=provider_self)
    return _apply(ctx, transition, images)


def _apply(ctx: _Ctx, transition: Transition, images=()) -> ServiceOrder:
    """The change itself, on a locked order whose action and role are checked."""
    order, action, now = ctx.order, transition.action, ctx.now
    old_status, old_version = order.status, order.version
    ctx.event_provider = order.provider if order.provider_id else None
    effect = _EFFECTS.get(action)
    if effect:
        effect(ctx)
    target = transition.target
    ctx.put(status=target, version=old_version + 1, updated_at=now, status_since=now)
    rows = ServiceOrder.objects.filter(pk=order.pk, version=old_version).update(
        **{f: getattr(order, f) for f in ctx.changed})
    if rows != 1:
        raise Conflict()
    if action == Action.COMPLETE:
        _resolve_appeal(ctx)
    event = OrderEvent.objects.create(
        order=order, action=action, from_status=old_status, to_status=target, actor=ctx.actor,
        actor_name=actor_name(ctx.actor), role=ctx.role, provider=ctx.event_provider, at=now, note=ctx.note,
        data=ctx.data,
    )
    _save_photos(order, event, images, ctx.actor)
    audit(actor=ctx.actor, action=AuditLog.Action.UPDATE, obj=order, before={"status": old_status},
          after={"status": target, "action": action.value, **({"provider": ctx.event_provider.pk}
                                                                if ctx.event_provider else {})},
          note=f"services.{action.value}")
    if action in (Action.CONFIRM, Action.AUTO_CONFIRM):
        _credit_points(ctx)
    _notify_after(ctx, action, old_status)
    return order


def _provider_arg(value) -> Provider:
    if isinstance(value, Provider):
        return Provider.objects.select_related("user").get(pk=value.pk)
    if value in (None, ""):
        raise ValidationFailed(_("Choose the provider to dispatch to."), code="provider_required")
    provider = Provider.objects.select_related("user").filter(pk=value).first() if str(value).isdigit() else None
    if provider is None:
        raise ValidationFailed(_("Unknown provider."), code="unknown_provider")
    return provider


def _finish_due(order: ServiceOrder, now) -> dt.datetime:
    """The agreed day if one was given and is still ahead, else three working days."""
    if order.preferred_date and order.preferred_date >= _local_date(now):
        return _end_of_day(order.preferred_date)
    return calendar.add_workdays(now, FINISH_WORKDAYS)


_CLEAR_PROVIDER = dict(provider=None, dispatched_by=None, dispatched_at=None, respond_due=None, accepted_at=None,
                       finish_due=None)


def _dispatch(ctx: _Ctx):
    provider = _provider_arg(ctx.provider_arg)
    order = ctx.order
    if not provider.is_active:
        raise ValidationFailed(_("%(name)s is not an active provider.") % {"name": provider.display_name},
                               code="provider_inactive")
    if not selectors.provider_serves(provider, order):
        raise ValidationFailed(_("%(name)s does not serve this order's area.") % {"name": provider.display_name},
                               code="provider_out_of_area")
    if order.requester_id and provider.user_id == order.requester_id:
        raise ValidationFailed(_("An order cannot be dispatched to its own requester."), code="provider_is_requester")
    ctx.put(provider=provider, dispatched_by=ctx.actor, dispatched_at=ctx.now,
            respond_due=calendar.add_hours(ctx.now, RESPOND_HOURS), accepted_at=None, finish_due=None)
    ctx.event_provider = provider
    ctx.data.update(provider=provider.display_name, respond_due=ctx.order.respond_due.isoformat())


def _accept(ctx: _Ctx):
    due = _finish_due(ctx.order, ctx.now)
    ctx.put(accepted_at=ctx.now, finish_due=due)
    ctx.data["finish_due"] = due.isoformat()


def _claim(ctx: _Ctx):
    provider = ctx.actor_provider
    due = _finish_due(ctx.order, ctx.now)
    ctx.put(provider=provider, dispatched_by=None, dispatched_at=None, respond_due=None, accepted_at=ctx.now,
            finish_due=due)
    ctx.event_provider = provider
    ctx.data.update(provider=provider.display_name, finish_due=due.isoformat())


def _give_back(ctx: _Ctx):
    """Decline, release, no-show, timeout: the order goes back to dispatch; the event names the provider."""
    if ctx.order.provider_id:
        ctx.data["provider"] = ctx.order.provider.display_name
    if ctx.transition_due:
        ctx.data["due"] = ctx.transition_due
    ctx.put(**_CLEAR_PROVIDER)


def _complete(ctx: _Ctx):
    ctx.put(done_at=ctx.now, done_note=ctx.note)
    if ctx.order.finish_due:
        ctx.data["on_time"] = ctx.now <= ctx.order.finish_due


def _reopen(ctx: _Ctx):
    due = calendar.add_workdays(ctx.now, FINISH_WORKDAYS)
    ctx.put(done_at=None, done_note="", finish_due=due)
    ctx.data["finish_due"] = due.isoformat()


def _confirm(ctx: _Ctx):
    try:
        rating = int(str(ctx.rating).strip())
    except (TypeError, ValueError):
        rating = None
    if rating is None or not 1 <= rating <= 5:
        raise ValidationFailed(_("Give a rating from 1 to 5 stars."), code="bad_rating")
    thanks = clean_text(ctx.thanks, field=_("the thanks"), max_length=500)
    ctx.put(confirmed_at=ctx.now, rating=rating, thanks=thanks)
    ctx.data["rating"] = rating


def _auto_confirm(ctx: _Ctx):
    ctx.put(confirmed_at=ctx.now)


_EFFECTS = {
    Action.DISPATCH: _dispatch, Action.ACCEPT: _accept, Action.CLAIM: _claim, Action.DECLINE: _give_back,
    Action.RELEASE: _give_back, Action.NO_SHOW: _give_back, Action.TIMEOUT: _give_back, Action.COMPLETE: _complete,
    Action.REOPEN: _reopen, Action.CONFIRM: _confirm, Action.AUTO_CONFIRM: _auto_confirm,
}


def _credit_points(ctx: _Ctx) -> None:
    """Points to the provider, once per order (the ledger is idempotent per source)."""
    from points.services import credit, rule_points

    order = ctx.order
    if not order.provider_id:
        return
    amount = rule_points(order.community, f"order_{order.kind}")
    if amount <= 0:
        return
    credit(user=order.provider.user, amount=amount, source="order", source_id=order.pk,
           reason=_("%(kind)s %(number)s: %(title)s") % {"kind": Kind(order.kind).label, "number": order.number,
                                                          "title": order.title},
           community=order.community, actor=ctx.actor, now=ctx.now)


def _resolve_appeal(ctx: _Ctx) -> None:
    """A converted appeal still in progress is reported resolved by whoever converted it.
    If the appeal loop refuses, the order stays done and that person is told."""
    from appeals.models import Appeal
    from appeals.services import appeal_transition
    from appeals.workflow import Status as AppealStatus

    order = ctx.order
    if not order.appeal_id:
        return
    appeal = Appeal.objects.filter(pk=order.appeal_id).first()
    if appeal is None or appeal.status != AppealStatus.IN_PROGRESS:
        return
    converter = order.recorded_by
    note = f"服务工单 {order.number} 已完成：{ctx.note}"[:4000]
    try:
        with transaction.atomic():
            appeal_transition(appeal=appeal.pk, action="resolve", actor=converter, note=note, now=ctx.now)
    except LinliError as exc:
        ctx.data["appeal_resolved"] = False
        people = [converter] if converter is not None else _staff_of(order.community_id)
        notify(people, verb="order_appeal",
               title=_("Order %(n)s is done, but appeal %(a)s could not be reported resolved: %(why)s")
               % {"n": order.number, "a": appeal.number, "why": exc.message},
               url=reverse("appeals:detail", args=[appeal.pk]))
    else:
        ctx.data["appeal_resolved"] = True


def _notify_after(ctx: _Ctx, action: Action, old_status: str) -> None:
    order, actor = ctx.order, ctx.actor
    url = _url(order)
    title = f"{order.number} {order.title}"
    provider_user = order.provider.user if order.provider_id else None
    previous = ctx.event_provider.user if ctx.event_provider else None
    requester = order.requester
    staff = _staff_of(order.community_id)

    def send(users, verb, text):
        notify([u for u in users if u is not None and u != actor], verb=verb, title=text, url=url)

    if action == Action.PUBLISH:
        _notify_board(order, exclude=actor)
    elif action == Action.WITHDRAW:
        send([requester], "order_withdrawn", _("Taken off the board: %(t)s") % {"t": title})
    elif action == Action.DISPATCH:
        send([provider_user], "order_dispatched", _("An order was dispatched to you, please accept by %(due)s: %(t)s") % {
            "t": title, "due": timezone.localtime(order.respond_due).strftime("%m-%d %H:%M")})
    elif action in (Action.ACCEPT, Action.CLAIM):
        send([requester], "order_accepted", _("%(p)s will take care of your request: %(t)s") % {
            "p": order.provider.display_name, "t": title})
        if action == Action.CLAIM:
            send(staff, "order_claimed", _("Claimed by %(p)s: %(t)s") % {"p": order.provider.display_name, "t": title})
    elif action in (Action.DECLINE, Action.RELEASE, Action.NO_SHOW, Action.TIMEOUT):
        send(staff, "order_returned", _("Back for dispatch (%(why)s): %(t)s") % {"why": action.label, "t": title})
        if action in (Action.NO_SHOW, Action.TIMEOUT):
            send([previous], "order_returned", _("The order was taken back from you (%(why)s): %(t)s") % {
                "why": action.label, "t": title})
    elif action == Action.COMPLETE:
        if requester is not None:
            send([requester], "order_done", _("Done — please confirm and rate: %(t)s") % {"t": title})
        else:
            send(staff, "order_done", _("Done — confirm with the requester and rate: %(t)s") % {"t": title})
    elif action == Action.REOPEN:
        send([provider_user], "order_reopened", _("Not actually done, please go back: %(t)s") % {"t": title})
    elif action in (Action.CONFIRM, Action.AUTO_CONFIRM):
        if order.rating:
            send([provider_user], "order_confirmed", _("Rated %(n)d/5: %(t)s") % {"n": order.rating, "t": title})
    elif action == Action.CANCEL:
        send([provider_user, requester], "order_cancelled", _("Cancelled: %(t)s") % {"t": title})
        if old_status in (Status.DISPATCHED, Status.ACCEPTED) and ctx.role == OrderRole.REQUESTER:
            send(staff, "order_cancelled", _("Cancelled by the requester: %(t)s") % {"t": title})


# ---------------------------------------------------------------- the sweep

def sweep_orders(now: dt.datetime | None = None) -> dict[str, int]:
    """Return to dispatch what was not accepted or not done in time, and confirm
    what has waited a week for the requester. Idempotent: run every few minutes."""
    now = now or timezone.now()
    counts = {"timeout": 0, "auto_confirm": 0}
    late = ServiceOrder.objects.filter(Q(status=Status.DISPATCHED, respond_due__lt=now)
                                       | Q(status=Status.ACCEPTED, finish_due__lt=now))
    for pk in list(late.values_list("pk", flat=True)):
        if _system_step(pk, Action.TIMEOUT, now):
            counts["timeout"] += 1
    stale = ServiceOrder.objects.filter(status=Status.DONE, done_at__lt=now - dt.timedelta(days=AUTO_CONFIRM_DAYS))
    for pk in list(stale.values_list("pk", flat=True)):
        if _system_step(pk, Action.AUTO_CONFIRM, now):
            counts["auto_confirm"] += 1
    return counts


def _system_step(pk, action: Action, now) -> bool:
    try:
        with transaction.atomic():
            order = ServiceOrder.objects.select_for_update(of=("self",)).select_related("community").filter(pk=pk).first()
            if order is None:
                return False
            if action == Action.TIMEOUT:
                if order.status == Status.DISPATCHED and order.respond_due and order.respond_due < now:
                    due, note = order.respond_due, _("Not accepted by %(due)s.")
                elif order.status == Status.ACCEPTED and order.finish_due and order.finish_due < now:
                    due, note = order.finish_due, _("Not done by %(due)s.")
                else:
                    return False
            else:
                if not (order.status == Status.DONE and order.done_at
                        and order.done_at < now - dt.timedelta(days=AUTO_CONFIRM_DAYS)):
                    return False
                due, note = None, _("No confirmation from the requester within %(n)d days.") % {"n": AUTO_CONFIRM_DAYS}
            if due is not None:
                note = note % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}
            ctx = _Ctx(order=order, actor=None, role=OrderRole.SYSTEM, note=note, now=now)
            if due is not None:
                ctx.transition_due = due.isoformat()
            _apply(ctx, TRANSITIONS[action])
            return True
    except (LinliError, OperationalError):
        return False


# ---------------------------------------------------------------- errand checklist

@transaction.atomic
def errand_item_set(*, actor: User, order, item_id, done: bool, now: dt.datetime | None = None) -> ErrandItem:
    """Tick (or untick) one document of an errand's checklist."""
    now = now or timezone.now()
    pk = order.pk if isinstance(order, ServiceOrder) else order
    locked = _lock(pk)
    if not selectors.visible_orders(actor).filter(pk=locked.pk).exists():
        raise NotFound()
    if locked.kind != Kind.ERRAND:
        raise ValidationFailed(_("Only errands have a checklist."), code="not_errand")
    if not selectors.can_tick_items(actor, locked):
        raise NotAllowed(_("Only the provider working on the errand, or community staff, can tick the checklist."))
    item = locked.items.filter(pk=item_id).first() if str(item_id).isdigit() else None
    if item is None:
        raise NotFound()
    done = bool(done)
    if item.is_done == done:
        return item
    item.is_done, item.done_at, item.done_by = done, (now if done else None), (actor if done else None)
    item.save(update_fields=["is_done", "done_at", "done_by"])
    OrderEvent.objects.create(order=locked, action="tick", from_status=locked.status, to_status=locked.status,
                              actor=actor, actor_name=actor_name(actor),
                              role=_role_name(actor, locked), at=now,
                              data={"item": item.name, "done": done})
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=item, after={"is_done": done}, note="services.tick")
    return item


def _role_name(actor, order) -> str:
    roles = selectors.order_roles(actor, order)
    for role in (OrderRole.PROVIDER, OrderRole.STAFF, OrderRole.REQUESTER):
        if role in roles:
            return role
    return ""


# ---------------------------------------------------------------- personal data

@transaction.atomic
def reveal_phone(*, actor: User, order) -> str:
    """The requester's full number, for staff and the provider working on it; every reveal is logged."""
    if not selectors.can_reveal_phone(actor, order):
        raise NotAllowed()
    audit(actor=actor, action=AuditLog.Action.VIEW_PERSONAL, obj=order, fields=["requester_phone"],
          note="requester phone shown on the service order")
    return order.requester_phone


# ---------------------------------------------------------------- appeal → order

def order_from_appeal(actor: User, appeal, kind: str = Kind.SERVICE, skills=(), note: str = "", items=(),
                      now: dt.datetime | None = None) -> ServiceOrder:
    """Turn a small appeal (楼道灯泡、下水道) into a service order in its community,
    keeping the link; when the order is done the appeal is reported resolved."""
    from appeals.models import Appeal
    from appeals.selectors import visible_appeals
    from appeals.services import appeal_transition
    from appeals.workflow import Status as AppealStatus

    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    appeal_id = appeal.pk if isinstance(appeal, Appeal) else appeal
    with busy_is_conflict(), transaction.atomic():
        locked = lock_or_404(Appeal.objects, appeal_id)
        if not visible_appeals(actor).filter(pk=locked.pk).exists():
            raise NotFound()
        if ServiceOrder.objects.filter(appeal_id=locked.pk).exists():
            raise Conflict(_("This appeal has already been turned into a service order."), code="already_converted")
        if not selectors.can_convert_appeal(actor, locked):
            if locked.status not in (AppealStatus.ACCEPTED, AppealStatus.IN_PROGRESS):
                raise InvalidTransition(_("Only an accepted or in-progress appeal can be turned into a service order."))
            raise NotAllowed(_("Only the grid worker or community staff handling this appeal can turn it into "
                               "a service order."))
        try:
            kind = Kind(kind or Kind.SERVICE)
        except ValueError:
            raise ValidationFailed(_("Choose a service, a micro-wish or an errand."), code="invalid")
        note = clean_text(note, field=_("the note"), max_length=2000)
        needed = _skills(skills)
        item_names = _items(items)
        if kind == Kind.ERRAND and not item_names:
            raise ValidationFailed(_("List the documents the errand needs, one per line."), code="items_required")
        if kind != Kind.ERRAND and item_names:
            raise ValidationFailed(_("Only errands carry a checklist of documents."), code="items_not_errand")
        if locked.status == AppealStatus.ACCEPTED:
            appeal_transition(appeal=locked.pk, action="handle", actor=actor, now=now,
                              note=_("Handled as a service order."))
            locked.refresh_from_db()
        content = locked.content if not note else f"{locked.content}\n\n{note}"
        status = Status.OPEN if kind == Kind.WISH else Status.REQUESTED
        try:
            with transaction.atomic():
                order = ServiceOrder.objects.create(
                    kind=kind, title=locked.title[:120], content=content[:4000], status=status, status_since=now,
                    requester=locked.reporter, requester_name=locked.reporter_name,
                    requester_phone=locked.reporter_phone, community=locked.community, grid=locked.grid,
                    address=locked.address or (str(locked.building) if locked.building_id else ""),
                    lng=locked.lng, lat=locked.lat, channel=Channel.APPEAL, recorded_by=actor, appeal=locked,
                    created_at=now, updated_at=now,
                )
        except IntegrityError:
            raise Conflict(_("This appeal has already been turned into a service order."), code="already_converted")
        order.number = _number(order, now)
        ServiceOrder.objects.filter(pk=order.pk).update(number=order.number)
        order.skills.set(needed)
        ErrandItem.objects.bulk_create([ErrandItem(order=order, name=n, sort=i) for i, n in enumerate(item_names)])
        OrderEvent.objects.create(
            order=order, action="submit", from_status="", to_status=status, actor=actor,
            actor_name=actor_name(actor), role=OrderRole.STAFF, at=now, note=note,
            data={"kind": kind, "channel": Channel.APPEAL, "appeal": locked.number,
                  "skills": [s.code for s in needed]},
        )
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=order,
              after={"kind": kind, "status": status, "appeal": locked.pk}, note="services.from_appeal")
        if kind == Kind.WISH:
            _notify_board(order, exclude=actor)
        notify([locked.reporter] if locked.reporter_id else [], verb="order_from_appeal",
               title=_("Your appeal %(a)s will be handled as service order %(n)s") % {
                   "a": locked.number, "n": order.number}, url=_url(order))
        return order


# ---------------------------------------------------------------- providers

def _kind(value) -> str:
    try:
        return Provider.Kind(value)
    except ValueError:
        raise ValidationFailed(_("Choose party member, volunteer or merchant."), code="invalid_kind")


def _area(values) -> list[Region]:
    if values is None:
        return []
    if isinstance(values, (str, int, Region)):
        values = [values]
    regions: dict[int, Region] = {}
    for value in values:
        if isinstance(value, Region):
            region = value
        else:
            text = str(value if value is not None else "").strip()
            if not text:
                continue
            region = Region.objects.filter(code=text).first()
            if region is None and text.isdigit() and len(text) < 10:
                region = Region.objects.filter(pk=int(text)).first()
        if region is None or region.level not in (Region.Level.COMMUNITY, Region.Level.GRID):
            raise ValidationFailed(_("The service area must be communities or grids from the list."), code="bad_area")
        regions[region.pk] = region
    if len(regions) > MAX_AREA:
        raise ValidationFailed(_("Choose at most %(n)d places for the service area.") % {"n": MAX_AREA}, code="bad_area")
    return list(regions.values())


def _days(values) -> list[int]:
    if values is None:
        return []
    if isinstance(values, (str, int)):
        values = [values]
    days = set()
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= 7:
            raise ValidationFailed(_("Weekdays are 1 (Monday) to 7 (Sunday)."), code="bad_days")
        days.add(int(text))
    return sorted(days)


@transaction.atomic
def provider_save(*, actor: User, kind: str, skills=(), service_area=(), shop_name: str = "", available_days=(),
                  availability_note: str = "", lng=None, lat=None, now: dt.datetime | None = None) -> Provider:
    """Register as a provider, or edit one's own profile. Party members and
    volunteers take orders at once; a merchant waits for community staff."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    kind = _kind(kind)
    existing = Provider.objects.select_for_update().filter(user=actor).first()
    person = getattr(actor, "person", None)
    if kind == Provider.Kind.PARTY_MEMBER and getattr(person, "party_membership", None) is None:
        raise ValidationFailed(_("Only registered party members can serve as a party member; choose volunteer."),
                               code="not_party_member")
    if existing is not None and Provider.Kind.MERCHANT in (kind, existing.kind) and kind != existing.kind:
        raise ValidationFailed(_("A merchant profile cannot be changed into another kind (or back); ask community "
                                 "staff."), code="kind_locked")
    shop_name = clean_text(shop_name, field=_("the shop name"), max_length=100,
                           required=kind == Provider.Kind.MERCHANT)
    if kind != Provider.Kind.MERCHANT:
        shop_name = ""
    availability_note = clean_text(availability_note, field=_("the availability"), max_length=100)
    needed_skills = _skills(skills)
    if not needed_skills:
        raise ValidationFailed(_("Choose at least one skill you can offer."), code="skills_required")
    area = _area(service_area)
    household = getattr(person, "household", None) if person else None
    if not area:
        home = home_community(actor)
        if home is None:
            raise ValidationFailed(_("Choose the communities or grids you serve."), code="area_required")
        area = [home]
    days = _days(available_days)
    pin_lng, pin_lat = _coords(lng, lat)
    if pin_lng is None and household is not None:
        pin_lng, pin_lat = household.building.lng, household.building.lat
    if existing is None:
        auto = kind != Provider.Kind.MERCHANT
        provider = Provider.objects.create(
            user=actor, kind=kind, shop_name=shop_name, lng=pin_lng, lat=pin_lat, available_days=days,
            availability_note=availability_note, is_active=auto, approved_at=now if auto else None, created_at=now)
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=provider, after={"kind": kind, "active": auto})
        if not auto:
            staff = set()
            for region in area:
                community_id = region.pk if region.level == Region.Level.COMMUNITY else region.parent_id
                staff.update(_staff_of(community_id))
            notify(staff, verb="provider_pending", title=_("A merchant asks to take orders: %(n)s") % {"n": shop_name},
                   url=reverse("services:providers") + "?state=pending")
    else:
        provider = existing
        before = {"kind": provider.kind, "shop_name": provider.shop_name}
        Provider.objects.filter(pk=provider.pk).update(
            kind=kind, shop_name=shop_name, lng=pin_lng if pin_lng is not None else provider.lng,
            lat=pin_lat if pin_lat is not None else provider.lat, available_days=days,
            availability_note=availability_note, updated_at=now)
        provider.refresh_from_db()
        audit(actor=actor, action=AuditLog.Action.UPDATE, obj=provider, before=before,
              after={"kind": kind, "shop_name": shop_name})
    provider.skills.set(needed_skills)
    provider.service_area.set(area)
    return provider


def _managed_provider(actor, provider) -> Provider:
    pk = provider.pk if isinstance(provider, Provider) else provider
    locked = Provider.objects.select_for_update(of=("self",)).select_related("user").filter(pk=pk).first() \
        if str(pk).isdigit() else None
    if locked is None:
        raise NotFound()
    if not selectors.can_manage_provider(actor, locked):
        raise NotAllowed(_("Only staff of a community this provider serves can do this."))
    return locked


@transaction.atomic
def provider_approve(*, actor: User, provider, now: dt.datetime | None = None) -> Provider:
    """A community approves a merchant (商家店铺) to take orders."""
    now = now or timezone.now()
    locked = _managed_provider(actor, provider)
    if not locked.is_pending:
        raise InvalidTransition(_("This provider has already been approved."))
    Provider.objects.filter(pk=locked.pk).update(is_active=True, approved_at=now, approved_by=actor, deactivated_at=None,
                                                 updated_at=now)
    locked.refresh_from_db()
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, before={"approved": False}, after={"approved": True},
          note="services.provider_approve")
    notify([locked.user], verb="provider_approved", title=_("You can now take service orders."),
           url=reverse("services:board"))
    return locked


@transaction.atomic
def provider_set_active(*, actor: User, provider, active: bool, note: str = "",
                        now: dt.datetime | None = None) -> Provider:
    """Staff stop (or restart) a provider taking orders. What they already hold stays with them."""
    now = now or timezone.now()
    locked = _managed_provider(actor, provider)
    if locked.is_pending:
        raise InvalidTransition(_("Approve this merchant first."))
    active = bool(active)
    note = clean_text(note, field=_("the note"), max_length=500, required=not active)
    if locked.is_active == active:
        return locked
    Provider.objects.filter(pk=locked.pk).update(is_active=active, deactivated_at=None if active else now,
                                                 updated_at=now)
    locked.refresh_from_db()
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, before={"is_active": not active},
          after={"is_active": active}, note=note or ("services.provider_activate" if active else ""))
    notify([locked.user], verb="provider_active",
           title=_("You can take service orders again.") if active else
           _("You have been stopped from taking new orders: %(why)s") % {"why": note},
           url=reverse("services:provider"))
    return locked
