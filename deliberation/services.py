"""Every write of deliberation. Each function is one transaction: it locks the
record, checks the rule in `workflow.py`, writes an event row and an audit row,
and queues notifications for after the commit. A LinliError changes nothing."""

import datetime as dt

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import home_community, managed_community_ids, user_scopes
from core import calendar
from core.audit import actor_name, audit
from core.db import busy_is_conflict, check_version, lock_or_404
from core.errors import Conflict, InvalidTransition, LinliError, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from core.notify import notify
from core.text import clean_text
from core.uploads import check_images
from party.models import PartyMember
from people.models import Unit
from regions.models import Region

from . import selectors
from .models import (
    AgendaItem,
    Check,
    CheckPhoto,
    CoSign,
    Decision,
    Invitation,
    Matter,
    MatterEvent,
    MatterRating,
    Meeting,
    Task,
)
from .workflow import (
    CHECK_STATES,
    COSIGN_STATES,
    MAX_TASK_DAYS,
    MEETING_TRANSITIONS,
    OPEN_STATES,
    RATING_DAYS,
    SMALL_CONFIRM_DAYS,
    SYSTEM_ACTIONS,
    TASK_DEFAULT_WORKDAYS,
    TASK_STATES,
    TASK_TRANSITIONS,
    TRANSITIONS,
    Action,
    MatterRole,
    MeetingAction,
    MeetingKind,
    MeetingStatus,
    Party,
    Satisfaction,
    Size,
    Source,
    Status,
    TaskAction,
    TaskRole,
    TaskStatus,
    is_satisfied,
    motion_passed,
    resolve_target,
)

MAX_VOTES = 10000


def _url(matter) -> str:
    return reverse("deliberation:detail", args=[matter.pk])


def _meeting_url(meeting) -> str:
    return reverse("deliberation:meeting", args=[meeting.pk])


def _staff_of(community_id) -> list[User]:
    return list(User.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__region_id=community_id).distinct())


def _followers(matter) -> list[User]:
    users = [matter.raiser] + [c.user for c in matter.cosigns.select_related("user")]
    return [u for u in users if u is not None]


def _region(value, level, *, message) -> Region:
    if isinstance(value, Region):
        if value.level != level:
            raise ValidationFailed(message, code=f"unknown_{level}")
        return value
    text = str(value if value is not None else "").strip()
    region = Region.objects.filter(code=text, level=level).first() if text else None
    if region is None and text.isdigit() and len(text) < 10:
        region = Region.objects.filter(pk=int(text), level=level).first()
    if region is None:
        raise ValidationFailed(message, code=f"unknown_{level}")
    return region


def _check_version(expected_version, current) -> None:
    check_version(expected_version, current)


def _event(matter, action, *, actor, role, from_status="", to_status="", note="", data=None, now) -> MatterEvent:
    return MatterEvent.objects.create(
        matter=matter, action=action, from_status=from_status, to_status=to_status or matter.status,
        actor=actor if actor is not None and actor.is_authenticated else None, actor_name=actor_name(actor),
        role=role, at=now, note=note, data=data or {})


def _lock_matter(pk) -> Matter:
    return lock_or_404(Matter.objects, pk)


def _visible_locked(pk, actor) -> Matter:
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    matter = _lock_matter(pk)
    if not selectors.visible_matters(actor).filter(pk=matter.pk).exists():
        raise NotFound()
    return matter


# ---------------------------------------------------------------- 包联

def contact_member_for(matter: Matter) -> tuple[PartyMember | None, str]:
    """The 包联 rule for a small matter, among party members with an account
    (they act in the app):

    1. "served": the member whose served households include the raiser's household;
    2. "building": else the member running the party anchor household (党员中心户)
       in the raiser's building;
    3. "load": else the member of the community's party orgs with the fewest
       open small matters (ties: the longest registered, lowest id).

    Staff can override the choice when sorting or later (reassign).
    """
    members = PartyMember.objects.filter(person__user__isnull=False)
    household = matter.household
    if household is not None:
        served = members.filter(served_households=household).order_by("id").first()
        if served is not None:
            return served, "served"
        anchor = members.filter(anchor_household__building_id=household.building_id).order_by("id").first()
        if anchor is not None:
            return anchor, "building"
    pool = members.filter(pk__in=selectors.community_members(matter.community_id).values("pk")).annotate(
        load=Count("contact_matters", filter=Q(contact_matters__size=Size.SMALL,
                                               contact_matters__status__in=[Status.ASSIGNED, Status.DONE])))
    chosen = pool.order_by("load", "id").first()
    return (chosen, "load") if chosen is not None else (None, "")


def _member(value, matter) -> PartyMember:
    if isinstance(value, PartyMember):
        member = value
    else:
        member = PartyMember.objects.filter(pk=value).first() if str(value or "").strip().isdigit() else None
    if member is None or not selectors.community_members(matter.community_id).filter(pk=member.pk).exists():
        raise ValidationFailed(_("Choose a party member of this community."), code="unknown_member")
    if not hasattr(member.person, "user") or member.person.user is None:
        raise ValidationFailed(_("This party member has no account, so cannot take the matter in the app."),
                               code="member_without_account")
    return member


# ---------------------------------------------------------------- 居民提事

@busy_is_conflict()
@transaction.atomic
def matter_raise(*, actor: User, title: str = "", content: str, community=None, grid=None, on_behalf: bool = False,
                 raiser_name: str = "", appeal=None, now: dt.datetime | None = None) -> Matter:
    """居民提事: a resident raises a matter for their community; staff raise one
    (on behalf of residents, or their own), or turn an appeal into one."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    content = clean_text(content, field=_("the description"), min_length=5, max_length=4000, required=True)
    title = clean_text(title, field=_("the title"), max_length=120) or content[:30]
    raiser_name = clean_text(raiser_name, field=_("the raiser's name"), max_length=64)
    household = None
    grid_region = None
    if grid not in (None, ""):
        grid_region = _region(grid, Region.Level.GRID, message=_("Unknown grid."))
    if appeal is not None:
        source = Source.APPEAL
        community_region = appeal.community
        grid_region = appeal.grid
        if not selectors.is_staff_for(actor, community_region.pk) and not user_scopes(actor).is_admin:
            raise NotAllowed(_("Only staff of the appeal's community can raise it as a matter."))
        if appeal.status in ("closed", "rejected", "merged"):
            raise InvalidTransition(_("This appeal is finished; raise a new matter instead."))
        if Matter.objects.filter(source_appeal=appeal).exists():
            raise InvalidTransition(_("This appeal has already been raised as a matter."), code="already_raised")
        raiser = appeal.reporter
        raiser_name = raiser_name or appeal.reporter_name
    elif on_behalf:
        source = Source.STAFF
        raiser = None
        if grid_region is not None:
            community_region = grid_region.parent
        else:
            if community in (None, ""):
                managed = list(managed_community_ids(actor))
                if len(managed) == 1:
                    community = managed[0]
            if community in (None, ""):
                raise ValidationFailed(_("Choose the community the matter is for."), code="community_required")
            community_region = _region(community, Region.Level.COMMUNITY, message=_("Unknown community."))
        if not selectors.is_staff_for(actor, community_region.pk) and not user_scopes(actor).is_admin:
            raise NotAllowed(_("You can only raise matters for the communities you work for."))
    else:
        source = Source.RESIDENT
        raiser = actor
        person = getattr(actor, "person", None)
        household = getattr(person, "household", None) if person else None
        home = home_community(actor)
        if home is not None:
            community_region = home
            grid_region = household.building.grid
        else:
            if community in (None, ""):
                raise ValidationFailed(_("Choose your community."), code="community_required")
            community_region = _region(community, Region.Level.COMMUNITY, message=_("Unknown community."))
        raiser_name = (person.name if person is not None and person.name else actor.display_name)[:64]
    if grid_region is not None and grid_region.parent_id != community_region.pk:
        raise ValidationFailed(_("The grid is not in that community."), code="grid_mismatch")
    if raiser is not None and household is None:
        person = getattr(raiser, "person", None)
        household = getattr(person, "household", None) if person else None

    matter = Matter.objects.create(
        title=title, content=content, source=source, source_appeal=appeal, raiser=raiser, raiser_name=raiser_name,
        raised_by=actor, household=household, community=community_region, grid=grid_region, status=Status.RAISED,
        status_since=now, created_at=now, updated_at=now,
    )
    matter.number = f"YS{timezone.localtime(now):%Y%m%d}{matter.pk:05d}"
    Matter.objects.filter(pk=matter.pk).update(number=matter.number)
    role = MatterRole.RAISER if source == Source.RESIDENT else MatterRole.STAFF
    _event(matter, "raise", actor=actor, role=role, to_status=Status.RAISED, now=now,
           data={"source": source, "appeal": appeal.number if appeal is not None else ""})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=matter,
          after={"status": Status.RAISED, "source": source, "community": community_region.code})
    notify([u for u in _staff_of(community_region.pk) if u != actor], verb="matter_new",
           title=_("New matter to sort: %(t)s") % {"t": matter.title}, url=_url(matter))
    return matter


# ---------------------------------------------------------------- the matter's loop

def matter_transition(matter, action, actor, *, note: str = "", expected_version=None, member=None, merge_into=None,
                      satisfaction: str = "", now: dt.datetime | None = None) -> Matter:
    """Take one action on one matter, or raise a LinliError and change nothing.

    Locks the row; with `expected_version` (what the user's screen showed) a
    stale screen loses cleanly: two staff acting at once, exactly one wins.
    """
    try:
        action = Action(action)
    except ValueError:
        raise ValidationFailed(_("Unknown action."), code="unknown_action")
    if action in SYSTEM_ACTIONS:
        raise NotAllowed(_("Only the system takes this step."))
    if action in (Action.SCHEDULE, Action.DECIDE, Action.START):
        raise ValidationFailed(_("Put matters on an agenda and record decisions on the meeting's page; "
                                 "tasks are added on the matter's page."), code="indirect_action")
    pk = matter.pk if isinstance(matter, Matter) else matter
    with busy_is_conflict(), transaction.atomic():
        locked = _visible_locked(pk, actor)
        _check_version(expected_version, locked.version)
        return _act(locked, action, actor, note=note, member=member, merge_into=merge_into,
                    satisfaction=satisfaction, now=now or timezone.now())


def _act(matter: Matter, action: Action, actor, *, note="", member=None, merge_into=None, satisfaction="",
         passed=None, data=None, now) -> Matter:
    """Apply a transition to a locked matter the actor can see; the role check happens here."""
    transition = TRANSITIONS[action]
    if matter.status not in transition.sources:
        raise InvalidTransition(
            _("This matter is now “%(status)s”; “%(action)s” is no longer possible.")
            % {"status": Status(matter.status).label, "action": action.label})
    if actor is None:
        role = MatterRole.SYSTEM
        if role not in transition.roles:
            raise NotAllowed()
    else:
        role = selectors.permitted_role(actor, matter, action) if action not in SYSTEM_ACTIONS else None
        if role is None:
            raise NotAllowed(_("You may not “%(action)s” this matter.") % {"action": action.label})
    note = clean_text(note, field=_("the note"), max_length=4000, required=transition.note_required)
    return _apply(matter, transition, actor, role, note=note, member=member, merge_into=merge_into,
                  satisfaction=satisfaction, passed=passed, data=data or {}, now=now)


def _apply(matter, transition, actor, role, *, note, member, merge_into, satisfaction, passed, data, now) -> Matter:
    action = transition.action
    old_status, old_version = matter.status, matter.version
    changed: set[str] = set()

    def put(**values):
        for k, v in values.items():
            setattr(matter, k, v)
            changed.add(k)

    satisfied = None
    notify_to: list = []
    notify_title = ""
    if action in (Action.SORT_SMALL, Action.REASSIGN):
        if member in (None, ""):
            chosen, rule = contact_member_for(matter)
            if chosen is None:
                raise ValidationFailed(_("No party member of this community has an account yet; choose one or "
                                         "sort the matter as big."), code="no_member")
        else:
            chosen, rule = _member(member, matter), "staff"
        if action == Action.REASSIGN and chosen.pk == matter.contact_member_id:
            raise ValidationFailed(_("This party member already has the matter."), code="same_member")
        data.update({"member": chosen.person.name, "rule": rule})
        put(contact_member=chosen, contact_rule=rule)
        if action == Action.SORT_SMALL:
            put(size=Size.SMALL, sorted_at=now)
        notify_to, notify_title = [chosen.person.user], _("A small matter for you (包联): %(t)s")
    elif action == Action.SORT_BIG:
        put(size=Size.BIG, sorted_at=now)
        notify_to, notify_title = [matter.raiser], _("Your matter goes to the party branch: %(t)s")
    elif action == Action.FINISH:
        put(done_note=note, done_at=now)
        notify_to, notify_title = [matter.raiser], _("Your matter is done, please rate it: %(t)s")
    elif action == Action.RATE:
        try:
            satisfaction = Satisfaction(satisfaction)
        except ValueError:
            raise ValidationFailed(_("Choose satisfied, basically satisfied or dissatisfied."), code="bad_satisfaction")
        MatterRating.objects.create(matter=matter, round=matter.round, user=actor, satisfaction=satisfaction,
                                    comment=note, at=now)
        satisfied = satisfaction != Satisfaction.DISSATISFIED
        data["satisfaction"] = satisfaction
        put(satisfaction=satisfaction, satisfaction_rate=100.0 if satisfied else 0.0)
    elif action == Action.AUTO_CLOSE:
        satisfied = True
    elif action == Action.ACCEPT:
        put(accepted_at=now)
        notify_to, notify_title = _followers(matter), _("Accepted by the party branch: %(t)s")
    elif action == Action.MERGE:
        target = _merge_target(merge_into, matter)
        put(merged_into=target)
        data["into"] = target.number
        notify_to, notify_title = _followers(matter), _("Merged with a matter already being discussed: %(t)s")
        for cosign in matter.cosigns.all():
            if cosign.user_id != target.raiser_id and not CoSign.objects.filter(matter=target, user_id=cosign.user_id).exists():
                CoSign.objects.create(matter=target, user_id=cosign.user_id, at=now)
        if matter.raiser_id and matter.raiser_id != target.raiser_id and not CoSign.objects.filter(
                matter=target, user_id=matter.raiser_id).exists():
            CoSign.objects.create(matter=target, user_id=matter.raiser_id, at=now)
        Matter.objects.filter(pk=target.pk).update(cosign_count=target.cosigns.count())
    elif action == Action.DECLINE:
        put(decline_reason=note)
        notify_to, notify_title = _followers(matter), _("Your matter was declined, with the reason: %(t)s")
    elif action == Action.DECIDE:
        put(decided_at=now)
        notify_to, notify_title = _followers(matter), _("The meeting has decided on: %(t)s")
    elif action == Action.OPEN_RATING:
        if not Check.objects.filter(matter=matter, round=matter.round).exists():
            raise InvalidTransition(_("A party member must record a progress check (党员监事) before residents rate."),
                                    code="check_required")
        put(rating_until=now + dt.timedelta(days=RATING_DAYS))
        notify_to, notify_title = _followers(matter), _("Please rate the result: %(t)s")
    elif action == Action.CLOSE_RATING:
        counts = selectors.round_ratings(matter)
        satisfied = is_satisfied(counts)
        total = sum(counts.values())
        good = counts.get(Satisfaction.SATISFIED, 0) + counts.get(Satisfaction.BASIC, 0)
        rate = round(100 * good / total, 1) if total else None
        data.update({"ratings": counts, "rate": rate, "round": matter.round})
        put(satisfaction_rate=rate, satisfaction=Satisfaction.SATISFIED if satisfied else Satisfaction.DISSATISFIED,
            rating_until=None)
        notify_to, notify_title = _followers(matter), _("The residents' rating is closed: %(t)s")

    target = resolve_target(transition, matter, passed=passed, satisfied=satisfied)
    if transition.target != target or action in (Action.RATE, Action.CLOSE_RATING):
        data["result"] = target
    if action in (Action.RATE, Action.CLOSE_RATING) and target != Status.CLOSED:
        put(round=matter.round + 1)
        if matter.size == Size.SMALL and matter.contact_member_id:
            notify_to = [matter.contact_member.person.user]
            notify_title = _("Not satisfied yet, please follow up: %(t)s")
    if target == Status.CLOSED:
        put(closed_at=now)
    if target != old_status:
        put(status_since=now)
    put(status=target, version=old_version + 1, updated_at=now)
    rows = Matter.objects.filter(pk=matter.pk, version=old_version).update(**{f: getattr(matter, f) for f in changed})
    if rows != 1:
        raise Conflict()
    _event(matter, action, actor=actor, role=role, from_status=old_status, to_status=target, note=note, data=data,
           now=now)
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=matter, before={"status": old_status},
          after={"status": target, "action": action.value}, fields=sorted(changed - {"updated_at", "version"}),
          note=note[:500])
    if notify_title:
        notify([u for u in notify_to if u is not None and u != actor], verb=f"matter_{action.value}",
               title=notify_title % {"t": matter.title}, url=_url(matter))
    return matter


def _merge_target(value, matter) -> Matter:
    if value in (None, ""):
        raise ValidationFailed(_("Choose the matter to merge into."), code="merge_target_required")
    text = str(value.pk if isinstance(value, Matter) else value).strip()
    target = Matter.objects.filter(Q(number=text) | Q(pk=int(text)) if text.isdigit() else Q(number=text)).first()
    if target is None or target.community_id != matter.community_id:
        raise ValidationFailed(_("Unknown matter, or it is in another community."), code="unknown_matter")
    if target.pk == matter.pk:
        raise ValidationFailed(_("A matter cannot be merged into itself."), code="merge_self")
    if target.status not in OPEN_STATES or target.status == Status.RAISED:
        raise ValidationFailed(_("Merge into a matter that is sorted and still open."), code="merge_target_closed")
    return target


def _system(matter: Matter, action: Action, *, note: str = "", data=None, now) -> Matter:
    return _act(matter, action, None, note=note, data=data, now=now)


# ---------------------------------------------------------------- 附议 and 居民评事

@busy_is_conflict()
@transaction.atomic
def matter_cosign(*, matter, actor: User, now: dt.datetime | None = None) -> CoSign:
    """附议: support a neighbour's matter, once. Two taps at once: one co-sign."""
    now = now or timezone.now()
    locked = _visible_locked(matter.pk if isinstance(matter, Matter) else matter, actor)
    if locked.status not in COSIGN_STATES:
        raise InvalidTransition(_("This matter can no longer be co-signed."), code="cosign_closed")
    if locked.raiser_id == actor.pk:
        raise ValidationFailed(_("You raised this matter yourself."), code="own_matter")
    if CoSign.objects.filter(matter=locked, user=actor).exists():
        raise ValidationFailed(_("You have already co-signed this matter."), code="already_cosigned")
    try:
        with transaction.atomic():
            cosign = CoSign.objects.create(matter=locked, user=actor, at=now)
    except IntegrityError:
        raise ValidationFailed(_("You have already co-signed this matter."), code="already_cosigned")
    count = locked.cosigns.count()
    Matter.objects.filter(pk=locked.pk).update(cosign_count=count)
    locked.cosign_count = count
    _event(locked, "cosign", actor=actor, role=MatterRole.RESIDENT, to_status=locked.status, now=now,
           data={"count": count})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=locked, note="cosign", after={"cosigns": count})
    return cosign


@busy_is_conflict()
@transaction.atomic
def matter_rate(*, matter, actor: User, satisfaction: str, comment: str = "",
                now: dt.datetime | None = None) -> MatterRating:
    """居民评事 of a big matter: residents of the community, the raiser and
    co-signers rate once per round. Staff close the round (or the sweep does)."""
    now = now or timezone.now()
    locked = _visible_locked(matter.pk if isinstance(matter, Matter) else matter, actor)
    if locked.size == Size.SMALL:
        raise ValidationFailed(_("Small matters are rated by their raiser with “Rate”."), code="small_matter")
    if locked.status != Status.RATING:
        raise InvalidTransition(_("This matter is not open for rating now."), code="not_rating")
    if not selectors.is_rater(actor, locked):
        raise NotAllowed(_("Residents of the community, the raiser and co-signers rate matters."))
    try:
        satisfaction = Satisfaction(satisfaction)
    except ValueError:
        raise ValidationFailed(_("Choose satisfied, basically satisfied or dissatisfied."), code="bad_satisfaction")
    comment = clean_text(comment, field=_("the comment"), max_length=1000)
    if MatterRating.objects.filter(matter=locked, round=locked.round, user=actor).exists():
        raise ValidationFailed(_("You have already rated this matter."), code="already_rated")
    try:
        with transaction.atomic():
            rating = MatterRating.objects.create(matter=locked, round=locked.round, user=actor,
                                                 satisfaction=satisfaction, comment=comment, at=now)
    except IntegrityError:
        raise ValidationFailed(_("You have already rated this matter."), code="already_rated")
    _event(locked, "rating", actor=actor, role=MatterRole.RESIDENT, to_status=locked.status, now=now,
           note=comment, data={"satisfaction": satisfaction, "round": locked.round})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=locked, note="rating", after={"satisfaction": satisfaction})
    return rating


# ---------------------------------------------------------------- 党员监事

@busy_is_conflict()
@transaction.atomic
def check_record(*, matter, actor: User, note: str, photos=(), now: dt.datetime | None = None) -> Check:
    """党员监事: a party member of the community records a progress check, with photos."""
    now = now or timezone.now()
    images = check_images(photos)
    locked = _visible_locked(matter.pk if isinstance(matter, Matter) else matter, actor)
    if locked.status not in CHECK_STATES:
        raise InvalidTransition(_("Progress checks are recorded while the tasks are carried out."), code="not_checking")
    if not selectors.can_check(actor, locked):
        raise NotAllowed(_("Party members of the community record progress checks."))
    note = clean_text(note, field=_("the check"), min_length=2, max_length=2000, required=True)
    member = selectors.member_of(actor)
    check = Check.objects.create(matter=locked, member=member, by=actor, by_name=actor_name(actor), round=locked.round,
                                 note=note, at=now)
    for img in images:
        CheckPhoto.objects.create(check_record=check, file=img.as_file(), content_type=img.content_type,
                                  size=len(img.content), width=img.width, height=img.height,
                                  original_name=img.original_name)
    _event(locked, "check", actor=actor, role=MatterRole.MEMBER, to_status=locked.status, note=note, now=now,
           data={"photos": len(images), "round": locked.round})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=check, object_repr=f"check of {locked}")
    if locked.status == Status.CHECKING:
        notify([u for u in _staff_of(locked.community_id) if u != actor], verb="matter_check",
               title=_("Checked by a party member, ready for rating: %(t)s") % {"t": locked.title}, url=_url(locked))
    return check


# ---------------------------------------------------------------- 部门办事

def _deadline(value, now) -> dt.date:
    today = timezone.localdate(now)
    if value in (None, ""):
        return timezone.localtime(calendar.add_workdays(now, TASK_DEFAULT_WORKDAYS)).date()
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        value = parse_date(str(value).strip()) if str(value).strip() else None
        if value is None:
            raise ValidationFailed(_("The deadline must be a date like 2024-05-01."), code="bad_deadline")
    if value < today:
        raise ValidationFailed(_("The deadline cannot be in the past."), code="bad_deadline")
    if value > today + dt.timedelta(days=MAX_TASK_DAYS):
        raise ValidationFailed(_("The deadline must be within a year."), code="bad_deadline")
    return value


def _active(model, value, message: str, code: str):
    """An active `model` row, given as itself or its pk; None when no value is given."""
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    found = model.objects.filter(pk=value, is_active=True).first() if str(value).strip().isdigit() else None
    if found is None:
        raise ValidationFailed(message, code=code)
    return found


def _unit(value) -> Unit | None:
    return _active(Unit, value, _("Unknown unit."), "unknown_unit")


def _owner_user(value) -> User | None:
    return _active(User, value, _("Unknown person."), "unknown_user")


@busy_is_conflict()
@transaction.atomic
def task_add(*, matter, actor: User, title: str, detail: str = "", owner_unit=None, owner_user=None, deadline=None,
             decision=None, now: dt.datetime | None = None) -> Task:
    """部门办事: staff give a decided matter a task with an owner (a unit or a
    person) and a deadline. The first task starts step 4; a task added while
    party members check sends the matter back to work."""
    now = now or timezone.now()
    locked = _visible_locked(matter.pk if isinstance(matter, Matter) else matter, actor)
    if locked.status not in TASK_STATES:
        raise InvalidTransition(_("Tasks are added once the meeting has decided, until rating starts."),
                                code="no_tasks_now")
    if not selectors.is_staff_for(actor, locked.community_id) and not user_scopes(actor).is_admin:
        raise NotAllowed(_("Community staff add tasks."))
    title = clean_text(title, field=_("the task"), min_length=2, max_length=120, required=True)
    detail = clean_text(detail, field=_("the task details"), max_length=2000)
    unit = _unit(owner_unit)
    person = _owner_user(owner_user)
    if unit is None and person is None:
        raise ValidationFailed(_("Choose who owns the task: a unit or a person."), code="owner_required")
    due = _deadline(deadline, now)
    if decision in (None, ""):
        decision = Decision.objects.filter(item__matter=locked, passed=True).order_by("-at").first()
    task = Task.objects.create(matter=locked, decision=decision if isinstance(decision, Decision) else None,
                               title=title, detail=detail, owner_unit=unit, owner_user=person, deadline=due,
                               created_by=actor, created_at=now, updated_at=now)
    _event(locked, "task_add", actor=actor, role=MatterRole.STAFF, to_status=locked.status, now=now,
           data={"task": task.title, "owner": task.owner_name, "deadline": due.isoformat()})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=task, after={"matter": locked.number, "owner": task.owner_name})
    if locked.status == Status.DECIDED:
        _act(locked, Action.START, actor, now=now, data={"task": task.title})
    elif locked.status == Status.CHECKING:
        _system(locked, Action.TASK_REOPENED, now=now, data={"task": task.title, "new": True})
    owners = [person] if person else list(User.objects.filter(roles__role=Role.UNIT_HANDLER,
                                                               roles__unit=unit).distinct())
    notify([u for u in owners if u != actor], verb="matter_task",
           title=_("A deliberation task for you: %(t)s") % {"t": task.title}, url=_url(locked))
    return task


def _lock_task(pk) -> Task:
    return lock_or_404(Task.objects.select_related("owner_unit", "owner_user"), pk)


@busy_is_conflict()
def task_transition(task, action, actor, *, note: str = "", progress=None, expected_version=None,
                    now: dt.datetime | None = None) -> Task:
    """Report progress on, finish, reopen or cancel one task; the matter follows
    (all tasks done → 党员监事; a task reopened → back to work)."""
    try:
        action = TaskAction(action)
    except ValueError:
        raise ValidationFailed(_("Unknown action."), code="unknown_action")
    now = now or timezone.now()
    pk = task.pk if isinstance(task, Task) else task
    with transaction.atomic():
        if actor is None or not actor.is_authenticated:
            raise NotAllowed()
        if not str(pk).isdigit() or not selectors.visible_tasks(actor).filter(pk=pk).exists():
            raise NotFound()
        matter_pk = Task.objects.filter(pk=pk).values_list("matter_id", flat=True).first()
        matter = _lock_matter(matter_pk)  # matter first, then task: one lock order everywhere
        locked = _lock_task(pk)
        _check_version(expected_version, locked.version)
        transition = TASK_TRANSITIONS[action]
        if locked.status not in transition.sources:
            raise InvalidTransition(_("This task is now “%(status)s”; “%(action)s” is no longer possible.")
                                    % {"status": TaskStatus(locked.status).label, "action": action.label})
        locked.matter = matter
        role = selectors.task_permitted_role(actor, locked, action)
        if role is None:
            raise NotAllowed(_("You may not “%(action)s” this task.") % {"action": action.label})
        if matter.status not in TASK_STATES | {Status.RATING}:
            raise InvalidTransition(_("The matter's tasks are closed."), code="tasks_closed")
        if action in (TaskAction.COMPLETE, TaskAction.PROGRESS) and locked.appeal_id and \
                locked.appeal.status not in ("closed", "verifying", "revisiting"):
            raise InvalidTransition(_("This task was whistled to its unit: it is done when the unit answers the appeal."),
                                    code="follows_appeal")
        return _task_apply(locked, matter, transition, actor, role, note=note, progress=progress, now=now)


def _task_apply(task: Task, matter: Matter, transition, actor, role, *, note="", progress=None, now) -> Task:
    action = transition.action
    note = clean_text(note, field=_("the note"), max_length=2000, required=transition.note_required)
    old_status, old_progress = task.status, task.progress
    data = {"task": task.title}
    if action == TaskAction.PROGRESS:
        try:
            value = int(str(progress).strip())
        except (TypeError, ValueError):
            raise ValidationFailed(_("Progress must be a whole number from 0 to 100."), code="bad_progress")
        if not 0 <= value <= 100:
            raise ValidationFailed(_("Progress must be a whole number from 0 to 100."), code="bad_progress")
        task.progress = value
        data["progress"] = value
    elif action == TaskAction.COMPLETE:
        task.progress, task.done_at = 100, now
    elif action == TaskAction.REOPEN:
        task.done_at = None
        task.progress = min(task.progress, 90)
    task.status = transition.target
    if note:
        task.note = note
    old_version = task.version
    task.version = old_version + 1
    task.updated_at = now
    rows = Task.objects.filter(pk=task.pk, version=old_version).update(
        status=task.status, progress=task.progress, done_at=task.done_at, note=task.note, version=task.version,
        updated_at=now)
    if rows != 1:
        raise Conflict()
    event_role = {TaskRole.STAFF: MatterRole.STAFF, TaskRole.SYSTEM: MatterRole.SYSTEM}.get(role, "")
    _event(matter, f"task_{action.value}", actor=actor, role=event_role, to_status=matter.status, note=note, now=now,
           data={**data, "from": old_status, "to": task.status, "owner": task.owner_name})
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=task, before={"status": old_status, "progress": old_progress},
          after={"status": task.status, "progress": task.progress})
    _follow_tasks(matter, now=now)
    return task


def _follow_tasks(matter: Matter, *, now) -> None:
    """The matter follows its tasks: every live task done → checking; one open again → in action."""
    live = matter.tasks.exclude(status=TaskStatus.CANCELLED)
    all_done = live.exists() and not live.filter(status=TaskStatus.OPEN).exists()
    if matter.status == Status.IN_ACTION and all_done:
        _system(matter, Action.TASKS_DONE, now=now)
        notify(_staff_of(matter.community_id) + [m.person.user for m in selectors.community_members(
            matter.community_id).filter(person__user__isnull=False).select_related("person__user")[:20]],
            verb="matter_tasks_done", title=_("All tasks done, party members please check: %(t)s") % {"t": matter.title},
            url=_url(matter))
    elif matter.status in (Status.CHECKING, Status.RATING) and live.filter(status=TaskStatus.OPEN).exists():
        _system(matter, Action.TASK_REOPENED, now=now)


# ---------------------------------------------------------------- task → whistle

@busy_is_conflict()
@transaction.atomic
def task_whistle(*, task, actor: User, category=None, deadline_workdays=None, note: str = "",
                 now: dt.datetime | None = None):
    """Turn a unit's task into an appeal (channel deliberation) through the
    appeal loop's own services. Street staff accept it and whistle it to the
    task's unit at once; community staff accept it and escalate it to the
    street, whose dispatcher whistles it from the appeal page."""
    from appeals import services as appeal_services
    from appeals.models import Category
    from appeals.services import MAX_WHISTLE_WORKDAYS
    from appeals.workflow import Action as AppealAction
    from appeals.workflow import Channel

    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    pk = task.pk if isinstance(task, Task) else task
    if not str(pk).isdigit() or not selectors.visible_tasks(actor).filter(pk=pk).exists():
        raise NotFound()
    matter = _lock_matter(Task.objects.filter(pk=pk).values_list("matter_id", flat=True).first())
    locked = _lock_task(pk)
    locked.matter = matter
    if locked.appeal_id:
        raise InvalidTransition(_("This task has already been whistled."), code="already_whistled")
    if locked.owner_unit_id is None:
        raise ValidationFailed(_("Only a task owned by a unit can be whistled to it."), code="no_unit")
    if not selectors.can_whistle(actor, locked):
        if TaskRole.STAFF not in selectors.task_roles(actor, locked):
            raise NotAllowed(_("Community or street staff turn tasks into whistles."))
        raise InvalidTransition(_("Only an open task of a matter being carried out can be whistled."),
                                code="cannot_whistle")
    note = clean_text(note, field=_("the instructions"), max_length=2000)
    if category in (None, ""):
        cat = (Category.objects.filter(default_unit=locked.owner_unit, is_active=True, children__isnull=True)
               .order_by("sort", "code").first()
               or Category.objects.filter(is_active=True, children__isnull=True).order_by("sort", "code").first())
    else:
        cat = Category.objects.filter(Q(code=str(category)) | Q(pk=int(category)) if str(category).isdigit()
                                      else Q(code=str(category)), is_active=True).first()
    if cat is None:
        raise ValidationFailed(_("Unknown category."), code="unknown_category")
    if deadline_workdays in (None, ""):
        end = dt.datetime.combine(locked.deadline, dt.time(18, 0), tzinfo=timezone.get_current_timezone())
        days = min(max(1, calendar.workdays_between(now, end)), MAX_WHISTLE_WORKDAYS)
    else:
        try:
            days = int(deadline_workdays)
        except (TypeError, ValueError):
            raise ValidationFailed(_("The time limit must be a whole number of working days."), code="bad_deadline")
    grid = matter.grid or (matter.household.building.grid if matter.household_id else None) or \
        Region.objects.filter(parent_id=matter.community_id, level=Region.Level.GRID).order_by("code").first()
    if grid is None:
        raise ValidationFailed(_("The community has no grid to place the appeal in."), code="no_grid")
    content = _("Task of deliberation matter %(n)s “%(m)s”: %(t)s.") % {"n": matter.number, "m": matter.title,
                                                                          "t": locked.title}
    if locked.detail:
        content += "\n" + locked.detail
    if matter.decision_text:
        content += "\n" + _("Decision: %(d)s") % {"d": matter.decision_text}
    appeal = appeal_services.appeal_submit(actor=actor, title=f"{matter.title}：{locked.title}"[:120], content=content,
                                           category=cat, channel=Channel.DELIBERATION, grid_code=grid.code, now=now)
    scopes = user_scopes(actor)
    street_staff = appeal.street_id in scopes.regions(Role.STREET_STAFF, Region.Level.STREET) or scopes.is_admin
    appeal = appeal_services.appeal_transition(appeal=appeal, action=AppealAction.ACCEPT, actor=actor, now=now)
    if street_staff:
        appeal = appeal_services.appeal_transition(
            appeal=appeal, action=AppealAction.WHISTLE, actor=actor, lead_unit=locked.owner_unit,
            deadline_workdays=days, note=note or locked.title, now=now)
    else:
        ask = note or _("Deliberation task for %(u)s: please whistle it.") % {"u": locked.owner_unit.name}
        while appeal.level != "street":
            appeal = appeal_services.appeal_transition(appeal=appeal, action=AppealAction.ESCALATE, actor=actor,
                                                       note=ask, now=now)
    Task.objects.filter(pk=locked.pk).update(appeal=appeal, version=locked.version + 1, updated_at=now)
    locked.appeal, locked.version = appeal, locked.version + 1
    _event(matter, "task_whistle", actor=actor, role=MatterRole.STAFF, to_status=matter.status, note=note, now=now,
           data={"task": locked.title, "appeal": appeal.number, "unit": locked.owner_unit.name,
                 "whistled": street_staff})
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, after={"appeal": appeal.number},
          note="task whistled")
    return locked


def on_appeal_transition(*, appeal, action, target, actor, now) -> None:
    """Runs inside the appeal's transaction: its task follows it. Answered or
    closed → the task is done; sent back (failed verification, a dissatisfied
    rating) → the task reopens. Appeals without a task are not ours."""
    task_id = Task.objects.filter(appeal_id=appeal.pk).values_list("pk", flat=True).first()
    if task_id is None:
        return
    matter = _lock_matter(Task.objects.filter(pk=task_id).values_list("matter_id", flat=True).first())
    task = _lock_task(task_id)
    task.matter = matter
    if matter.status not in TASK_STATES | {Status.RATING}:
        return
    if target in ("verifying", "closed") and task.status == TaskStatus.OPEN:
        _task_apply(task, matter, TASK_TRANSITIONS[TaskAction.COMPLETE], actor, TaskRole.SYSTEM,
                    note=_("The appeal %(n)s was answered.") % {"n": appeal.number}, now=now)
    elif target in ("claimed", "in_progress", "accepted") and action in ("fail", "rate", "return") \
            and task.status == TaskStatus.DONE:
        _task_apply(task, matter, TASK_TRANSITIONS[TaskAction.REOPEN], actor, TaskRole.SYSTEM,
                    note=_("The appeal %(n)s was sent back.") % {"n": appeal.number}, now=now)


# ---------------------------------------------------------------- meetings (联席议事)

def _parse_dt(value, label) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        try:
            parsed = parse_datetime(text) if text else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationFailed(_("“%(field)s” must be a date and time like 2024-05-01T09:00.") % {"field": label},
                                   code="bad_datetime")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _place(value, community):
    from places.models import Place

    if value in (None, ""):
        return None
    place = Place.objects.filter(pk=value, is_active=True).first() if str(value).strip().isdigit() else None
    if place is None or place.region_id not in (community.pk, community.parent_id):
        raise ValidationFailed(_("Unknown place, or it is not in this community."), code="unknown_place")
    return place


@busy_is_conflict()
@transaction.atomic
def meeting_plan(*, actor: User, community, starts_at, title: str = "", kind: str = MeetingKind.RED_DAY, place=None,
                 venue: str = "", host: str = "", recorder: str = "", now: dt.datetime | None = None) -> Meeting:
    """Plan a meeting (e.g. the weekly 红色议事日) for a community the actor runs."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    if community in (None, "") and len(managed_community_ids(actor)) == 1:
        community = next(iter(managed_community_ids(actor)))
    if community in (None, ""):
        raise ValidationFailed(_("Choose the community the meeting is for."), code="community_required")
    region = _region(community, Region.Level.COMMUNITY, message=_("Unknown community."))
    if not selectors.is_staff_for(actor, region.pk) and not user_scopes(actor).is_admin:
        raise NotAllowed(_("You can only plan meetings for the communities you work for."))
    try:
        kind = MeetingKind(kind or MeetingKind.RED_DAY)
    except ValueError:
        raise ValidationFailed(_("Unknown kind of meeting."), code="bad_kind")
    starts = _parse_dt(starts_at, _("Starts at"))
    if starts < now - dt.timedelta(days=30) or starts > now + dt.timedelta(days=365):
        raise ValidationFailed(_("The meeting must be within the past month or the coming year."), code="bad_datetime")
    place_obj = _place(place, region)
    venue = clean_text(venue, field=_("the venue"), max_length=200)
    if place_obj is None and not venue:
        raise ValidationFailed(_("Choose a place or write where the meeting is held."), code="venue_required")
    title = clean_text(title, field=_("the title"), max_length=120) or \
        f"{kind.label} {timezone.localtime(starts):%Y-%m-%d}"
    meeting = Meeting.objects.create(
        title=title, kind=kind, community=region, place=place_obj, venue=venue, starts_at=starts,
        host=clean_text(host, field=_("the chair"), max_length=64),
        recorder=clean_text(recorder, field=_("the recorder"), max_length=64),
        created_by=actor, created_at=now, updated_at=now)
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=meeting, after={"starts_at": starts.isoformat()})
    return meeting


def _lock_meeting(pk, actor) -> Meeting:
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    meeting = lock_or_404(Meeting.objects.select_related("community"), pk)
    if not selectors.visible_meetings(actor).filter(pk=pk).exists():
        raise NotFound()
    if not selectors.is_staff_for(actor, meeting.community_id) and not user_scopes(actor).is_admin:
        raise NotAllowed(_("Community staff run the meetings."))
    return meeting


def _pk(obj):
    return obj.pk if hasattr(obj, "pk") else obj


@busy_is_conflict()
@transaction.atomic
def meeting_transition(*, meeting, action, actor: User, note: str = "", expected_version=None,
                       now: dt.datetime | None = None) -> Meeting:
    """Hold or cancel a planned meeting. Cancelling takes its undecided matters off the agenda."""
    now = now or timezone.now()
    try:
        action = MeetingAction(action)
    except ValueError:
        raise ValidationFailed(_("Unknown action."), code="unknown_action")
    locked = _lock_meeting(_pk(meeting), actor)
    _check_version(expected_version, locked.version)
    sources, target, note_required = MEETING_TRANSITIONS[action]
    if locked.status not in sources:
        raise InvalidTransition(_("This meeting is now “%(status)s”; “%(action)s” is no longer possible.")
                                % {"status": MeetingStatus(locked.status).label, "action": action.label})
    note = clean_text(note, field=_("the reason"), max_length=2000, required=note_required)
    old = locked.status
    fields = {"status": target, "version": locked.version + 1, "updated_at": now}
    if action == MeetingAction.HOLD:
        fields["held_at"] = now
    else:
        fields["cancel_reason"] = note
        for item in selectors.agenda(locked):
            if not hasattr(item, "decision"):
                matter = _lock_matter(item.matter_id)
                if matter.status == Status.SCHEDULED:
                    _system(matter, Action.UNSCHEDULE, note=note, now=now, data={"meeting": locked.title})
    rows = Meeting.objects.filter(pk=locked.pk, version=locked.version).update(**fields)
    if rows != 1:
        raise Conflict()
    for k, v in fields.items():
        setattr(locked, k, v)
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, before={"status": old}, after={"status": target},
          note=note)
    return locked


@busy_is_conflict()
@transaction.atomic
def meeting_minutes(*, meeting, actor: User, minutes: str, host: str = "", recorder: str = "",
                    now: dt.datetime | None = None) -> Meeting:
    """The minutes (会议纪要) of a held meeting."""
    now = now or timezone.now()
    locked = _lock_meeting(_pk(meeting), actor)
    if locked.status != MeetingStatus.HELD:
        raise InvalidTransition(_("Minutes are written once the meeting is held."), code="not_held")
    minutes = clean_text(minutes, field=_("the minutes"), max_length=20000, required=True)
    host = clean_text(host, field=_("the chair"), max_length=64) or locked.host
    recorder = clean_text(recorder, field=_("the recorder"), max_length=64) or locked.recorder
    Meeting.objects.filter(pk=locked.pk).update(minutes=minutes, host=host, recorder=recorder, updated_at=now,
                                                version=locked.version + 1)
    locked.minutes, locked.host, locked.recorder, locked.version = minutes, host, recorder, locked.version + 1
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, fields=["minutes"], note="minutes")
    return locked


@busy_is_conflict()
@transaction.atomic
def meeting_invite(*, meeting, actor: User, party: str, name: str = "", user=None, unit=None,
                   now: dt.datetime | None = None) -> Invitation:
    """Invite one party (branch, residents' committee, property, owners, police, a unit, a resident representative)."""
    locked = _lock_meeting(_pk(meeting), actor)
    if locked.status == MeetingStatus.CANCELLED:
        raise InvalidTransition(_("The meeting was cancelled."), code="cancelled")
    try:
        party = Party(party)
    except ValueError:
        raise ValidationFailed(_("Choose who is invited."), code="bad_party")
    unit_obj = _unit(unit)
    user_obj = _owner_user(user)
    name = clean_text(name, field=_("the name"), max_length=100)
    if not name:
        name = unit_obj.name if unit_obj else (user_obj.display_name if user_obj else "")
    if not name:
        raise ValidationFailed(_("Write the name of who is invited."), code="name_required")
    if locked.invitations.filter(party=party, name=name).exists():
        raise ValidationFailed(_("%(name)s is already invited.") % {"name": name}, code="already_invited")
    invitation = Invitation.objects.create(meeting=locked, party=party, name=name, user=user_obj, unit=unit_obj,
                                           attended=True if locked.status == MeetingStatus.HELD else None)
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=invitation, object_repr=f"{locked}: {invitation}")
    if user_obj is not None and user_obj != actor:
        notify([user_obj], verb="meeting_invite", title=_("You are invited to %(t)s") % {"t": locked.title},
               url=_meeting_url(locked))
    return invitation


@busy_is_conflict()
@transaction.atomic
def meeting_attendance(*, meeting, actor: User, present, now: dt.datetime | None = None) -> Meeting:
    """Attendance of a held meeting: the listed invitations came, the others did not."""
    locked = _lock_meeting(_pk(meeting), actor)
    if locked.status != MeetingStatus.HELD:
        raise InvalidTransition(_("Attendance is taken once the meeting is held."), code="not_held")
    ids = set()
    for value in present or []:
        if not str(value).strip().isdigit():
            raise ValidationFailed(_("Unknown attendee."), code="bad_attendee")
        ids.add(int(value))
    known = set(locked.invitations.values_list("pk", flat=True))
    if ids - known:
        raise ValidationFailed(_("Unknown attendee."), code="bad_attendee")
    locked.invitations.filter(pk__in=ids).update(attended=True)
    locked.invitations.exclude(pk__in=ids).update(attended=False)
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, fields=["attendance"],
          after={"present": len(ids), "invited": len(known)})
    return locked


@busy_is_conflict()
@transaction.atomic
def agenda_add(*, meeting, matter, actor: User, now: dt.datetime | None = None) -> AgendaItem:
    """联席议事: put an accepted matter of the community on a planned meeting's agenda."""
    now = now or timezone.now()
    locked = _lock_meeting(_pk(meeting), actor)
    if locked.status != MeetingStatus.PLANNED:
        raise InvalidTransition(_("Matters are put on the agenda of a planned meeting."), code="not_planned")
    m = _visible_locked(_pk(matter), actor)
    if m.community_id != locked.community_id:
        raise ValidationFailed(_("The matter is in another community."), code="other_community")
    _act(m, Action.SCHEDULE, actor, now=now, data={"meeting": locked.title, "meeting_id": locked.pk})
    item, created = AgendaItem.objects.get_or_create(
        meeting=locked, matter=m, defaults={"sort": locked.agenda.count() + 1})
    if not created:
        AgendaItem.objects.filter(pk=item.pk).update(removed_at=None)
        item.removed_at = None
    if m.raiser_id:
        notify([m.raiser], verb="matter_schedule", title=_("Your matter is on the agenda of %(t)s") % {"t": locked.title},
               url=_url(m))
    return item


@busy_is_conflict()
@transaction.atomic
def agenda_remove(*, meeting, matter, actor: User, note: str, now: dt.datetime | None = None) -> Matter:
    now = now or timezone.now()
    locked = _lock_meeting(_pk(meeting), actor)
    if locked.status != MeetingStatus.PLANNED:
        raise InvalidTransition(_("The agenda of a held or cancelled meeting is fixed."), code="not_planned")
    item = selectors.agenda(locked).filter(matter_id=_pk(matter)).first()
    if item is None:
        raise NotFound()
    m = _visible_locked(item.matter_id, actor)
    m = _act(m, Action.UNSCHEDULE, actor, note=note, now=now, data={"meeting": locked.title})
    AgendaItem.objects.filter(pk=item.pk).update(removed_at=now)
    return m


def _votes(value, label) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("“%(field)s” must be a whole number.") % {"field": label}, code="bad_votes")
    if not 0 <= n <= MAX_VOTES:
        raise ValidationFailed(_("“%(field)s” must be between 0 and %(n)d.") % {"field": label, "n": MAX_VOTES},
                               code="bad_votes")
    return n


@busy_is_conflict()
@transaction.atomic
def decision_record(*, meeting, matter, actor: User, text: str, votes_for, votes_against, votes_abstain,
                    now: dt.datetime | None = None) -> Decision:
    """The held meeting's decision on one agenda matter, with its votes. Passed
    (more than half of the votes cast for) → step 4; not passed → the matter
    waits for another meeting."""
    now = now or timezone.now()
    locked = _lock_meeting(_pk(meeting), actor)
    if locked.status != MeetingStatus.HELD:
        raise InvalidTransition(_("Decisions are recorded once the meeting is held."), code="not_held")
    item = selectors.agenda(locked).filter(matter_id=_pk(matter)).first()
    if item is None:
        raise NotFound()
    if Decision.objects.filter(item=item).exists():
        raise InvalidTransition(_("The decision on this matter is already recorded."), code="already_decided")
    text = clean_text(text, field=_("the decision"), min_length=2, max_length=4000, required=True)
    f = _votes(votes_for, _("Votes for"))
    a = _votes(votes_against, _("Votes against"))
    ab = _votes(votes_abstain, _("Abstentions"))
    if f + a + ab == 0:
        raise ValidationFailed(_("Record the votes: at least one vote must be cast."), code="no_votes")
    attended = locked.invitations.filter(attended=True).count()
    passed = motion_passed(f, a, ab)
    m = _visible_locked(item.matter_id, actor)
    try:
        with transaction.atomic():
            decision = Decision.objects.create(item=item, text=text, votes_for=f, votes_against=a, votes_abstain=ab,
                                               passed=passed, recorded_by=actor, at=now)
    except IntegrityError:
        raise InvalidTransition(_("The decision on this matter is already recorded."), code="already_decided")
    if passed:
        Matter.objects.filter(pk=m.pk).update(decision_text=text)
        m.decision_text = text
    _act(m, Action.DECIDE, actor, note=text, passed=passed, now=now,
         data={"for": f, "against": a, "abstain": ab, "passed": passed, "meeting": locked.title,
               "attended": attended})
    return decision


# ---------------------------------------------------------------- the sweep

def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Close small matters done and not rated for SMALL_CONFIRM_DAYS, and rating
    rounds past their end. Each matter in its own transaction; a race lost to a
    person acting at the same moment is skipped."""
    now = now or timezone.now()
    done = {"auto_closed": 0, "ratings_closed": 0}
    due_small = Matter.objects.filter(status=Status.DONE, done_at__lte=now - dt.timedelta(days=SMALL_CONFIRM_DAYS))
    for pk in due_small.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                m = _lock_matter(pk)
                if m.status == Status.DONE:
                    _system(m, Action.AUTO_CLOSE, now=now)
                    done["auto_closed"] += 1
        except (LinliError, OperationalError):
            continue
    for pk in Matter.objects.filter(status=Status.RATING, rating_until__lte=now).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                m = _lock_matter(pk)
                if m.status == Status.RATING:
                    _system(m, Action.CLOSE_RATING, now=now)
                    done["ratings_closed"] += 1
        except (LinliError, OperationalError):
            continue
    return done
