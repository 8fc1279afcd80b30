"""Every write of visits. Each public function owns its transaction, its Event
row, its audit row and its on-commit notifications; every status change goes
through `_apply`, which reads the tables in `workflow` and nothing else.

Times: every function takes `now` (default: the current time) so the demo and
imports can replay the past through the same rules.
"""

import datetime as dt

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role as AccountRole
from accounts.models import User
from core.audit import actor_name, audit
from core.db import busy_is_conflict, check_version, lock_or_404
from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from core.notify import notify
from core.text import clean_text
from core.uploads import check_images
from people.models import Person
from regions.models import Household, Region

from . import selectors
from .models import Campaign, CareSubject, CareTag, Event, Knock, Patrol, PatrolFinding, Photo, Visit
from .workflow import (
    KNOCKED,
    TABLES,
    CampaignAction,
    CampaignStatus,
    CampaignTarget,
    FindingAction,
    FindingStatus,
    Frequency,
    KnockResult,
    Machine,
    Mode,
    PatrolAction,
    PatrolStatus,
    Role,
    SubjectAction,
    SubjectStatus,
    Wellbeing,
    next_due,
    resolve_target,
    schedule_status,
)

MAX_TAGS = 10
MAX_ROUTE_POINTS = 2000
MAX_BACKDATE_DAYS = 31
MAX_CAMPAIGN_DAYS = 366


def _authed(actor) -> None:
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()


def _pk(value, model) -> int:
    pk = value.pk if isinstance(value, model) else value
    if not str(pk).isdigit():
        raise NotFound()
    return int(pk)


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _coords(lng, lat, *, required: bool = False) -> tuple[float | None, float | None]:
    if lng in (None, "") and lat in (None, ""):
        if required:
            raise ValidationFailed(_("Allow the location, or place the point on the map."), code="no_location")
        return None, None
    from regions.selectors import check_coordinates

    return check_coordinates(lng, lat)


def _save_photos(images, actor, **owner) -> list[Photo]:
    return [Photo.objects.create(file=img.as_file(), content_type=img.content_type, size=len(img.content),
                                 width=img.width, height=img.height, original_name=img.original_name,
                                 uploaded_by=actor, **owner) for img in images]


def _as_uploads(images) -> list[ContentFile]:
    """Checked images handed on to the appeal (which checks them again and keeps its own copy)."""
    return [ContentFile(img.content, name=img.original_name or f"photo.{img.ext}") for img in images]


def _staff_of(community_id) -> list[User]:
    return list(User.objects.filter(roles__role=AccountRole.COMMUNITY_STAFF, roles__region_id=community_id).distinct())


def _grid_workers(grid_id) -> list[User]:
    return list(User.objects.filter(roles__role=AccountRole.GRID_WORKER, roles__region_id=grid_id).distinct())


# ---------------------------------------------------------------- the one transition function

def _apply(machine: str, obj, action: str, actor, *, note: str = "", now: dt.datetime, data: dict | None = None,
           fields: dict | None = None, expected_version=None, system: bool = False) -> str:
    """Check and take one transition on a locked record, with its event and audit row.
    `fields` are saved with the new status in the same version-guarded update."""
    try:
        action = TABLES[machine][action].action
    except KeyError:
        raise ValidationFailed(_("Unknown action."), code="unknown_action")
    transition = TABLES[machine][action]
    check_version(expected_version, obj.version)
    if obj.status not in transition.sources:
        status_label = dict(_status_choices(machine)).get(obj.status, obj.status)
        raise InvalidTransition(_("This record is now “%(status)s”; “%(action)s” is no longer possible.")
                                % {"status": status_label, "action": _action_label(machine, action)})
    if system:
        if Role.SYSTEM not in transition.roles:
            raise NotAllowed()
        role = Role.SYSTEM
    else:
        if Role.SYSTEM in transition.roles and len(transition.roles) == 1:
            raise NotAllowed(_("Only the system takes this step."))
        role = selectors.permitted_role(machine, obj, actor, action)
        if role is None:
            raise NotAllowed()
    note = clean_text(note, field=_("the note"), max_length=2000, required=transition.note_required)
    fields = dict(fields or {})
    due = fields.get("next_due", getattr(obj, "next_due", None))
    target = resolve_target(transition, due=due, today=_local_date(now))
    old_status, old_version = obj.status, obj.version
    values = {**fields, "status": target, "version": old_version + 1}
    if hasattr(obj, "updated_at"):
        values["updated_at"] = now
    rows = type(obj).objects.filter(pk=obj.pk, version=old_version).update(**values)
    if rows != 1:
        raise Conflict()
    for k, v in values.items():
        setattr(obj, k, v)
    Event.objects.create(machine=machine, object_id=obj.pk, action=action, from_status=old_status, to_status=target,
                         actor=None if system else actor, actor_name="system" if system else actor_name(actor),
                         role=role, at=now, note=note, data=data or {})
    audit(actor=None if system else actor, action=AuditLog.Action.UPDATE, obj=obj, before={"status": old_status},
          after={"status": target, "action": str(action)}, note=f"visits.{machine}.{action}")
    return target


def _status_choices(machine):
    from .workflow import STATUSES

    return STATUSES[machine].choices


def _action_label(machine, action) -> str:
    from .workflow import ACTIONS

    return str(ACTIONS[machine](action).label)


def _event(machine, obj, action, actor, *, now, note="", data=None, status=""):
    Event.objects.create(machine=machine, object_id=obj.pk, action=action, from_status=status, to_status=status,
                         actor=actor, actor_name=actor_name(actor), role="", at=now, note=note, data=data or {})


# ---------------------------------------------------------------- care tags

# The usual kinds of 重点人群 and how often each is visited; street staff can change them.
DEFAULT_TAGS = [
    ("living_alone", "独居老人", "Elderly living alone", Frequency.WEEKLY),
    ("empty_nest", "空巢老人", "Empty-nest elderly", Frequency.FORTNIGHTLY),
    ("very_old", "高龄老人", "Aged 80 and over", Frequency.MONTHLY),
    ("disabled", "残疾人", "Person with a disability", Frequency.MONTHLY),
    ("dibao", "低保户", "Minimum-living-allowance household", Frequency.MONTHLY),
    ("tekun", "特困人员", "Person in extreme poverty", Frequency.FORTNIGHTLY),
    ("left_behind_child", "留守儿童", "Left-behind child", Frequency.MONTHLY),
    ("seriously_ill", "重病患者", "Seriously ill", Frequency.FORTNIGHTLY),
    ("entitled", "优抚对象", "Veteran or martyr's family (优抚对象)", Frequency.QUARTERLY),
]


def ensure_default_tags() -> int:
    """Create the standard tags that are missing (run after migrate); never changes existing ones."""
    created = 0
    for sort, (code, name, name_en, frequency) in enumerate(DEFAULT_TAGS):
        _tag, made = CareTag.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "frequency": frequency, "sort": (sort + 1) * 10})
        created += made
    return created


@transaction.atomic
def tag_save(*, actor: User, code: str, name: str, frequency: str, name_en: str = "", sort=0, is_active: bool = True,
             now: dt.datetime | None = None) -> CareTag:
    """Street staff and admins keep the list of care tags; a changed frequency reschedules its people."""
    now = now or timezone.now()
    _authed(actor)
    if not (selectors.is_admin(actor) or selectors._ids(actor)["streets"]):
        raise NotAllowed(_("Only street staff can change the care tags."))
    code = clean_text(code, field=_("the code"), max_length=40, required=True)
    if not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise ValidationFailed(_("The code may contain only letters, digits, “-” and “_”."), code="bad_code")
    name = clean_text(name, field=_("the name"), max_length=64, required=True)
    name_en = clean_text(name_en, field=_("the English name"), max_length=64)
    frequency = _frequency(frequency, required=True)
    try:
        sort = int(sort or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The order must be a whole number."), code="invalid")
    tag = CareTag.objects.select_for_update().filter(code=code).first()
    before = None
    if tag is None:
        tag = CareTag.objects.create(code=code, name=name, name_en=name_en, frequency=frequency, sort=max(sort, 0),
                                     is_active=bool(is_active))
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=tag, after={"frequency": frequency})
        return tag
    before = {"name": tag.name, "frequency": tag.frequency, "is_active": tag.is_active}
    tag.name, tag.name_en, tag.frequency, tag.sort, tag.is_active = name, name_en, frequency, max(sort, 0), bool(is_active)
    tag.save()
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=tag, before=before,
          after={"name": name, "frequency": frequency, "is_active": tag.is_active})
    if before["frequency"] != frequency:
        for pk in tag.subjects.filter(ended_on__isnull=True).values_list("pk", flat=True):
            _reschedule_locked(_lock_subject(pk), actor=None, now=now, system=True)
    return tag


def _frequency(value, *, required: bool = False) -> str:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("Choose how often to visit."), code="frequency_required")
        return ""
    try:
        return Frequency(value)
    except ValueError:
        raise ValidationFailed(_("Choose how often to visit from the list."), code="bad_frequency")


def _tags(values) -> list[CareTag]:
    if isinstance(values, (str, int, CareTag)):
        values = [values]
    chosen: dict[int, CareTag] = {}
    for value in values or []:
        if isinstance(value, CareTag):
            chosen[value.pk] = value
            continue
        text = str(value if value is not None else "").strip()
        if not text:
            continue
        tag = CareTag.objects.filter(code=text, is_active=True).first()
        if tag is None and text.isdigit():
            tag = CareTag.objects.filter(pk=int(text), is_active=True).first()
        if tag is None:
            raise ValidationFailed(_("Unknown care tag: choose tags from the list."), code="unknown_tag")
        chosen[tag.pk] = tag
    if not chosen:
        raise ValidationFailed(_("Choose at least one care tag."), code="tags_required")
    if len(chosen) > MAX_TAGS:
        raise ValidationFailed(_("Choose at most %(n)d care tags.") % {"n": MAX_TAGS}, code="too_many_tags")
    return list(chosen.values())


# ---------------------------------------------------------------- care subjects

def _lock_subject(pk) -> CareSubject:
    return lock_or_404(CareSubject.objects, _pk(pk, CareSubject))


def _visible_locked(actor, pk) -> CareSubject:
    subject = _lock_subject(pk)
    if not selectors.visible_subjects(actor).filter(pk=subject.pk).exists():
        raise NotFound()
    return subject


def _schedule(subject: CareSubject) -> dt.date | None:
    frequency = subject.frequency
    last = _local_date(subject.last_visit_at) if subject.last_visit_at else None
    if frequency is None:
        return subject.started_on
    return next_due(last, frequency, subject.started_on)


def _person(value) -> Person:
    person = value if isinstance(value, Person) else (
        Person.objects.select_related("household__building__grid__parent").filter(pk=value).first()
        if str(value or "").isdigit() else None)
    if person is None:
        raise ValidationFailed(_("Choose the person to care for."), code="unknown_person")
    if person.household_id is None:
        raise ValidationFailed(_("This person has no registered household, so no grid to visit them in."),
                               code="no_household")
    return person


def _responsible(value, grid: Region) -> User | None:
    if value in (None, ""):
        return None
    user = value if isinstance(value, User) else (
        User.objects.filter(pk=value).first() if str(value).isdigit() else None)
    if user is None or not user.roles.filter(role=AccountRole.GRID_WORKER, region=grid).exists():
        raise ValidationFailed(_("The responsible person must be a grid worker of the person's grid."),
                               code="bad_responsible")
    return user


def _date(value, *, field: str, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("Please fill in %(field)s.") % {"field": field}, code="required")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("%(field)s must be a date like 2024-05-01.") % {"field": field}, code="bad_date")


@busy_is_conflict()
@transaction.atomic
def subject_save(*, actor: User, person, tags, frequency_override: str = "", responsible=None, started_on=None,
                 note: str = "", now: dt.datetime | None = None) -> CareSubject:
    """Tag a resident for care (or change their tags): due at once, or from the start day."""
    now = now or timezone.now()
    _authed(actor)
    person = _person(person)
    household = Household.objects.select_related("building__grid__parent").get(pk=person.household_id)
    grid = household.building.grid
    if not selectors.can_manage_subject_in(actor, grid):
        raise NotAllowed(_("You can only care for residents of the grids or communities you work for."))
    chosen = _tags(tags)
    override = _frequency(frequency_override)
    who = _responsible(responsible, grid)
    note = clean_text(note, field=_("the note"), max_length=2000)
    started = _date(started_on, field=_("the start date"))
    existing = CareSubject.objects.select_for_update(of=("self",)).filter(person=person).first()
    if started is None:
        started = existing.started_on if existing is not None else _local_date(now)
    if existing is None:
        subject = CareSubject(person=person, household=household, grid=grid, community=grid.parent,
                              frequency_override=override, responsible=who, started_on=started, note=note,
                              status=SubjectStatus.DUE, created_by=actor, created_at=now, updated_at=now)
        try:
            with transaction.atomic():
                subject.save()
        except IntegrityError:
            raise Conflict(_("This person is already under care."), code="already_subject")
        subject.tags.set(chosen)
        subject.next_due = _schedule(subject)
        subject.status = schedule_status(subject.next_due, _local_date(now))
        CareSubject.objects.filter(pk=subject.pk).update(next_due=subject.next_due, status=subject.status)
        _event(Machine.SUBJECT, subject, "create", actor, now=now, status=subject.status,
               data={"tags": [t.code for t in chosen], "next_due": str(subject.next_due)})
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=subject,
              after={"tags": [t.code for t in chosen], "frequency": subject.frequency})
        if who is not None and who != actor:
            notify([who], verb="care_subject", title=_("You now visit %(name)s") % {"name": person.name},
                   url=reverse("visits:subject", args=[subject.pk]))
        return subject
    subject = existing
    if subject.status == SubjectStatus.ENDED:
        raise InvalidTransition(_("Care for this person has ended; resume it first."), code="subject_ended")
    before = {"tags": sorted(subject.tags.values_list("code", flat=True)), "frequency": subject.frequency}
    subject.tags.set(chosen)
    subject.frequency_override, subject.responsible, subject.started_on, subject.note = override, who, started, note
    CareSubject.objects.filter(pk=subject.pk).update(frequency_override=override, responsible=who, started_on=started,
                                                     note=note, household=household, grid=grid,
                                                     community=grid.parent)
    subject.household, subject.grid, subject.community = household, grid, grid.parent
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=subject, before=before,
          after={"tags": sorted(t.code for t in chosen), "frequency": subject.frequency})
    _reschedule_locked(subject, actor=actor, now=now)
    return subject


def _reschedule_locked(subject: CareSubject, *, actor, now, system: bool = False) -> None:
    due = _schedule(subject)
    if due == subject.next_due and schedule_status(due, _local_date(now)) == subject.status:
        return
    _apply(Machine.SUBJECT, subject, SubjectAction.RESCHEDULE, actor, now=now, system=system,
           fields={"next_due": due}, data={"next_due": str(due), "frequency": subject.frequency})


@busy_is_conflict()
@transaction.atomic
def subject_end(*, actor: User, subject, note: str, expected_version=None,
                now: dt.datetime | None = None) -> CareSubject:
    """Care ends (moved away, passed away, no longer vulnerable): off the due lists."""
    now = now or timezone.now()
    _authed(actor)
    locked = _visible_locked(actor, subject)
    _apply(Machine.SUBJECT, locked, SubjectAction.END, actor, note=note, now=now, expected_version=expected_version,
           fields={"ended_on": _local_date(now), "next_due": None})
    return locked


@busy_is_conflict()
@transaction.atomic
def subject_resume(*, actor: User, subject, now: dt.datetime | None = None) -> CareSubject:
    now = now or timezone.now()
    _authed(actor)
    locked = _visible_locked(actor, subject)
    scheduled = _schedule(locked)
    due = max(scheduled, _local_date(now)) if scheduled else _local_date(now)  # resumed: due at once at the latest
    _apply(Machine.SUBJECT, locked, SubjectAction.RESUME, actor, now=now, fields={"ended_on": None, "next_due": due})
    return locked


@transaction.atomic
def reveal_personal(*, actor: User, subject, field: str = "phone") -> str:
    """The full phone or ID number, for who visits or supervises; every reveal is logged."""
    _authed(actor)
    subject = selectors.get_subject(actor, _pk(subject, CareSubject))
    if field not in ("phone", "id_number"):
        raise ValidationFailed(_("Unknown field."), code="invalid")
    if not selectors.can_reveal(actor, subject):
        raise NotAllowed()
    audit(actor=actor, action=AuditLog.Action.VIEW_PERSONAL, obj=subject.person, fields=[field],
          note="visits: care subject's personal data shown")
    return getattr(subject.person, field)


# ---------------------------------------------------------------- visits

def _visited_at(value, *, now, subject) -> dt.datetime:
    if value in (None, ""):
        return now
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(value.strip())
        if parsed is None:
            day = _date(value, field=_("the visit time"))
            parsed = dt.datetime.combine(day, dt.time(10, 0))
        value = parsed
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(10, 0))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("The visit cannot be in the future."), code="bad_time")
    if value < now - dt.timedelta(days=MAX_BACKDATE_DAYS):
        raise ValidationFailed(_("Visits older than %(n)d days cannot be recorded.") % {"n": MAX_BACKDATE_DAYS},
                               code="bad_time")
    if subject.last_visit_at and value < subject.last_visit_at:
        raise ValidationFailed(_("A later visit is already recorded; record visits in order."), code="bad_time")
    return value


def _flags(values) -> list[str]:
    if isinstance(values, str):
        values = [values]
    flags = []
    for value in values or []:
        if value in (None, ""):
            continue
        try:
            flag = Wellbeing(value)
        except ValueError:
            raise ValidationFailed(_("Unknown wellbeing flag: choose from the list."), code="bad_flag")
        if flag not in flags:
            flags.append(flag.value)
    return flags


@busy_is_conflict()
@transaction.atomic
def visit_record(*, actor: User, subject, mode: str = Mode.HOME, findings: str = "", flags=(), visited_at=None,
                 lng=None, lat=None, photos=(), appeal: dict | None = None, order: dict | None = None,
                 dispute: dict | None = None, expected_version=None, now: dt.datetime | None = None) -> Visit:
    """走访: record a visit, move the due date, and in the same step open an
    appeal, a service order or a dispute from what was found (all or nothing)."""
    now = now or timezone.now()
    _authed(actor)
    images = check_images(photos)  # before any write: a bad file saves nothing
    locked = _visible_locked(actor, subject)
    try:
        mode = Mode(mode or Mode.HOME)
    except ValueError:
        raise ValidationFailed(_("Choose home visit, phone call or video call."), code="bad_mode")
    findings = clean_text(findings, field=_("the findings"), max_length=4000,
                          required=any(x is not None for x in (appeal, order, dispute)))
    flag_list = _flags(flags)
    when = _visited_at(visited_at, now=now, subject=locked)
    lng_f, lat_f = _coords(lng, lat)
    if selectors.permitted_role(Machine.SUBJECT, locked, actor, SubjectAction.VISIT) is None:
        raise NotAllowed(_("Only the grid's workers and community staff record visits."))
    if locked.status == SubjectStatus.ENDED:
        raise InvalidTransition(_("Care for this person has ended; resume it first."), code="subject_ended")
    due_before = locked.next_due
    visit_day = _local_date(when)
    locked.last_visit_at = when
    due_after = _schedule(locked)
    visit = Visit.objects.create(
        subject=locked, visitor=actor, visitor_name=actor_name(actor), visited_at=when, mode=mode, lng=lng_f,
        lat=lat_f, findings=findings, flags=flag_list, due_on=due_before,
        on_time=due_before is None or visit_day <= due_before, next_due=due_after, created_at=now)
    _save_photos(images, actor, visit=visit)
    _apply(Machine.SUBJECT, locked, SubjectAction.VISIT, actor, now=now, expected_version=expected_version,
           fields={"last_visit_at": when, "next_due": due_after, "overdue_notified_on": None},
           data={"visit": visit.pk, "mode": mode, "next_due": str(due_after), "on_time": visit.on_time})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=visit,
          after={"subject": locked.pk, "mode": mode, "flags": flag_list, "on_time": visit.on_time})
    links = {}
    if appeal is not None:
        links["appeal"] = _open_appeal(actor, locked, appeal, findings, images, now)
    if order is not None:
        links["service_order"] = _open_order(actor, locked, order, findings, now)
    if dispute is not None:
        links["dispute"] = _open_dispute(actor, locked, dispute, findings, now)
    if links:
        Visit.objects.filter(pk=visit.pk).update(**links)
        for k, v in links.items():
            setattr(visit, k, v)
        _event(Machine.SUBJECT, locked, "opened", actor, now=now, status=locked.status,
               data={k: v.pk for k, v in links.items()})
        audit(actor=actor, action=AuditLog.Action.UPDATE, obj=visit, after={k: v.pk for k, v in links.items()},
              note="visits.visit_opened")
    return visit


def _open_appeal(actor, subject: CareSubject, spec: dict, findings: str, images, now):
    from appeals.services import appeal_submit
    from appeals.workflow import Channel

    person = subject.person
    return appeal_submit(
        actor=actor, title=spec.get("title") or "", content=spec.get("content") or findings,
        category=spec.get("category"), channel=Channel.VISIT, building_id=subject.household.building_id,
        urgency=spec.get("urgency") or "normal", reporter_name=person.name, reporter_phone=person.phone,
        address=str(subject.household), photos=_as_uploads(images), now=now)


def _open_order(actor, subject: CareSubject, spec: dict, findings: str, now):
    from services.services import order_submit
    from services.workflow import Channel

    if not selectors.can_open_order(actor, subject):
        raise NotAllowed(_("Only community staff, or the grid worker of the household on a visit, can record a "
                           "service order for a resident."))
    person = subject.person
    return order_submit(
        actor=actor, kind=spec.get("kind") or "service", content=spec.get("content") or findings,
        title=spec.get("title") or "", skills=spec.get("skills") or (), channel=Channel.VISIT,
        requester_name=person.name, requester_phone=person.phone, household=subject.household,
        preferred_time=spec.get("preferred_time") or "", now=now)


def _open_dispute(actor, subject: CareSubject, spec: dict, findings: str, now):
    from mediation.services import dispute_record

    person = subject.person
    parties = spec.get("parties") or [{"name": person.name, "phone": person.phone, "role": "applicant"}]
    return dispute_record(actor=actor, title=spec.get("title") or findings[:30], description=spec.get("description")
                          or findings, dispute_type=spec.get("dispute_type") or "", source="visit", parties=parties,
                          grid=subject.grid, now=now)


# ---------------------------------------------------------------- the daily sweep

def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: subjects fall due and overdue by the dates, their grid workers
    hear of an overdue visit once a day, patrols left open since an earlier day close."""
    now = now or timezone.now()
    day = _local_date(now)
    counts = {"fell_due": 0, "lapsed": 0, "notified": 0, "patrols_closed": 0}
    live = CareSubject.objects.filter(ended_on__isnull=True, next_due__isnull=False).exclude(
        status=SubjectStatus.ENDED)
    for pk in live.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                subject = _lock_subject(pk)
                target = schedule_status(subject.next_due, day)
                if target == subject.status or subject.status == SubjectStatus.ENDED:
                    pass
                elif target == SubjectStatus.OVERDUE:
                    _apply(Machine.SUBJECT, subject, SubjectAction.LAPSE, None, now=now, system=True)
                    counts["lapsed"] += 1
                elif target == SubjectStatus.DUE and subject.status == SubjectStatus.OK:
                    _apply(Machine.SUBJECT, subject, SubjectAction.FALL_DUE, None, now=now, system=True)
                    counts["fell_due"] += 1
                if subject.status == SubjectStatus.OVERDUE and subject.overdue_notified_on != day:
                    CareSubject.objects.filter(pk=pk).update(overdue_notified_on=day)
                    users = [subject.responsible] if subject.responsible_id else _grid_workers(subject.grid_id)
                    notify(users, verb="visit_overdue",
                           title=_("Visit overdue: %(name)s (due %(due)s)") % {
                               "name": subject.person.name, "due": subject.next_due.isoformat()},
                           url=reverse("visits:subject", args=[pk]))
                    counts["notified"] += 1
        except (Conflict, InvalidTransition):
            continue  # someone visited meanwhile: nothing to do
    start_of_day = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    for pk in Patrol.objects.filter(status=PatrolStatus.OPEN, started_at__lt=start_of_day).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                patrol = _lock_patrol(pk)
                _apply(Machine.PATROL, patrol, PatrolAction.AUTO_CLOSE, None, now=now, system=True,
                       fields={"ended_at": now})
                counts["patrols_closed"] += 1
        except (Conflict, InvalidTransition):
            continue
    return counts


# ---------------------------------------------------------------- 敲门行动

def _campaign_households(community: Region, grid: Region | None, target: str):
    qs = Household.objects.filter(building__grid__parent=community)
    if grid is not None:
        qs = qs.filter(building__grid=grid)
    if target == CampaignTarget.TAGGED:
        qs = qs.filter(care_subjects__isnull=False, care_subjects__ended_on__isnull=True).distinct()
    return qs.order_by("building_id", "entrance", "room")


def _region(value, level, message) -> Region | None:
    if value in (None, ""):
        return None
    if isinstance(value, Region):
        region = value
    else:
        text = str(value).strip()
        region = Region.objects.filter(code=text, level=level).first()
        if region is None and text.isdigit() and len(text) < 10:
            region = Region.objects.filter(pk=int(text), level=level).first()
    if region is None or region.level != level:
        raise ValidationFailed(message, code=f"unknown_{level}")
    return region


@transaction.atomic
def campaign_create(*, actor: User, title: str, starts_on, ends_on, community=None, grid=None,
                    target: str = CampaignTarget.ALL, description: str = "",
                    now: dt.datetime | None = None) -> Campaign:
    """Plan a door-knocking drive over the households of a community or a grid (a draft until started)."""
    now = now or timezone.now()
    _authed(actor)
    title = clean_text(title, field=_("the title"), max_length=120, required=True)
    description = clean_text(description, field=_("the description"), max_length=4000)
    grid_region = _region(grid, Region.Level.GRID, _("Unknown grid."))
    community_region = _region(community, Region.Level.COMMUNITY, _("Unknown community."))
    if grid_region is not None:
        if community_region is not None and grid_region.parent_id != community_region.pk:
            raise ValidationFailed(_("The grid is not in that community."), code="grid_mismatch")
        community_region = grid_region.parent
    if community_region is None:
        managed = list(selectors.staff_communities(actor)[:2])
        if len(managed) != 1:
            raise ValidationFailed(_("Choose the community of the drive."), code="community_required")
        community_region = managed[0]
    if not selectors.is_staff_for(actor, community_region.pk, community_region.parent_id):
        raise NotAllowed(_("Only staff of the community can plan a door-knocking drive."))
    try:
        target = CampaignTarget(target or CampaignTarget.ALL)
    except ValueError:
        raise ValidationFailed(_("Choose every household or only those with people under care."), code="bad_target")
    start = _date(starts_on, field=_("the start date"), required=True)
    end = _date(ends_on, field=_("the end date"), required=True)
    if end < start:
        raise ValidationFailed(_("The end date must not be before the start date."), code="bad_period")
    if (end - start).days > MAX_CAMPAIGN_DAYS:
        raise ValidationFailed(_("A drive lasts at most a year."), code="bad_period")
    households = list(_campaign_households(community_region, grid_region, target).values_list("pk", flat=True))
    if not households:
        raise ValidationFailed(_("There are no households in this scope to knock on."), code="no_households")
    campaign = Campaign.objects.create(title=title, description=description, community=community_region,
                                       grid=grid_region, target=target, starts_on=start, ends_on=end,
                                       status=CampaignStatus.DRAFT, created_by=actor, created_at=now, updated_at=now)
    Knock.objects.bulk_create([Knock(campaign=campaign, household_id=pk) for pk in households])
    _event(Machine.CAMPAIGN, campaign, "create", actor, now=now, status=CampaignStatus.DRAFT,
           data={"households": len(households)})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=campaign,
          after={"households": len(households), "target": target, "grid": grid_region.pk if grid_region else None})
    return campaign


@busy_is_conflict()
@transaction.atomic
def campaign_transition(*, actor: User, campaign, action: str, note: str = "", expected_version=None,
                        now: dt.datetime | None = None) -> Campaign:
    now = now or timezone.now()
    _authed(actor)
    locked = lock_or_404(Campaign.objects, _pk(campaign, Campaign))
    if not selectors.visible_campaigns(actor).filter(pk=locked.pk).exists():
        raise NotFound()
    fields = {}
    if action == CampaignAction.START:
        fields["started_at"] = now
    elif action == CampaignAction.FINISH:
        fields["finished_at"] = now
    elif action == CampaignAction.REOPEN:
        fields["finished_at"] = None
    _apply(Machine.CAMPAIGN, locked, action, actor, note=note, now=now, expected_version=expected_version,
           fields=fields)
    if action == CampaignAction.START:
        grids = [locked.grid_id] if locked.grid_id else list(
            Region.objects.filter(parent_id=locked.community_id, level=Region.Level.GRID).values_list("pk", flat=True))
        workers = {u for g in grids for u in _grid_workers(g)}
        notify(workers, verb="campaign_started", title=_("Door-knocking drive started: %(t)s") % {"t": locked.title},
               url=reverse("visits:campaign", args=[locked.pk]))
    return locked


@busy_is_conflict()
@transaction.atomic
def knock_record(*, actor: User, knock, result: str, expected_version, note: str = "", appeal: dict | None = None,
                 now: dt.datetime | None = None) -> Knock:
    """One knock on one door. `expected_version` is what the screen showed: of two
    workers recording the same household at once, exactly one wins."""
    now = now or timezone.now()
    _authed(actor)
    pk = _pk(knock, Knock)
    locked = lock_or_404(Knock.objects.select_related("household__building__grid", "campaign"), pk)
    if not selectors.visible_campaigns(actor).filter(pk=locked.campaign_id).exists():
        raise NotFound()
    if not selectors.can_knock(actor, locked):
        raise NotAllowed(_("Only grid workers of this household's grid and community staff record knocks."))
    if locked.campaign.status != CampaignStatus.RUNNING:
        raise InvalidTransition(_("Knocks are recorded only while the drive is running."), code="campaign_not_running")
    if expected_version in (None, ""):
        raise ValidationFailed(_("Reload the checklist and try again."), code="version_required")
    try:
        stale = int(expected_version) != locked.version
    except (TypeError, ValueError):
        stale = True
    if stale:
        raise Conflict(_("Someone else has just recorded this household. Reload the checklist."), code="conflict")
    try:
        result = KnockResult(result)
    except ValueError:
        result = None
    if result not in KNOCKED:
        raise ValidationFailed(_("Choose what happened at the door."), code="bad_result")
    note = clean_text(note, field=_("the note"), max_length=2000, required=bool(appeal))
    old = locked.result
    values = {"result": result, "note": note, "attempts": locked.attempts + 1, "knocked_by": actor,
              "knocked_at": now, "version": locked.version + 1}
    if Knock.objects.filter(pk=locked.pk, version=locked.version).update(**values) != 1:
        raise Conflict()
    for k, v in values.items():
        setattr(locked, k, v)
    _event(Machine.CAMPAIGN, locked.campaign, "knock", actor, now=now, status=CampaignStatus.RUNNING, note=note,
           data={"knock": locked.pk, "household": locked.household_id, "result": result, "before": old})
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, before={"result": old}, after={"result": result},
          note="visits.knock")
    if appeal:
        if locked.appeal_id:
            raise Conflict(_("An appeal has already been opened for this household in this drive."),
                           code="already_reported")
        from appeals.services import appeal_submit
        from appeals.workflow import Channel

        opened = appeal_submit(actor=actor, title=appeal.get("title") or "", content=appeal.get("content") or note,
                               category=appeal.get("category"), channel=Channel.VISIT,
                               building_id=locked.household.building_id, address=str(locked.household),
                               urgency=appeal.get("urgency") or "normal", now=now)
        Knock.objects.filter(pk=locked.pk).update(appeal=opened)
        locked.appeal = opened
        audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, after={"appeal": opened.pk},
              note="visits.knock_appeal")
    return locked


# ---------------------------------------------------------------- patrols

def _lock_patrol(pk) -> Patrol:
    return lock_or_404(Patrol.objects, _pk(pk, Patrol))


def _grid_in(grid_id, lng, lat) -> bool | None:
    if lng is None:
        return None
    from regions.selectors import grid_at

    found = grid_at(lng, lat)
    return found is not None and found.pk == grid_id


@busy_is_conflict()
@transaction.atomic
def patrol_start(*, actor: User, grid=None, lng=None, lat=None, now: dt.datetime | None = None) -> Patrol:
    """Check in for a daily patrol at the current location. One open patrol per worker."""
    now = now or timezone.now()
    _authed(actor)
    mine = list(selectors.worker_grids(actor))
    if not mine:
        raise NotAllowed(_("Only grid workers go on patrol."))
    lng_f, lat_f = _coords(lng, lat)
    chosen = _region(grid, Region.Level.GRID, _("Unknown grid."))
    if chosen is not None and chosen.pk not in {g.pk for g in mine}:
        raise NotAllowed(_("You can only patrol your own grids."))
    if chosen is None:
        if len(mine) == 1:
            chosen = mine[0]
        elif lng_f is not None:
            chosen = next((g for g in mine if _grid_in(g.pk, lng_f, lat_f)), None)
        if chosen is None:
            raise ValidationFailed(_("Choose the grid you patrol."), code="grid_required")
    if Patrol.objects.filter(worker=actor, status=PatrolStatus.OPEN).exists():
        raise Conflict(_("You are already on patrol; end it before starting another."), code="patrol_open")
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(
                worker=actor, grid=chosen, community=chosen.parent, status=PatrolStatus.OPEN, started_at=now,
                start_lng=lng_f, start_lat=lat_f, start_in_grid=_grid_in(chosen.pk, lng_f, lat_f),
                route=[[lng_f, lat_f, now.isoformat()]] if lng_f is not None else [])
    except IntegrityError:
        raise Conflict(_("You are already on patrol; end it before starting another."), code="patrol_open")
    _event(Machine.PATROL, patrol, "start", actor, now=now, status=PatrolStatus.OPEN,
           data={"lng": lng_f, "lat": lat_f, "in_grid": patrol.start_in_grid})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=patrol, after={"grid": chosen.pk, "in_grid": patrol.start_in_grid})
    return patrol


def _own_open_patrol(actor, patrol) -> Patrol:
    locked = _lock_patrol(patrol)
    if not selectors.visible_patrols(actor).filter(pk=locked.pk).exists():
        raise NotFound()
    if locked.worker_id != actor.pk:
        raise NotAllowed(_("Only the grid worker on this patrol can do this."))
    if locked.status != PatrolStatus.OPEN:
        raise InvalidTransition(_("This patrol has ended."), code="patrol_closed")
    return locked


@busy_is_conflict()
@transaction.atomic
def patrol_track(*, actor: User, patrol, lng, lat, now: dt.datetime | None = None) -> Patrol:
    """One point of the route (the page sends one every few minutes while on patrol)."""
    now = now or timezone.now()
    _authed(actor)
    lng_f, lat_f = _coords(lng, lat, required=True)
    locked = _own_open_patrol(actor, patrol)
    route = list(locked.route or [])
    if len(route) >= MAX_ROUTE_POINTS:
        return locked
    route.append([lng_f, lat_f, now.isoformat()])
    Patrol.objects.filter(pk=locked.pk).update(route=route)
    locked.route = route
    return locked


@busy_is_conflict()
@transaction.atomic
def patrol_end(*, actor: User, patrol, lng=None, lat=None, note: str = "", expected_version=None,
               now: dt.datetime | None = None) -> Patrol:
    """Check out: the patrol closes; findings not yet reported stay on it to report later."""
    now = now or timezone.now()
    _authed(actor)
    lng_f, lat_f = _coords(lng, lat)
    locked = _lock_patrol(patrol)
    if not selectors.visible_patrols(actor).filter(pk=locked.pk).exists():
        raise NotFound()
    route = list(locked.route or [])
    if lng_f is not None and len(route) < MAX_ROUTE_POINTS:
        route.append([lng_f, lat_f, now.isoformat()])
    note = clean_text(note, field=_("the note"), max_length=2000)
    _apply(Machine.PATROL, locked, PatrolAction.END, actor, now=now, expected_version=expected_version,
           fields={"ended_at": now, "end_lng": lng_f, "end_lat": lat_f, "route": route, "note": note},
           data={"lng": lng_f, "lat": lat_f})
    return locked


def _category(value):
    if value in (None, ""):
        return None
    from appeals.models import Category

    category = value if isinstance(value, Category) else (
        Category.objects.filter(code=str(value).strip(), is_active=True).first()
        or (Category.objects.filter(pk=int(value), is_active=True).first() if str(value).isdigit() else None))
    if category is None:
        raise ValidationFailed(_("Unknown category: choose one from the list."), code="unknown_category")
    return category


@busy_is_conflict()
@transaction.atomic
def finding_add(*, actor: User, patrol, note: str, lng=None, lat=None, photos=(), category=None,
                now: dt.datetime | None = None) -> PatrolFinding:
    """Note what was seen on patrol, with photos and where."""
    now = now or timezone.now()
    _authed(actor)
    images = check_images(photos)
    note = clean_text(note, field=_("the finding"), min_length=5, max_length=2000, required=True)
    lng_f, lat_f = _coords(lng, lat)
    chosen = _category(category)
    locked = _own_open_patrol(actor, patrol)
    finding = PatrolFinding.objects.create(patrol=locked, note=note, category=chosen, lng=lng_f, lat=lat_f,
                                           status=FindingStatus.NOTED, created_at=now)
    _save_photos(images, actor, finding=finding)
    _event(Machine.FINDING, finding, "note", actor, now=now, status=FindingStatus.NOTED,
           data={"lng": lng_f, "lat": lat_f, "photos": len(images)})
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=finding, after={"patrol": locked.pk, "photos": len(images)})
    return finding


def _lock_finding(actor, finding) -> PatrolFinding:
    locked = lock_or_404(PatrolFinding.objects.select_related("patrol__grid"), _pk(finding, PatrolFinding))
    if not selectors.visible_patrols(actor).filter(pk=locked.patrol_id).exists():
        raise NotFound()
    return locked


@busy_is_conflict()
@transaction.atomic
def finding_report(*, actor: User, finding, category=None, title: str = "", content: str = "",
                   urgency: str = "normal", expected_version=None, now: dt.datetime | None = None):
    """Report a finding as an appeal of channel patrol, in one step; linked both ways."""
    from appeals.services import appeal_submit
    from appeals.workflow import Channel

    now = now or timezone.now()
    _authed(actor)
    locked = _lock_finding(actor, finding)
    chosen = _category(category) or locked.category
    if chosen is None:
        raise ValidationFailed(_("Choose the category of the problem."), code="category_required")
    _apply(Machine.FINDING, locked, FindingAction.REPORT, actor, now=now, expected_version=expected_version,
           fields={"category": chosen})
    uploads = []
    for photo in locked.photos.all():
        with photo.file.open("rb") as fh:
            uploads.append(ContentFile(fh.read(), name=photo.original_name or "photo.jpg"))
    place = {"lng": locked.lng, "lat": locked.lat} if locked.lng is not None else {"grid_code": locked.patrol.grid.code}
    appeal = appeal_submit(actor=actor, title=title or "", content=content or locked.note, category=chosen,
                           channel=Channel.PATROL, urgency=urgency or "normal", photos=uploads, now=now, **place)
    PatrolFinding.objects.filter(pk=locked.pk).update(appeal=appeal)
    locked.appeal = appeal
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, after={"appeal": appeal.pk},
          note="visits.finding_reported")
    return appeal


@busy_is_conflict()
@transaction.atomic
def finding_transition(*, actor: User, finding, action: str, note: str = "", expected_version=None,
                       now: dt.datetime | None = None) -> PatrolFinding:
    """Dismiss a finding (nothing to report) or restore it."""
    now = now or timezone.now()
    _authed(actor)
    if action == FindingAction.REPORT:
        raise ValidationFailed(_("Report a finding with its category."), code="invalid")
    locked = _lock_finding(actor, finding)
    _apply(Machine.FINDING, locked, action, actor, note=note, now=now, expected_version=expected_version)
    return locked
