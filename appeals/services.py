"""Every write of the appeal loop. Each public function owns its transaction,
its AppealEvent and its on-commit notifications; nothing else sets `status`."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import user_scopes
from core import calendar
from core.audit import actor_name, audit
from core.db import busy_is_conflict, check_version
from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.notify import notify
from core.text import clean_phone, clean_text
from core.uploads import check_images
from people.models import Unit
from regions.models import Building, Region
from regions.selectors import locate

from . import hooks
from .models import Answer, Appeal, AppealEvent, AppealSupport, Attachment, Category, Rating, Supervision, Whistle
from .selectors import acting_roles, permitted_role, supportable_appeals, visible_appeals
from .workflow import (
    HANDLING_STATES,
    NEXT_LEVEL,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    Channel,
    Level,
    Satisfaction,
    Status,
    Urgency,
    resolve_target,
)

STAFF_CHANNELS = {Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL, Channel.BUILDING_HEAD, Channel.DELIBERATION,
                  Channel.VISIT, Channel.MEDIATION}
MAX_WHISTLE_WORKDAYS = 60


# ---------------------------------------------------------------- intake

def _category(value) -> Category:
    if isinstance(value, Category):
        category = value
    else:
        category = Category.objects.filter(code=str(value or "").strip(), is_active=True).first()
        if category is None and str(value or "").isdigit():
            category = Category.objects.filter(pk=int(value), is_active=True).first()
    if category is None or not category.is_active:
        raise ValidationFailed(_("Unknown category: choose one from the list."), code="unknown_category")
    if category.children.filter(is_active=True).exists():
        raise ValidationFailed(_("Choose a more specific category under “%(name)s”.") % {"name": category.name},
                               code="category_not_leaf")
    return category


def _place(*, lng, lat, grid_code, building_id) -> tuple[Region, float | None, float | None, Building | None]:
    building = None
    if building_id:
        building = Building.objects.select_related("grid").filter(pk=building_id).first() \
            if str(building_id).isdigit() else None
        if building is None:
            raise ValidationFailed(_("Unknown building."), code="unknown_building")
    if lng not in (None, "") or lat not in (None, ""):
        grid = locate(lng, lat)
        return grid, float(lng), float(lat), building
    if building is not None:
        return building.grid, building.lng, building.lat, building
    if grid_code:
        grid = Region.objects.filter(code=str(grid_code).strip(), level=Region.Level.GRID).first()
        if grid is None:
            raise ValidationFailed(_("Unknown grid code."), code="unknown_grid")
        return grid, grid.centroid_lng, grid.centroid_lat, None
    raise ValidationFailed(_("Please place the problem on the map, or choose its grid."), code="no_location")


@transaction.atomic
def appeal_submit(*, actor: User, title: str = "", content: str, category, channel: str = Channel.RESIDENT,
                  lng=None, lat=None, address: str = "", grid_code: str = "", building_id=None,
                  urgency: str = Urgency.NORMAL, reporter_name: str = "", reporter_phone: str = "",
                  photos=(), now: dt.datetime | None = None) -> Appeal:
    """群众出题: a resident reports, or staff record a report from another channel."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    scopes = user_scopes(actor)
    try:
        channel = Channel(channel)
        urgency = Urgency(urgency or Urgency.NORMAL)
    except ValueError:
        raise ValidationFailed(_("Unknown channel or urgency."), code="invalid")
    if channel in STAFF_CHANNELS and not scopes.is_staff_member:
        raise NotAllowed(_("Only staff can record appeals from this channel."))
    content = clean_text(content, field=_("the description"), min_length=5, max_length=4000, required=True)
    title = clean_text(title, field=_("the title"), max_length=120) or content[:30]
    address = clean_text(address, field=_("the address"), max_length=200)
    reporter_name = clean_text(reporter_name, field=_("the reporter's name"), max_length=64)
    reporter_phone = clean_phone(reporter_phone)
    category = _category(category)
    grid, lng_f, lat_f, building = _place(lng=lng, lat=lat, grid_code=grid_code, building_id=building_id)
    images = check_images(photos)

    is_own = channel == Channel.RESIDENT or not scopes.is_staff_member
    response_hours, _days = category.limits(urgency)
    community = grid.parent
    appeal = Appeal.objects.create(
        title=title, content=content, category=category, urgency=urgency, channel=channel,
        status=Status.SUBMITTED, level=Level.GRID,
        reporter=actor if is_own else None,
        reporter_name=reporter_name or (actor.display_name if is_own else ""),
        reporter_phone=reporter_phone, recorded_by=actor,
        address=address, lng=lng_f, lat=lat_f, grid=grid, community=community, street=community.parent,
        building=building, created_at=now, response_due=calendar.add_hours(now, response_hours),
    )
    appeal.number = f"{now.astimezone(timezone.get_current_timezone()):%Y%m%d}{appeal.pk:06d}"
    Appeal.objects.filter(pk=appeal.pk).update(number=appeal.number)
    event = AppealEvent.objects.create(
        appeal=appeal, action="submit", from_status="", to_status=Status.SUBMITTED, actor=actor,
        actor_name=actor_name(actor), role=Role.RESIDENT if is_own else _main_role(scopes), at=now,
        note="", data={"channel": channel, "category": category.code},
    )
    _save_images(appeal, event, images, actor)
    hooks.submitted(appeal=appeal, actor=actor)
    grid_workers = User.objects.filter(roles__role=Role.GRID_WORKER, roles__region=grid)
    notify(grid_workers, verb="new_appeal", title=_("New appeal in your grid: %(t)s") % {"t": title}, url=_url(appeal))
    return appeal


def _main_role(scopes) -> str:
    for role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.UNIT_HANDLER):
        if role in scopes.roles:
            return role
    return Role.RESIDENT


def _save_images(appeal, event, images, actor) -> None:
    for img in images:
        Attachment.objects.create(
            appeal=appeal, event=event, file=img.as_file(), content_type=img.content_type,
            size=len(img.content), width=img.width, height=img.height, original_name=img.original_name, uploaded_by=actor,
        )


def _url(appeal) -> str:
    return reverse("appeals:detail", args=[appeal.pk])


# ---------------------------------------------------------------- the loop

def appeal_transition(*, appeal, action: str, actor: User, note: str = "", expected_version: int | None = None,
                      files=(), satisfaction: str = "", parent=None, lead_unit=None, helper_units=(),
                      deadline: dt.datetime | None = None, deadline_workdays: int | None = None,
                      now: dt.datetime | None = None) -> Appeal:
    """Take one action on one appeal, or raise a LinliError and change nothing.

    Locks the row; with `expected_version` (what the user's screen showed) a
    stale screen loses cleanly. Two people acting at once: exactly one wins,
    the other gets Conflict or InvalidTransition with a clear message.
    """
    try:
        action = Action(action)
    except ValueError:
        raise ValidationFailed(_("Unknown action."), code="unknown_action")
    images = check_images(files)  # before any write: a bad file saves nothing
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    with busy_is_conflict(), transaction.atomic():
        return _transition_locked(pk=pk, action=action, actor=actor, note=note, expected_version=expected_version,
                                  images=images, satisfaction=satisfaction, parent=parent, lead_unit=lead_unit,
                                  helper_units=helper_units, deadline=deadline, deadline_workdays=deadline_workdays,
                                  now=now or timezone.now())


def _transition_locked(*, pk, action, actor, note, expected_version, images, satisfaction, parent, lead_unit,
                       helper_units, deadline, deadline_workdays, now) -> Appeal:
    try:
        appeal = Appeal.objects.select_for_update(of=("self",)).select_related("category").get(pk=pk)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise NotFound()
    if not visible_appeals(actor).filter(pk=pk).exists():
        raise NotFound()
    check_version(expected_version, appeal.version)
    transition = TRANSITIONS[action]
    if appeal.status not in transition.sources:
        raise InvalidTransition(
            _("This appeal is now “%(status)s”; “%(action)s” is no longer possible.")
            % {"status": Status(appeal.status).label, "action": action.label})
    role = permitted_role(actor, appeal, action)
    if role is None:
        raise NotAllowed(_("You may not “%(action)s” this appeal.") % {"action": action.label})
    note = clean_text(note, field=_("the note"), max_length=4000, required=transition.note_required)

    old_status, old_version = appeal.status, appeal.version
    changed: set[str] = set()
    data: dict = {}

    def put(**values):
        for k, v in values.items():
            setattr(appeal, k, v)
            changed.add(k)

    # Resolved before the effect runs: resume clears `suspended_from`, which the target depends on.
    target = resolve_target(transition, appeal, satisfaction=satisfaction)
    effect = _EFFECTS.get(action)
    if effect:
        effect(appeal=appeal, actor=actor, role=role, note=note, now=now, put=put, data=data,
               satisfaction=satisfaction, parent=parent, lead_unit=lead_unit, helper_units=helper_units,
               deadline=deadline, deadline_workdays=deadline_workdays)
    if appeal.responded_at is None and action not in (Action.SUSPEND, Action.RESUME):
        put(responded_at=now)
    if target in TERMINAL_STATES and appeal.closed_at is None:
        put(closed_at=now)
    put(status=target, version=old_version + 1, updated_at=now)
    put(is_overdue=_is_overdue(appeal, now))

    rows = Appeal.objects.filter(pk=pk, version=old_version).update(**{f: getattr(appeal, f) for f in changed})
    if rows != 1:
        raise Conflict()
    event = AppealEvent.objects.create(
        appeal=appeal, action=action, from_status=old_status, to_status=target, actor=actor,
        actor_name=actor_name(actor), role=role, at=now, note=note, data=data,
    )
    _save_images(appeal, event, images, actor)
    if not appeal.is_overdue:
        Supervision.objects.filter(appeal=appeal, cleared_at__isnull=True).update(cleared_at=now)
    hooks.transitioned(appeal=appeal, action=action, target=target, actor=actor, now=now)
    _notify_after(appeal, action, target, actor)
    return appeal


def _is_overdue(appeal: Appeal, now) -> bool:
    if appeal.status in HANDLING_STATES and appeal.resolve_due and now > appeal.resolve_due:
        return True
    if appeal.status == Status.SUBMITTED and appeal.response_due and now > appeal.response_due:
        return True
    return False


def _limits(appeal) -> tuple[int, int]:
    return appeal.category.limits(appeal.urgency)


def _accept(*, appeal, now, put, **_rest):
    put(accepted_at=now, resolve_due=calendar.add_workdays(now, _limits(appeal)[1]))


def _merge(*, appeal, actor, parent, put, data, **_rest):
    if parent in (None, ""):
        raise ValidationFailed(_("Choose the appeal to merge this one into."), code="parent_required")
    parent_id = parent.pk if isinstance(parent, Appeal) else parent
    target = visible_appeals(actor).filter(pk=parent_id).first() if str(parent_id).isdigit() else None
    if target is None:
        raise ValidationFailed(_("The appeal to merge into was not found."), code="parent_not_found")
    while target.parent_id:  # merge into the root of a chain
        target = target.parent
    if target.pk == appeal.pk:
        raise ValidationFailed(_("An appeal cannot be merged into itself."), code="merge_self")
    if target.status in (Status.REJECTED, Status.MERGED):
        raise ValidationFailed(_("Cannot merge into a rejected appeal."), code="merge_rejected")
    if target.street_id != appeal.street_id:
        raise ValidationFailed(_("Only appeals in the same street can be merged."), code="merge_other_street")
    put(parent=target)
    # Its own duplicates follow it, so every reporter still sees and hears about the appeal that goes on.
    Appeal.objects.filter(parent=appeal).update(parent=target)
    data["parent"] = target.number


def _handle(*, appeal, actor, role, put, **_rest):
    level = {Role.GRID_WORKER: Level.GRID, Role.COMMUNITY_STAFF: Level.COMMUNITY, Role.STREET_STAFF: Level.STREET}[role]
    put(handler=actor, level=level)


def _escalate(*, appeal, put, data, **_rest):
    nxt = NEXT_LEVEL.get(appeal.level)
    if nxt is None:
        raise InvalidTransition(_("The street is the top level; whistle to a unit instead."))
    data["from_level"], data["to_level"] = appeal.level, nxt
    put(level=nxt, handler=None)


def _resolve(*, appeal, actor, note, now, put, **_rest):
    Answer.objects.create(appeal=appeal, unit=None, text=note, answered_by=actor, at=now)
    put(handled_at=now, handled_on_time=bool(appeal.resolve_due is None or now <= appeal.resolve_due))


def _whistle(*, appeal, actor, note, now, put, data, lead_unit, helper_units, deadline, deadline_workdays, **_rest):
    unit = _unit(lead_unit, required=True)
    helpers = [u for u in (_unit(h) for h in helper_units or []) if u and u.pk != unit.pk]
    if deadline not in (None, ""):
        if isinstance(deadline, str):
            try:
                deadline = parse_datetime(deadline.strip())
            except ValueError:
                deadline = None
        if not isinstance(deadline, dt.datetime):
            raise ValidationFailed(_("“%(field)s” must be a date and time like 2024-05-01T09:00:00+08:00.")
                                   % {"field": _("Deadline")}, code="bad_deadline")
        if timezone.is_naive(deadline):
            deadline = timezone.make_aware(deadline)
        if deadline <= now:
            raise ValidationFailed(_("The deadline must be in the future."), code="bad_deadline")
    else:
        days = deadline_workdays if deadline_workdays not in (None, "") else _limits(appeal)[1]
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise ValidationFailed(_("The time limit must be a whole number of working days."), code="bad_deadline")
        if not 1 <= days <= MAX_WHISTLE_WORKDAYS:
            raise ValidationFailed(_("The time limit must be between 1 and %(n)d working days.") % {"n": MAX_WHISTLE_WORKDAYS},
                                   code="bad_deadline")
        deadline = calendar.add_workdays(now, days)
    whistle = Whistle.objects.create(appeal=appeal, lead_unit=unit, deadline=deadline, instructions=note,
                                     whistled_by=actor, created_at=now)
    whistle.helper_units.set(helpers)
    data.update({"lead_unit": unit.name, "helpers": [h.name for h in helpers], "deadline": deadline.isoformat()})
    put(lead_unit=unit, level=Level.UNIT, handler=None, resolve_due=deadline)


def _unit(value, required=False):
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("Choose the lead unit."), code="unit_required")
        return None
    if isinstance(value, Unit):
        return value
    unit = Unit.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
    if unit is None:
        raise ValidationFailed(_("Unknown unit."), code="unknown_unit")
    return unit


def _current_whistle(appeal) -> Whistle:
    whistle = appeal.whistles.filter(lead_unit_id=appeal.lead_unit_id).exclude(state=Whistle.State.RETURNED).first()
    if whistle is None:
        raise InvalidTransition()
    return whistle


def _claim(*, appeal, actor, now, **_rest):
    whistle = _current_whistle(appeal)
    Whistle.objects.filter(pk=whistle.pk).update(state=Whistle.State.CLAIMED, claimed_at=now, claimed_by=actor)


def _return(*, appeal, note, now, put, data, **_rest):
    whistle = _current_whistle(appeal)
    Whistle.objects.filter(pk=whistle.pk).update(state=Whistle.State.RETURNED, returned_at=now, return_reason=note)
    data["unit"] = appeal.lead_unit.name if appeal.lead_unit else ""
    put(lead_unit=None, level=Level.STREET)


def _answer(*, appeal, actor, note, now, put, **_rest):
    whistle = _current_whistle(appeal)
    Whistle.objects.filter(pk=whistle.pk).update(state=Whistle.State.ANSWERED)
    Answer.objects.create(appeal=appeal, whistle=whistle, unit=appeal.lead_unit, text=note, answered_by=actor, at=now)
    put(handled_at=now, handled_on_time=bool(now <= appeal.resolve_due) if appeal.resolve_due else True)


def _back_to_holder(appeal, now, put):
    """Rework or reopen: the holder gets a fresh limit; a unit's whistle is live again."""
    due = calendar.add_workdays(now, _limits(appeal)[1])
    put(resolve_due=due, handled_at=None, handled_on_time=None)
    if appeal.lead_unit_id:
        appeal.whistles.filter(lead_unit_id=appeal.lead_unit_id, state=Whistle.State.ANSWERED).update(
            state=Whistle.State.CLAIMED, deadline=due)


def _fail(*, appeal, now, put, **_rest):
    put(rework_count=appeal.rework_count + 1)
    _back_to_holder(appeal, now, put)


def _rate(*, appeal, actor, note, now, put, data, satisfaction, **_rest):
    try:
        satisfaction = Satisfaction(satisfaction)
    except ValueError:
        raise ValidationFailed(_("Choose satisfied, basically satisfied or dissatisfied."), code="bad_satisfaction")
    Rating.objects.create(appeal=appeal, satisfaction=satisfaction, comment=note, rated_by=actor, at=now)
    data["satisfaction"] = satisfaction
    put(satisfaction=satisfaction)
    if satisfaction == Satisfaction.DISSATISFIED:
        put(reopen_count=appeal.reopen_count + 1)
        _back_to_holder(appeal, now, put)


def _suspend(*, appeal, now, put, **_rest):
    # A clock already run out stays run out: suspending an overdue appeal does not forgive it.
    remaining_response = None
    if appeal.responded_at is None and appeal.response_due and appeal.response_due > now:
        remaining_response = int((appeal.response_due - now).total_seconds())
    remaining_days = None
    if appeal.status in HANDLING_STATES and appeal.resolve_due and appeal.resolve_due > now:
        remaining_days = calendar.workdays_between(now, appeal.resolve_due)
    put(suspended_from=appeal.status, suspended_at=now, paused_response_seconds=remaining_response,
        paused_resolve_workdays=remaining_days)


def _resume(*, appeal, now, put, data, **_rest):
    if appeal.paused_response_seconds is not None:
        put(response_due=now + dt.timedelta(seconds=appeal.paused_response_seconds))
    if appeal.paused_resolve_workdays is not None:
        put(resolve_due=calendar.add_workdays(now, appeal.paused_resolve_workdays))
        if appeal.lead_unit_id:
            appeal.whistles.filter(lead_unit_id=appeal.lead_unit_id).exclude(state=Whistle.State.RETURNED).update(
                deadline=appeal.resolve_due)
    data["paused_from"] = appeal.suspended_at.isoformat() if appeal.suspended_at else ""
    put(suspended_from="", suspended_at=None, paused_response_seconds=None, paused_resolve_workdays=None)


_EFFECTS = {
    Action.ACCEPT: _accept, Action.MERGE: _merge, Action.HANDLE: _handle, Action.ESCALATE: _escalate,
    Action.RESOLVE: _resolve, Action.WHISTLE: _whistle, Action.CLAIM: _claim, Action.RETURN: _return,
    Action.ANSWER: _answer, Action.FAIL: _fail, Action.RATE: _rate, Action.SUSPEND: _suspend, Action.RESUME: _resume,
}


# ---------------------------------------------------------------- who holds it, who hears of it

def holders(appeal: Appeal) -> tuple[list[User], list[User]]:
    """The people who must act now, and their leaders (for 督办)."""
    if appeal.status in (Status.WHISTLED, Status.CLAIMED) and appeal.lead_unit_id:
        users = User.objects.filter(roles__role=Role.UNIT_HANDLER, roles__unit_id=appeal.lead_unit_id)
        leaders = User.objects.filter(roles__unit_id=appeal.lead_unit_id, roles__is_leader=True)
        return list(users.distinct()), list(leaders.distinct())
    if appeal.handler_id and appeal.status == Status.IN_PROGRESS:
        holders_qs = User.objects.filter(pk=appeal.handler_id)
    elif appeal.level == Level.GRID:
        holders_qs = User.objects.filter(roles__role=Role.GRID_WORKER, roles__region_id=appeal.grid_id)
    elif appeal.level == Level.COMMUNITY:
        holders_qs = User.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__region_id=appeal.community_id)
    else:
        holders_qs = User.objects.filter(roles__role=Role.STREET_STAFF, roles__region_id=appeal.street_id)
    leader_region = appeal.street_id if appeal.level in (Level.STREET, Level.UNIT) else appeal.community_id
    leaders = User.objects.filter(roles__region_id=leader_region, roles__is_leader=True)
    return list(holders_qs.distinct()), list(leaders.distinct())


def _notify_after(appeal: Appeal, action: Action, target: str, actor: User) -> None:
    url = _url(appeal)
    title = f"{appeal.number} {appeal.title}"
    if action == Action.WHISTLE:
        units = [appeal.lead_unit_id] + list(
            appeal.whistles.first().helper_units.values_list("id", flat=True))
        notify(User.objects.filter(roles__role=Role.UNIT_HANDLER, roles__unit_id__in=units).distinct(),
               verb="whistle", title=_("Whistled to your unit: %(t)s") % {"t": title}, url=url)
    elif action == Action.RETURN:
        notify(User.objects.filter(roles__role=Role.STREET_STAFF, roles__region_id=appeal.street_id),
               verb="returned", title=_("Returned by a unit: %(t)s") % {"t": title}, url=url)
    elif target == Status.VERIFYING:
        notify(User.objects.filter(roles__role=Role.GRID_WORKER, roles__region_id=appeal.grid_id),
               verb="verify", title=_("Please verify on site: %(t)s") % {"t": title}, url=url)
    elif target in (Status.IN_PROGRESS, Status.CLAIMED) and action in (Action.FAIL, Action.RATE):
        notify(holders(appeal)[0], verb="rework", title=_("Sent back for rework: %(t)s") % {"t": title}, url=url)
    if target == Status.REVISITING:
        followers = [appeal.reporter] + [d.reporter for d in appeal.duplicates.select_related("reporter")]
        notify(followers, verb="resolved", title=_("Your appeal has been handled, please rate it: %(t)s") % {"t": title},
               url=url)
    elif target in (Status.CLOSED, Status.REJECTED, Status.ACCEPTED, Status.MERGED) and action != Action.RETURN:
        followers = [appeal.reporter] + [d.reporter for d in appeal.duplicates.select_related("reporter")]
        notify([u for u in followers if u and u != actor], verb="progress",
               title=_("%(t)s is now “%(s)s”") % {"t": title, "s": Status(target).label}, url=url)


# ---------------------------------------------------------------- 督办

def sweep_overdue(*, now: dt.datetime | None = None) -> int:
    """Mark overdue appeals and raise one Supervision per missed deadline, notifying
    the holder and their leader. Idempotent: safe to run every few minutes."""
    now = now or timezone.now()
    created = 0
    due = Appeal.objects.filter(
        Q(status=Status.SUBMITTED, response_due__lt=now) | Q(status__in=HANDLING_STATES, resolve_due__lt=now)
    ).select_related("category", "lead_unit")
    for appeal in due.iterator(chunk_size=500):
        kind = Supervision.Kind.RESPONSE if appeal.status == Status.SUBMITTED else Supervision.Kind.RESOLVE
        due_at = appeal.response_due if kind == Supervision.Kind.RESPONSE else appeal.resolve_due
        with transaction.atomic():
            locked = Appeal.objects.select_for_update().filter(pk=appeal.pk, status=appeal.status).first()
            if locked is None:
                continue
            if not locked.is_overdue:
                Appeal.objects.filter(pk=locked.pk).update(is_overdue=True)
            supervision, made = Supervision.objects.get_or_create(
                appeal=locked, kind=kind, due_at=due_at,
                defaults={"status_at_creation": locked.status, "level": locked.level, "unit": locked.lead_unit,
                          "created_at": now, "note": _("Deadline %(due)s passed.") % {
                              "due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")}},
            )
            if made:
                created += 1
                _supervision_event(locked, supervision, actor=None, now=now)
                people, leaders = holders(locked)
                title = _("Overdue, supervised: %(n)s %(t)s") % {"n": locked.number, "t": locked.title}
                notify(people + leaders, verb="supervision", title=title, body=supervision.note, url=_url(locked))
    # Appeals no longer overdue (moved on, deadline extended) lose the flag.
    stale = Appeal.objects.filter(is_overdue=True).exclude(
        Q(status=Status.SUBMITTED, response_due__lt=now) | Q(status__in=HANDLING_STATES, resolve_due__lt=now))
    Supervision.objects.filter(appeal__in=stale, cleared_at__isnull=True).update(cleared_at=now)
    stale.update(is_overdue=False)
    return created


def _supervision_event(appeal, supervision, *, actor, now) -> None:
    """督办 shows on the timeline like any step, without changing the status."""
    AppealEvent.objects.create(
        appeal=appeal, action="supervise", from_status=appeal.status, to_status=appeal.status, actor=actor,
        actor_name=actor_name(actor), role=_main_role(user_scopes(actor)) if actor else "system", at=now,
        note=supervision.note, data={"kind": supervision.kind},
    )


@transaction.atomic
def supervise(*, appeal_id: int, actor: User, note: str, now: dt.datetime | None = None) -> Supervision:
    """A leader's manual 督办 on a stuck appeal."""
    now = now or timezone.now()
    if not str(appeal_id).isdigit():
        raise NotFound()
    appeal = visible_appeals(actor).filter(pk=appeal_id).select_related("lead_unit").first()
    if appeal is None:
        raise NotFound()
    if not acting_roles(actor, appeal) & {Role.STREET_STAFF, Role.COMMUNITY_STAFF}:
        raise NotAllowed()
    if appeal.status in TERMINAL_STATES:
        raise InvalidTransition(_("A finished appeal cannot be supervised."))
    note = clean_text(note, field=_("the note"), max_length=2000, required=True)
    supervision = Supervision.objects.create(appeal=appeal, kind=Supervision.Kind.MANUAL, status_at_creation=appeal.status,
                                             level=appeal.level, unit=appeal.lead_unit, note=note, created_at=now,
                                             created_by=actor)
    _supervision_event(appeal, supervision, actor=actor, now=now)
    people, leaders = holders(appeal)
    notify(people + leaders, verb="supervision", title=_("Supervised: %(n)s %(t)s") % {"n": appeal.number, "t": appeal.title},
           body=note, url=_url(appeal))
    return supervision


# ---------------------------------------------------------------- support (附议)

def appeal_support(*, appeal_id, actor: User, now: dt.datetime | None = None) -> tuple[AppealSupport, bool]:
    """我也遇到: `actor` has the same problem. Support goes to the appeal that goes on
    (the root of a merge); twice by one person, even at the same moment, is once."""
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    appeal = supportable_appeals(actor).filter(pk=appeal_id).first() if str(appeal_id).isdigit() else None
    if appeal is None:  # the same answer whether it does not exist or is not theirs to see
        raise NotFound(_("You can only support an appeal you can see: one in the community you live in "
                         "or in your area of work."))
    while appeal.parent_id:
        appeal = appeal.parent
    if appeal.status in TERMINAL_STATES:
        raise InvalidTransition(_("This appeal is finished; it can no longer be supported."))
    if appeal.reporter_id == actor.pk:
        raise ValidationFailed(_("This is your own appeal."), code="own_appeal")
    existing = AppealSupport.objects.filter(appeal=appeal, user=actor).first()
    if existing is not None:
        return existing, False
    try:
        with busy_is_conflict(), transaction.atomic():
            support = AppealSupport.objects.create(appeal=appeal, user=actor, created_at=now or timezone.now())
            audit(actor=actor, action="create", obj=support, object_repr=f"support {appeal.number}",
                  note="appeal supported (附议)")
    except IntegrityError:  # the same person's other request won the race
        return AppealSupport.objects.get(appeal=appeal, user=actor), False
    return support, True
