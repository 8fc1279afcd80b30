"""Every write of the party app: 双报到 registrations, co-building projects,
the member's plaque and served households, evaluations, votes and awards.

Each public function runs in one transaction, checks who may act, validates
its input with a translatable message, writes an audit row and, for workflow
records, an event row of its own (DualReportEvent, ProjectUpdate,
EvaluationEvent). Which state changes are possible is decided by
`workflow.TRANSITIONS` alone. Concurrent actions on one record lock its row
(or update it conditionally); the loser gets Conflict or InvalidTransition.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import home_community, manages_community
from core.audit import actor_name, audit
from core.db import serialised
from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.notify import notify
from core.text import clean_text
from people.models import Person, Unit
from regions.models import Building, Household, Region

from .models import (
    Award,
    CoBuildingProject,
    DualReport,
    DualReportEvent,
    Evaluation,
    EvaluationEvent,
    Nomination,
    PartyMember,
    ProjectUpdate,
    Vote,
)
from .selectors import SHANGHAI, can_manage_member, can_update_project, lives_in, member_of, user_of
from .workflow import DualStatus, EvaluationStatus, NominationStatus, allowed, resolve_target, transition

MAX_WINNERS = 50
MAX_VOTES_PER_VOTER = 20
MAX_AWARD_POINTS = 1000


# ---------------------------------------------------------------- input

def _authenticated(actor) -> User:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAllowed()
    return actor


def _pk(value, model, *, message=None):
    """The record as it stands in the database, from an instance or an id (a
    caller's instance may be stale); a garbled id is 'not found', never a 500."""
    if isinstance(value, model):
        value = value.pk
    text = str(value if value is not None else "").strip()
    obj = model.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else None
    if obj is None:
        raise NotFound(message) if message else NotFound()
    return obj


def _community(value) -> Region:
    if value in (None, ""):
        raise ValidationFailed(_("Choose a community."), code="required")
    region = _pk(value, Region, message=_("Unknown community."))
    if region.level != Region.Level.COMMUNITY:
        raise ValidationFailed(_("Choose a community (社区), not another kind of place."), code="not_community")
    return region


def _int(value, *, field: str, low: int, high: int, default: int | None = None) -> int:
    if value in (None, "") and default is not None:
        return default
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(field)s must be a whole number.") % {"field": field}, code="invalid")
    if not low <= number <= high:
        raise ValidationFailed(_("%(field)s must be between %(low)d and %(high)d.") % {"field": field, "low": low,
                                                                                     "high": high}, code="out_of_range")
    return number


def _date(value, *, field: str, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(_("Please fill in %(field)s.") % {"field": field}, code="required")
        return None
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("%(field)s must be a date like 2026-05-01.") % {"field": field}, code="invalid")
    return parsed


def _moment(value, *, field: str) -> dt.datetime:
    """A date-time; a bare date means the end of that day in Shanghai (a deadline)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValidationFailed(_("Please fill in %(field)s.") % {"field": field}, code="required")
        try:
            moment = parse_datetime(text.replace(" ", "T")) if ("T" in text or " " in text or ":" in text) else None
            day = None if moment else parse_date(text)
        except ValueError:
            moment = day = None
        if moment is None and day is None:
            raise ValidationFailed(_("%(field)s must be a date like 2026-05-01 or a date and time.") % {"field": field},
                                   code="invalid")
        if moment is None:
            moment = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def _staff_of(community_ids) -> list[User]:
    return list(User.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__region_id__in=list(community_ids)).distinct())


# ---------------------------------------------------------------- 双报到

@serialised
def dual_report_register(*, actor: User, kind: str = DualReport.Kind.MEMBER, community=None, member=None, unit=None,
                         note: str = "", now: dt.datetime | None = None) -> DualReport:
    """Register an in-service member (themself, or by community staff) or an
    employer unit (by community staff) with a residential community."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    note = clean_text(note, field=_("the note"), max_length=200)
    if kind == DualReport.Kind.MEMBER:
        report = _register_member(actor=actor, community=community, member=member, note=note, now=now)
    elif kind == DualReport.Kind.UNIT:
        report = _register_unit(actor=actor, community=community, unit=unit, note=note, now=now)
    else:
        raise ValidationFailed(_("Choose whether a member or a unit registers."), code="invalid_kind")
    DualReportEvent.objects.create(report=report, action="register", from_status="", to_status=DualStatus.ACTIVE,
                                   actor=actor, actor_name=actor_name(actor), at=now, note=note)
    audit(actor=actor, action="party.dual_report.register", obj=report,
          after={"kind": report.kind, "member": report.member_id, "unit": report.unit_id,
                 "community": report.community_id})
    return report


def _register_member(*, actor, community, member, note, now) -> DualReport:
    own = member_of(actor)
    if member in (None, ""):
        if own is None:
            raise NotAllowed(_("Only party members can register themselves."))
        member = own
    else:
        member = _pk(member, PartyMember, message=_("Unknown party member."))
    is_self = own is not None and own.pk == member.pk
    if community in (None, "") and is_self:
        community = home_community(actor)
        if community is None:
            raise ValidationFailed(_("We do not know which community you live in. Ask your community's staff to "
                                     "register you."), code="no_home_community")
    community = _community(community)
    if not manages_community(actor, community):
        if not is_self:
            raise NotAllowed(_("Only staff of this community can register members with it."))
        here = home_community(actor)
        if here is None or here.pk != community.pk:
            raise NotAllowed(_("You can register only with the community you live in; ask that community's staff "
                               "otherwise."))
    if member.employer_id is None:
        raise ValidationFailed(_("Only in-service party members (with an employer unit) take part in 双报到."),
                               code="not_in_service")
    current = DualReport.objects.filter(kind=DualReport.Kind.MEMBER, member=member, status=DualStatus.ACTIVE) \
        .select_related("community").first()
    if current is not None:
        raise Conflict(_("%(name)s is already registered with %(community)s; end that registration first.")
                       % {"name": member.person.name, "community": current.community.name}, code="already_registered")
    try:
        with transaction.atomic():
            report = DualReport.objects.create(kind=DualReport.Kind.MEMBER, member=member, community=community,
                                               registered_at=now, registered_by=actor, note=note)
    except IntegrityError:
        raise Conflict(_("This member has just been registered by someone else."), code="already_registered")
    member_user = user_of(member.person)
    if is_self:
        notify(_staff_of([community.pk]), verb="dual_report",
               title=_("%(name)s registered with your community (双报到)") % {"name": member.person.name},
               url=reverse("party:dual") + f"?community={community.pk}")
    elif member_user is not None:
        notify([member_user], verb="dual_report",
               title=_("You are registered with %(community)s (双报到)") % {"community": community.name},
               url=reverse("party:my_record"))
    return report


def _register_unit(*, actor, community, unit, note, now) -> DualReport:
    community = _community(community)
    if not manages_community(actor, community):
        raise NotAllowed(_("Only staff of this community can register units with it."))
    if unit in (None, ""):
        raise ValidationFailed(_("Choose a unit."), code="required")
    unit = _pk(unit, Unit, message=_("Unknown unit."))
    if not unit.is_active:
        raise ValidationFailed(_("This unit is no longer active."), code="inactive_unit")
    if DualReport.objects.filter(kind=DualReport.Kind.UNIT, unit=unit, community=community,
                                 status=DualStatus.ACTIVE).exists():
        raise Conflict(_("%(unit)s is already registered with %(community)s.") % {"unit": unit.name,
                                                                                  "community": community.name},
                       code="already_registered")
    try:
        with transaction.atomic():
            return DualReport.objects.create(kind=DualReport.Kind.UNIT, unit=unit, community=community,
                                             registered_at=now, registered_by=actor, note=note)
    except IntegrityError:
        raise Conflict(_("This unit has just been registered by someone else."), code="already_registered")


@serialised
def dual_report_end(*, actor: User, report, note: str = "", now: dt.datetime | None = None) -> DualReport:
    """End a registration (moved away, changed employer). Staff of the community
    may end any; a member may end their own."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    report = _pk(report, DualReport)
    own = report.kind == DualReport.Kind.MEMBER and actor.person_id is not None \
        and report.member.person_id == actor.person_id
    if not (own or manages_community(actor, report.community_id)):
        raise NotFound()  # not theirs to see, let alone end
    note = clean_text(note, field=_("the note"), max_length=200)
    t = transition("dual_report", "end")
    if not allowed("dual_report", "end", report.status):
        raise InvalidTransition(_("This registration has already ended."))
    changed = DualReport.objects.filter(pk=report.pk, status=DualStatus.ACTIVE).update(
        status=t.target, ended_at=now, ended_by=actor)
    if not changed:  # someone else ended it a moment ago
        raise InvalidTransition(_("This registration has already ended."))
    DualReportEvent.objects.create(report=report, action="end", from_status=DualStatus.ACTIVE, to_status=t.target,
                                   actor=actor, actor_name=actor_name(actor), at=now, note=note)
    audit(actor=actor, action="party.dual_report.end", obj=report, before={"status": DualStatus.ACTIVE},
          after={"status": t.target}, note=note)
    report.refresh_from_db()
    return report


# ---------------------------------------------------------------- 共建项目

@serialised
def project_create(*, actor: User, unit, community, title: str, description: str = "", target: str = "",
                   due_date=None, pledged_at=None, now: dt.datetime | None = None) -> CoBuildingProject:
    """A co-building pledge between a unit registered with the community and the community."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    community = _community(community)
    if not manages_community(actor, community):
        raise NotAllowed(_("Only staff of this community can record co-building projects."))
    if unit in (None, ""):
        raise ValidationFailed(_("Choose a unit."), code="required")
    unit = _pk(unit, Unit, message=_("Unknown unit."))
    if not DualReport.objects.filter(kind=DualReport.Kind.UNIT, unit=unit, community=community,
                                     status=DualStatus.ACTIVE).exists():
        raise ValidationFailed(_("Register %(unit)s with %(community)s (双报到) before recording its projects.")
                               % {"unit": unit.name, "community": community.name}, code="unit_not_registered")
    title = clean_text(title, field=_("the title"), min_length=2, max_length=100, required=True)
    description = clean_text(description, field=_("the description"), max_length=4000)
    target = clean_text(target, field=_("the target"), max_length=300)
    pledged = _date(pledged_at, field=_("the pledge date")) or _today(now)
    due = _date(due_date, field=_("the due date"))
    if due is not None and due < pledged:
        raise ValidationFailed(_("The due date cannot be before the pledge date."), code="due_before_pledge")
    project = CoBuildingProject.objects.create(unit=unit, community=community, title=title, description=description,
                                               target=target, pledged_at=pledged, due_date=due, created_by=actor,
                                               created_at=now, updated_at=now)
    audit(actor=actor, action="party.project.create", obj=project,
          after={"unit": unit.pk, "community": community.pk, "title": title})
    handlers = User.objects.filter(roles__role=Role.UNIT_HANDLER, roles__unit=unit).distinct()
    notify(handlers, verb="co_building", title=_("New co-building project with %(community)s: %(title)s")
           % {"community": community.name, "title": title}, url=reverse("party:project", args=[project.pk]))
    return project


@serialised
def project_update(*, actor: User, project, progress, note: str, expected_version=None,
                   now: dt.datetime | None = None) -> ProjectUpdate:
    """Report progress (0–100 %); 100 % marks the project done."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    pk = project.pk if isinstance(project, CoBuildingProject) else project
    project = _pk(pk, CoBuildingProject)
    project = CoBuildingProject.objects.select_for_update(of=("self",)).select_related("unit", "community").get(
        pk=project.pk)
    if not can_update_project(actor, project):
        raise NotAllowed(_("Only staff of the community and the unit's handlers can report progress."))
    if expected_version not in (None, ""):
        if str(expected_version).strip() != str(project.version):
            raise Conflict()
    t = transition("project", "update")
    if not allowed("project", "update", project.status):
        raise InvalidTransition(_("This project is done; no more progress can be reported."))
    progress = _int(progress, field=_("Progress"), low=0, high=100)
    note = clean_text(note, field=_("what was done"), min_length=2, max_length=2000, required=True)
    old_status = project.status
    new_status = resolve_target(t, progress=progress)
    CoBuildingProject.objects.filter(pk=project.pk).update(progress=progress, status=new_status, updated_at=now,
                                                           version=project.version + 1)
    update = ProjectUpdate.objects.create(project=project, progress=progress, from_status=old_status,
                                          to_status=new_status, note=note, at=now, by=actor, by_name=actor_name(actor))
    audit(actor=actor, action="party.project.update", obj=project,
          before={"progress": project.progress, "status": old_status}, after={"progress": progress, "status": new_status})
    return update


# ---------------------------------------------------------------- member profile: plaque, served households, honours

@serialised
def plaque_update(*, actor: User, member, pledge: str = "", is_public: bool = False) -> PartyMember:
    """The member writes their pledge and chooses whether the plaque (亮身份) is
    public. Staff of their community may take a plaque down, not put one up or
    change its words."""
    actor = _authenticated(actor)
    member = _pk(member, PartyMember)
    own = actor.person_id is not None and actor.person_id == member.person_id
    public = str(is_public).lower() in ("1", "true", "on", "yes")
    if not own:  # staff moderate: they take a plaque down, and never write in the member's name
        if not can_manage_member(actor, member):
            raise NotFound()
        if public:
            raise NotAllowed(_("Only the member can choose to show their plaque publicly."))
        pledge = member.pledge
    pledge = clean_text(pledge, field=_("the pledge"), max_length=300)
    if public and not pledge:
        raise ValidationFailed(_("Write your pledge before showing the plaque publicly."), code="pledge_required")
    before = {"pledge": member.pledge, "is_public": member.is_public}
    PartyMember.objects.filter(pk=member.pk).update(pledge=pledge, is_public=public)
    member.pledge, member.is_public = pledge, public
    audit(actor=actor, action="party.member.plaque", obj=member, before=before,
          after={"pledge": pledge, "is_public": public})
    return member


def _household(*, household=None, building=None, entrance=1, room="") -> Household:
    if household not in (None, ""):
        return _pk(household, Household, message=_("Unknown household."))
    if building in (None, ""):
        raise ValidationFailed(_("Choose a building."), code="required")
    building = _pk(building, Building, message=_("Unknown building."))
    entrance = _int(entrance, field=_("the entrance"), low=1, high=99, default=1)
    room = clean_text(room, field=_("the room"), max_length=16, required=True)
    found = Household.objects.filter(building=building, entrance=entrance, room=room).first()
    if found is None:
        raise ValidationFailed(_("No household %(room)s in entrance %(entrance)d of %(building)s.")
                               % {"room": room, "entrance": entrance, "building": building}, code="unknown_household")
    return found


@serialised
def served_household_add(*, actor: User, member, household=None, building=None, entrance=1, room="") -> Household:
    """Community staff record a household the 党员中心户 looks after."""
    actor = _authenticated(actor)
    member = _pk(member, PartyMember)
    if not can_manage_member(actor, member):
        raise NotAllowed(_("Only staff of the member's community can change the households served."))
    if member.anchor_household_id is None:
        raise ValidationFailed(_("This member does not run a party anchor household (党员中心户)."), code="not_anchor")
    found = _household(household=household, building=building, entrance=entrance, room=room)
    communities = dict(Household.objects.filter(pk__in=[found.pk, member.anchor_household_id]).values_list(
        "pk", "building__grid__parent_id"))
    if communities.get(found.pk) != communities.get(member.anchor_household_id):
        raise ValidationFailed(_("Choose a household in the anchor household's community."), code="other_community")
    if found.pk == member.anchor_household_id:
        raise ValidationFailed(_("The anchor household itself is not one it serves."), code="self")
    if member.served_households.filter(pk=found.pk).exists():
        raise Conflict(_("This household is already on the list."), code="already_served")
    member.served_households.add(found)
    audit(actor=actor, action="party.member.served_add", obj=member, after={"household": found.pk})
    return found


@serialised
def served_household_remove(*, actor: User, member, household) -> None:
    actor = _authenticated(actor)
    member = _pk(member, PartyMember)
    if not can_manage_member(actor, member):
        raise NotAllowed(_("Only staff of the member's community can change the households served."))
    found = _pk(household, Household)
    if not member.served_households.filter(pk=found.pk).exists():
        raise NotFound()
    member.served_households.remove(found)
    audit(actor=actor, action="party.member.served_remove", obj=member, before={"household": found.pk})


@serialised
def award_record(*, actor: User, person, title: str, community, awarded_on=None, note: str = "",
                 now: dt.datetime | None = None) -> Award:
    """An honour given outside an evaluation (e.g. by the district), recorded by community staff."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    community = _community(community)
    if not manages_community(actor, community):
        raise NotAllowed(_("Only staff of this community can record honours."))
    person = _pk(person, Person, message=_("Unknown person."))
    title = clean_text(title, field=_("the title"), min_length=2, max_length=100, required=True)
    note = clean_text(note, field=_("the note"), max_length=200)
    day = _date(awarded_on, field=_("the date")) or _today(now)
    if day > _today(now):
        raise ValidationFailed(_("An honour cannot be dated in the future."), code="future")
    award = Award.objects.create(person=person, title=title, awarded_on=day, community=community, note=note,
                                 created_by=actor)
    audit(actor=actor, action="party.award.record", obj=award, after={"person": person.pk, "title": title})
    return award


# ---------------------------------------------------------------- evaluations

def _evaluation_event(evaluation, *, action, actor, now, from_status="", to_status="", nomination=None, note=""):
    EvaluationEvent.objects.create(evaluation=evaluation, nomination=nomination, action=action, from_status=from_status,
                                   to_status=to_status, actor=actor, actor_name=actor_name(actor), at=now,
                                   note=note[:200])


def _lock_evaluation(evaluation) -> Evaluation:
    pk = evaluation.pk if isinstance(evaluation, Evaluation) else _pk(evaluation, Evaluation).pk
    return Evaluation.objects.select_for_update(of=("self",)).select_related("community").get(pk=pk)


def _check_version(record, expected_version):
    if expected_version not in (None, "") and str(expected_version).strip() != str(record.version):
        raise Conflict()


@serialised
def evaluation_create(*, actor: User, community, title: str, kind: str, nominate_until, vote_until,
                      description: str = "", winners=3, votes_per_voter=1, award_points=0,
                      now: dt.datetime | None = None) -> Evaluation:
    """Staff open an evaluation (评选): nominations until one date, votes until another."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    community = _community(community)
    if not manages_community(actor, community):
        raise NotAllowed(_("Only staff of this community can start evaluations."))
    title = clean_text(title, field=_("the title"), min_length=2, max_length=100, required=True)
    description = clean_text(description, field=_("the description"), max_length=4000)
    if kind not in Evaluation.Kind.values:
        raise ValidationFailed(_("Choose the kind of evaluation."), code="invalid_kind")
    nominate_until = _moment(nominate_until, field=_("the nomination deadline"))
    vote_until = _moment(vote_until, field=_("the voting deadline"))
    if nominate_until <= now:
        raise ValidationFailed(_("The nomination deadline must be in the future."), code="past_deadline")
    if vote_until <= nominate_until:
        raise ValidationFailed(_("Voting must end after nominations close."), code="vote_before_nominate")
    winners = _int(winners, field=_("The number of winners"), low=1, high=MAX_WINNERS, default=3)
    votes_per_voter = _int(votes_per_voter, field=_("Votes per voter"), low=1, high=MAX_VOTES_PER_VOTER, default=1)
    award_points = _int(award_points, field=_("Award points"), low=0, high=MAX_AWARD_POINTS, default=0)
    evaluation = Evaluation.objects.create(
        title=title, kind=kind, description=description, community=community, nominate_until=nominate_until,
        vote_until=vote_until, winners=winners, votes_per_voter=votes_per_voter, award_points=award_points,
        created_by=actor, created_at=now)
    _evaluation_event(evaluation, action="create", actor=actor, now=now, to_status=evaluation.status)
    audit(actor=actor, action="party.evaluation.create", obj=evaluation,
          after={"community": community.pk, "kind": kind, "winners": winners, "votes_per_voter": votes_per_voter})
    return evaluation


def _nominee(evaluation: Evaluation, *, person, name, building) -> Person:
    """Whom a nomination names: a person (by id) or a name in a building of the
    community. Both fail with the same message, so nobody learns who lives where."""
    miss = ValidationFailed(_("No resident of that name lives in that building of this community."),
                            code="unknown_nominee")
    qs = Person.objects.filter(household__building__grid__parent=evaluation.community)
    if person not in (None, ""):
        text = str(person.pk if isinstance(person, Person) else person).strip()
        found = qs.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else None
    else:
        name = clean_text(name, field=_("the nominee's name"), max_length=64, required=True)
        if building in (None, ""):
            raise ValidationFailed(_("Choose the nominee's building."), code="required")
        text = str(building).strip()
        if not (text.isdigit() and len(text) < 19):
            raise miss
        matches = list(qs.filter(name=name, household__building_id=int(text))[:2])
        if len(matches) > 1:
            raise ValidationFailed(_("Several residents of that name live in that building; ask the community's "
                                     "staff to nominate."), code="ambiguous_nominee")
        found = matches[0] if matches else None
    if found is None:
        raise miss
    if evaluation.kind == Evaluation.Kind.PIONEER_MEMBER and not PartyMember.objects.filter(person=found).exists():
        raise ValidationFailed(_("Only party members can be nominated as pioneer party members."),
                               code="not_party_member")
    return found


@serialised
def nomination_create(*, actor: User, evaluation, reason: str, person=None, name: str = "", building=None,
                      now: dt.datetime | None = None) -> Nomination:
    """Residents of the community (and its staff) nominate while nominations are open.
    A staff nomination needs no review."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    evaluation = _lock_evaluation(evaluation)
    manager = manages_community(actor, evaluation.community_id)
    if not (manager or lives_in(actor, evaluation.community)):
        raise NotAllowed(_("Only residents of %(community)s can nominate.") % {"community": evaluation.community.name})
    if evaluation.status != EvaluationStatus.NOMINATING or now >= evaluation.nominate_until:
        raise InvalidTransition(_("Nominations for this evaluation are closed."))
    reason = clean_text(reason, field=_("the reason"), min_length=2, max_length=1000, required=True)
    nominee = _nominee(evaluation, person=person, name=name, building=building)
    if Nomination.objects.filter(evaluation=evaluation, person=nominee).exists():
        raise Conflict(_("%(name)s has already been nominated.") % {"name": nominee.name}, code="already_nominated")
    status = NominationStatus.APPROVED if manager else NominationStatus.PENDING
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                evaluation=evaluation, person=nominee, nominated_by=actor, reason=reason, status=status,
                created_at=now, reviewed_at=now if manager else None, reviewed_by=actor if manager else None)
    except IntegrityError:
        raise Conflict(_("%(name)s has already been nominated.") % {"name": nominee.name}, code="already_nominated")
    _evaluation_event(evaluation, action="nominate", actor=actor, now=now, nomination=nomination, to_status=status)
    audit(actor=actor, action="party.nomination.create", obj=nomination,
          after={"evaluation": evaluation.pk, "person": nominee.pk, "status": status})
    if not manager:
        notify(_staff_of([evaluation.community_id]), verb="nomination",
               title=_("New nomination to review: %(title)s") % {"title": evaluation.title},
               url=reverse("party:evaluation", args=[evaluation.pk]))
    return nomination


@serialised
def nomination_review(*, actor: User, nomination, decision: str, note: str = "",
                      now: dt.datetime | None = None) -> Nomination:
    """Staff approve a nomination (it goes on the ballot) or reject it, while the evaluation is open."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    nomination = _pk(nomination, Nomination)
    evaluation = _lock_evaluation(nomination.evaluation_id)
    if not manages_community(actor, evaluation.community_id):
        raise NotAllowed(_("Only staff of this community can review nominations."))
    t = transition("nomination", decision)
    if t is None:
        raise ValidationFailed(_("Choose approve or reject."), code="invalid_decision")
    if evaluation.status == EvaluationStatus.CLOSED:
        raise InvalidTransition(_("This evaluation is closed."))
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if not allowed("nomination", decision, nomination.status):
        raise InvalidTransition(_("This nomination has already been reviewed: %(status)s.")
                                % {"status": nomination.get_status_display()})
    note = clean_text(note, field=_("the note"), max_length=200)
    old = nomination.status
    Nomination.objects.filter(pk=nomination.pk).update(status=t.target, reviewed_at=now, reviewed_by=actor,
                                                       review_note=note)
    nomination.refresh_from_db()
    _evaluation_event(evaluation, action=decision, actor=actor, now=now, nomination=nomination, from_status=old,
                      to_status=t.target, note=note)
    audit(actor=actor, action=f"party.nomination.{decision}", obj=nomination, before={"status": old},
          after={"status": t.target}, note=note)
    if nomination.nominated_by_id and nomination.nominated_by_id != actor.pk:
        notify([nomination.nominated_by], verb="nomination",
               title=_("Your nomination of %(name)s: %(status)s") % {"name": nomination.person.name,
                                                                     "status": nomination.get_status_display()},
               url=reverse("party:evaluation", args=[evaluation.pk]))
    return nomination


@serialised
def evaluation_open_voting(*, actor: User, evaluation, expected_version=None,
                           now: dt.datetime | None = None) -> Evaluation:
    """Staff end nominations and open the ballot of approved nominations."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    evaluation = _lock_evaluation(evaluation)
    if not manages_community(actor, evaluation.community_id):
        raise NotAllowed(_("Only staff of this community can open voting."))
    _check_version(evaluation, expected_version)
    t = transition("evaluation", "open_voting")
    if not allowed("evaluation", "open_voting", evaluation.status):
        raise InvalidTransition(_("This evaluation is now “%(status)s”; voting cannot be opened.")
                                % {"status": evaluation.get_status_display()})
    if now >= evaluation.vote_until:
        raise ValidationFailed(_("The voting deadline has passed."), code="past_deadline")
    if not evaluation.nominations.filter(status=NominationStatus.APPROVED).exists():
        raise ValidationFailed(_("Approve at least one nomination before opening the vote."), code="no_candidates")
    Evaluation.objects.filter(pk=evaluation.pk).update(status=t.target, version=evaluation.version + 1)
    _evaluation_event(evaluation, action="open_voting", actor=actor, now=now, from_status=evaluation.status,
                      to_status=t.target)
    audit(actor=actor, action="party.evaluation.open_voting", obj=evaluation, before={"status": evaluation.status},
          after={"status": t.target})
    evaluation.refresh_from_db()
    return evaluation


@serialised
def vote_cast(*, actor: User, nomination, now: dt.datetime | None = None) -> Vote:
    """A resident of the community votes for an approved nomination: once per
    nomination, at most `votes_per_voter` in the evaluation. Votes on one
    evaluation serialise on its row, so concurrent votes cannot exceed the limit
    (and none slips in after the close)."""
    actor = _authenticated(actor)
    now = now or timezone.now()
    nomination = _pk(nomination, Nomination)
    evaluation = _lock_evaluation(nomination.evaluation_id)
    if not lives_in(actor, evaluation.community):
        raise NotAllowed(_("Only residents of %(community)s can vote.") % {"community": evaluation.community.name})
    if evaluation.status != EvaluationStatus.VOTING or now >= evaluation.vote_until:
        raise InvalidTransition(_("Voting for this evaluation is not open."))
    if nomination.status != NominationStatus.APPROVED:
        raise ValidationFailed(_("Only approved nominations can be voted for."), code="not_approved")
    if actor.person_id is not None and nomination.person_id == actor.person_id:
        raise NotAllowed(_("You cannot vote for yourself."))
    if Vote.objects.filter(nomination=nomination, voter=actor).exists():
        raise Conflict(_("You have already voted for %(name)s.") % {"name": nomination.person.name},
                       code="already_voted")
    cast = Vote.objects.filter(evaluation=evaluation, voter=actor).count()
    if cast >= evaluation.votes_per_voter:
        raise Conflict(_("You have used all %(n)d of your votes in this evaluation.") % {"n": evaluation.votes_per_voter},
                       code="no_votes_left")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(evaluation=evaluation, nomination=nomination, voter=actor, at=now)
    except IntegrityError:
        raise Conflict(_("You have already voted for %(name)s.") % {"name": nomination.person.name},
                       code="already_voted")
    audit(actor=actor, action="party.vote.cast", obj=vote, object_repr=f"{evaluation} vote",
          after={"evaluation": evaluation.pk, "nomination": nomination.pk})
    return vote


def standings(evaluation: Evaluation):
    """Approved nominations by votes; ties go to the earlier nomination (then the lower id)."""
    return evaluation.nominations.filter(status=NominationStatus.APPROVED).select_related("person").annotate(
        vote_count=Count("votes")).order_by("-vote_count", "created_at", "pk")


@serialised
def evaluation_close(*, actor: User, evaluation, expected_version=None, now: dt.datetime | None = None) -> list[Award]:
    """Staff close the vote: the top `winners` approved nominations with at least
    one vote receive an Award (ties broken by the earlier nomination), winners
    with an account are credited `award_points` once and told. Closing twice is
    refused, so nothing is awarded or credited twice."""
    from points.services import credit

    actor = _authenticated(actor)
    now = now or timezone.now()
    evaluation = _lock_evaluation(evaluation)
    if not manages_community(actor, evaluation.community_id):
        raise NotAllowed(_("Only staff of this community can close evaluations."))
    _check_version(evaluation, expected_version)
    t = transition("evaluation", "close")
    if not allowed("evaluation", "close", evaluation.status):
        raise InvalidTransition(_("This evaluation is now “%(status)s”; it cannot be closed.")
                                % {"status": evaluation.get_status_display()})
    winners = [n for n in standings(evaluation)[:evaluation.winners] if n.vote_count > 0]
    old = evaluation.status
    Evaluation.objects.filter(pk=evaluation.pk).update(status=t.target, closed_at=now, version=evaluation.version + 1)
    awards = []
    for rank, nomination in enumerate(winners, start=1):
        award = Award.objects.create(person=nomination.person, title=evaluation.title, evaluation=evaluation,
                                     awarded_on=_today(now), community=evaluation.community, created_by=actor,
                                     note=_("Rank %(rank)d, %(n)d votes") % {"rank": rank, "n": nomination.vote_count})
        awards.append(award)
        user = user_of(nomination.person)
        if user is None:
            continue
        if evaluation.award_points:
            credit(user=user, amount=evaluation.award_points, source="award", source_id=award.pk,
                   reason=evaluation.title, community=evaluation.community, actor=actor, now=now)
        notify([user], verb="award", title=_("Congratulations: you were chosen in “%(title)s”") % {"title": evaluation.title},
               url=reverse("party:evaluation", args=[evaluation.pk]))
    _evaluation_event(evaluation, action="close", actor=actor, now=now, from_status=old, to_status=t.target,
                      note=", ".join(f"{a.person.name}" for a in awards))
    audit(actor=actor, action="party.evaluation.close", obj=evaluation, before={"status": old},
          after={"status": t.target, "winners": [a.person_id for a in awards]})
    return awards
