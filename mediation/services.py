"""Every write of mediation. Each public function owns its transaction, its
DisputeEvent, its audit row and its on-commit notifications; nothing else sets
a dispute's `status`, `level` or `risk_level`.

Times: every function takes `now` (default: the current time) so the demo can
replay the past through the same rules.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import user_scopes
from core.audit import actor_name, audit
from core.db import busy_is_conflict, check_version, lock_or_404
from core.errors import Conflict, InvalidTransition, LinliError, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from core.notify import notify
from core.text import clean_phone, clean_text
from core.uploads import check_images
from people.models import Person, Unit
from regions.models import Region

from . import risk as risk_rules
from . import selectors
from .models import Agreement, Dispute, DisputeEvent, FollowUp, Mediator, Party, Referral, Session
from .workflow import (
    FOLLOW_UP_DAYS,
    RISK_ORDER,
    SESSION_STATES,
    TRANSITIONS,
    Action,
    DisputeRole,
    DisputeType,
    Level,
    MediatorKind,
    Partner,
    PartyRole,
    ReferralResult,
    Risk,
    Source,
    Status,
    Transition,
    next_level,
    resolve_target,
)

MAX_PARTIES = 10
MAX_MEDIATORS = 12
PDF_MAGIC = b"%PDF-"


def _url(dispute) -> str:
    return reverse("mediation:detail", args=[dispute.pk])


def _number(dispute: Dispute, now) -> str:
    return f"TJ{timezone.localtime(now):%Y%m%d}{dispute.pk:06d}"


def _event(dispute, *, action, actor, role="", now, note="", data=None, from_status=None, to_status=None):
    return DisputeEvent.objects.create(
        dispute=dispute, action=action, from_status=dispute.status if from_status is None else from_status,
        to_status=dispute.status if to_status is None else to_status, actor=actor, actor_name=actor_name(actor),
        role=role, at=now, note=note, data=data or {})


def _locked_visible(actor, dispute) -> Dispute:
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    pk = dispute.pk if isinstance(dispute, Dispute) else dispute
    locked = lock_or_404(Dispute.objects, pk)
    if not selectors.visible_disputes(actor).filter(pk=locked.pk).exists():
        raise NotFound()
    return locked


def _check_version(dispute: Dispute, expected_version) -> None:
    check_version(expected_version, dispute.version)


# ---------------------------------------------------------------- input checks

def _choice(value, choices, message: str, code: str):
    try:
        return choices(str(value or "").strip())
    except ValueError:
        raise ValidationFailed(message, code=code)


def _region(value, level: str, message: str) -> Region | None:
    if value in (None, ""):
        return None
    if isinstance(value, Region):
        if value.level != level:
            raise ValidationFailed(message, code=f"unknown_{level}")
        return value
    text = str(value).strip()
    region = Region.objects.filter(code=text, level=level).first()
    if region is None and text.isdigit() and len(text) < 10:
        region = Region.objects.filter(pk=int(text), level=level).first()
    if region is None:
        raise ValidationFailed(message, code=f"unknown_{level}")
    return region


def _placement(actor, *, grid, community, source_appeal) -> tuple[Region, Region | None]:
    """The community (and grid, if known) a dispute sits in, and a check that the actor works there."""
    grid_region = _region(grid, Region.Level.GRID, _("Unknown grid."))
    community_region = _region(community, Region.Level.COMMUNITY, _("Unknown community."))
    if grid_region is not None:
        if community_region is not None and grid_region.parent_id != community_region.pk:
            raise ValidationFailed(_("The grid is not in that community."), code="grid_mismatch")
        community_region = grid_region.parent
    elif community_region is None and source_appeal is not None:
        grid_region = source_appeal.grid
        community_region = source_appeal.community
    elif community_region is None:
        scopes = user_scopes(actor)
        mine = list(scopes.regions(Role.GRID_WORKER, Region.Level.GRID))
        managed = list(scopes.regions(Role.COMMUNITY_STAFF, Region.Level.COMMUNITY))
        if len(mine) == 1:
            grid_region = Region.objects.get(pk=mine[0])
            community_region = grid_region.parent
        elif len(managed) == 1:
            community_region = Region.objects.get(pk=managed[0])
        else:
            raise ValidationFailed(_("Choose the grid or community where the dispute is."), code="place_required")
    if not selectors.can_record_in(actor, community_region, grid_region):
        raise NotAllowed(_("You can only record disputes in the grids and communities you work for."))
    return community_region, grid_region


@dataclass
class _PartyIn:
    name: str
    phone: str
    role: str
    person: Person | None


def _parties(values) -> list[_PartyIn]:
    if values is None:
        return []
    if isinstance(values, dict):
        values = [values]
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, dict):
            raise ValidationFailed(_("Each party needs at least a name."), code="bad_party")
        person = None
        person_id = value.get("person_id")
        if person_id not in (None, ""):
            person = Person.objects.filter(pk=person_id).first() if str(person_id).isdigit() else None
            if person is None:
                raise ValidationFailed(_("Unknown person for party %(n)d.") % {"n": i + 1}, code="unknown_person")
        name = clean_text(value.get("name") or (person.name if person else ""),
                          field=_("the name of party %(n)d") % {"n": i + 1}, max_length=64)
        phone = clean_phone(value.get("phone") or (person.phone if person else ""))
        if not name:
            if phone or value.get("role"):
                raise ValidationFailed(_("Each party needs at least a name."), code="party_name_required")
            continue
        role = _choice(value.get("role") or (PartyRole.APPLICANT if not out else PartyRole.RESPONDENT), PartyRole,
                       _("Unknown party role."), "bad_party_role")
        out.append(_PartyIn(name=name, phone=phone, role=role, person=person))
    if len(out) > MAX_PARTIES:
        raise ValidationFailed(_("At most %(n)d parties.") % {"n": MAX_PARTIES}, code="too_many_parties")
    return out


def _when(value, *, now, field_name: str) -> dt.datetime:
    """A past or present moment typed by a user (a session held, a visit made)."""
    if value in (None, ""):
        return now
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip().replace(" ", "T")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(_("%(f)s must be a date and time like 2024-05-01 14:30.") % {"f": field_name},
                                   code="bad_datetime")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("%(f)s cannot be in the future.") % {"f": field_name}, code="future_datetime")
    if moment < now - dt.timedelta(days=366):
        raise ValidationFailed(_("%(f)s must be within the last year.") % {"f": field_name}, code="bad_datetime")
    return moment


def check_signed_copy(upload):
    """The signed agreement comes back as a photo or a PDF scan, within the upload limit.
    Judged by content: a PDF must start like one; a picture must open in Pillow."""
    if not upload:
        raise ValidationFailed(_("Upload the signed agreement (a photo or a PDF)."), code="file_required")
    name = (getattr(upload, "name", "") or "agreement")[:200]
    size = getattr(upload, "size", None)
    too_big = _("“%(name)s” is larger than %(mb)s MB.") % {
        "name": name, "mb": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):.1f}".removesuffix(".0")}
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise ValidationFailed(too_big, code="file_too_large")
    data = upload.read()
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ValidationFailed(too_big, code="file_too_large")
    if data.startswith(PDF_MAGIC):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationFailed(_("“%(name)s” is not a complete PDF file.") % {"name": name}, code="bad_pdf")
        return data, "application/pdf", "pdf", name
    try:
        image = check_images([ContentFile(data, name=name)])[0]
    except ValidationFailed:
        raise ValidationFailed(_("“%(name)s” is neither a picture (JPEG, PNG, WebP, GIF) nor a PDF.") % {"name": name},
                               code="bad_file_type")
    return data, image.content_type, image.ext, name


# ---------------------------------------------------------------- risk

def _assess(dispute: Dispute, parties, now, extra_text: str = "") -> risk_rules.Assessment:
    repeats = selectors.prior_incidents(dispute.community_id, parties, now, exclude_id=dispute.pk)
    text = f"{dispute.title}\n{dispute.description}\n{extra_text}"
    result = risk_rules.assess(text, dispute.dispute_type, incidents=len(repeats) + 1)
    if repeats:
        result.reasons.append(_("Earlier: %(n)s") % {"n": "、".join(d.number or str(d.pk) for d in repeats[:5])})
    return result


def _alert(dispute: Dispute, actor, reasons) -> None:
    """High risk: community staff and street staff hear at once (防止民转刑)."""
    users = selectors.staff_of([dispute.community_id], Role.COMMUNITY_STAFF) + \
        selectors.staff_of([dispute.street_id], Role.STREET_STAFF)
    if dispute.grid_id:
        users += selectors.staff_of([dispute.grid_id], Role.GRID_WORKER)
    users += [m.user for m in dispute.mediators.select_related("user") if m.user_id]
    notify([u for u in users if u != actor], verb="dispute_high_risk",
           title=_("High-risk dispute %(n)s: %(t)s — %(why)s") % {
               "n": dispute.number, "t": dispute.title, "why": "；".join(str(r) for r in reasons)[:120]},
           url=_url(dispute))


def _apply_rule(dispute: Dispute, assessment: risk_rules.Assessment, *, actor, now, role="") -> bool:
    """Raise the dispute's risk to what the rules say (never lower it), with the reasons and an alert."""
    old = dispute.risk_level
    rule = risk_rules.higher(dispute.risk_rule_level, assessment.level)
    # Only new evidence (the rules saying more than before) moves the level, so a
    # level staff lowered by hand with a reason is not silently put back.
    level = risk_rules.higher(old, rule) if rule != dispute.risk_rule_level else old
    reasons = list(dispute.risk_reasons)
    for reason in assessment.reasons:
        if str(reason) not in reasons:
            reasons.append(str(reason))
    changed = level != old or rule != dispute.risk_rule_level or reasons != dispute.risk_reasons
    if not changed:
        return False
    dispute.risk_rule_level, dispute.risk_level, dispute.risk_reasons = rule, level, reasons
    fields = {"risk_rule_level": rule, "risk_level": level, "risk_reasons": reasons, "updated_at": now}
    if level == Risk.HIGH and old != Risk.HIGH:
        dispute.risk_alerted_at = fields["risk_alerted_at"] = now
    Dispute.objects.filter(pk=dispute.pk).update(**fields)
    if level != old:
        _event(dispute, action="risk", actor=actor, role=role, now=now, note="；".join(assessment.reasons),
               data={"from": old, "to": level, "by": "rule", "words": assessment.words})
        audit(actor=actor, action=AuditLog.Action.UPDATE, obj=dispute, before={"risk_level": old},
              after={"risk_level": level, "reasons": assessment.reasons}, note="mediation.risk_rule")
        if level == Risk.HIGH:
            _alert(dispute, actor, assessment.reasons)
    return level != old


def risk_set(*, actor: User, dispute, level: str, reason: str, expected_version=None,
             now: dt.datetime | None = None) -> Dispute:
    """Community or street staff set the risk by hand, always with a reason.
    Below what the rules say it may go only with that reason on record."""
    now = now or timezone.now()
    level = _choice(level, Risk, _("Choose low, medium or high risk."), "bad_risk")

    with busy_is_conflict(), transaction.atomic():
        locked = _locked_visible(actor, dispute)
        _check_version(locked, expected_version)
        if not selectors.is_supervisor(actor, locked):
            raise NotAllowed(_("Only community or street staff can change the risk level."))
        if not locked.is_open:
            raise InvalidTransition(_("The dispute is finished; its risk level can no longer change."))
        why = clean_text(reason, field=_("the reason"), max_length=500, required=True)
        old = locked.risk_level
        if level == old:
            raise ValidationFailed(_("The risk level is already %(l)s.") % {"l": Risk(level).label},
                                   code="unchanged")
        below_rule = RISK_ORDER[level] < RISK_ORDER[Risk(locked.risk_rule_level)]
        fields = {"risk_level": level, "risk_note": why, "updated_at": now, "version": locked.version + 1}
        if level == Risk.HIGH:
            fields["risk_alerted_at"] = now
        Dispute.objects.filter(pk=locked.pk).update(**fields)
        for k, v in fields.items():
            setattr(locked, k, v)
        _event(locked, action="risk", actor=actor, role=DisputeRole.HANDLER, now=now, note=why,
               data={"from": old, "to": level, "by": "hand", "below_rule": below_rule})
        audit(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, before={"risk_level": old},
              after={"risk_level": level, "below_rule": below_rule}, note=f"mediation.risk_set: {why}")
        if level == Risk.HIGH:
            _alert(locked, actor, [why])
        return locked


# ---------------------------------------------------------------- record

def dispute_record(*, actor, title: str, description: str, dispute_type: str, source: str,
                   parties=(), grid=None, community=None, source_appeal=None,
                   now=None) -> Dispute:
    """Record a dispute from any source, score its risk and alert at once if high.

    parties: iterable of dicts {"name": str, "phone": str (optional), "role": str (optional),
    "person_id": int (optional)}. source: one of Source values incl. "grid" and "visit".
    grid or community (Region or id/code) places it; the source appeal's grid otherwise."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    if not selectors.can_record(actor):
        raise NotAllowed(_("Only grid workers and community or street staff can record disputes."))
    description = clean_text(description, field=_("the description"), min_length=5, max_length=4000, required=True)
    title = clean_text(title, field=_("the title"), max_length=120) or description[:30]
    dispute_type = _choice(dispute_type, DisputeType, _("Choose the type of dispute."), "bad_type")
    source = _choice(source, Source, _("Choose where the dispute came from."), "bad_source")
    party_list = _parties(parties)
    appeal = None
    if source_appeal not in (None, ""):
        from appeals.models import Appeal

        appeal = source_appeal if isinstance(source_appeal, Appeal) else (
            Appeal.objects.filter(pk=source_appeal).first() if str(source_appeal).isdigit() else None)
        if appeal is None:
            raise ValidationFailed(_("Unknown appeal."), code="unknown_appeal")

    with busy_is_conflict(), transaction.atomic():
        community_region, grid_region = _placement(actor, grid=grid, community=community, source_appeal=appeal)
        dispute = Dispute.objects.create(
            title=title, description=description, dispute_type=dispute_type, source=source,
            source_appeal=appeal, street_id=community_region.parent_id, community=community_region,
            grid=grid_region, level=Level.GRID if grid_region else Level.COMMUNITY, status=Status.RECORDED,
            status_since=now, recorded_by=actor, created_at=now, updated_at=now,
            address=(appeal.address if appeal else "")[:200],
        )
        dispute.number = _number(dispute, now)
        Dispute.objects.filter(pk=dispute.pk).update(number=dispute.number)
        for i, p in enumerate(party_list):
            Party.objects.create(dispute=dispute, name=p.name, phone=p.phone, person=p.person, role=p.role,
                                 sort=i)
        _event(dispute, action="record", actor=actor, now=now, from_status="",
               data={"source": source, "type": dispute_type, "appeal": appeal.number if appeal else None,
                     "parties": len(party_list)})
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=dispute,
              after={"source": source, "type": dispute_type, "status": Status.RECORDED,
                     "appeal": appeal.pk if appeal else None})
        _apply_rule(dispute, _assess(dispute, [p.__dict__ | {"person_id": p.person.pk if p.person else None}
                                               for p in party_list], now), actor=actor, now=now)
        holders = selectors.staff_of([dispute.community_id], Role.COMMUNITY_STAFF)
        if grid_region is not None:
            holders += selectors.staff_of([grid_region.pk], Role.GRID_WORKER)
        notify([u for u in holders if u != actor], verb="dispute_new",
               title=_("New dispute to mediate: %(t)s") % {"t": dispute.title}, url=_url(dispute))
        return dispute


# ---------------------------------------------------------------- the workflow

@dataclass
class _Ctx:
    dispute: Dispute
    actor: User
    role: str
    note: str
    now: dt.datetime
    args: dict
    changed: set = field(default_factory=set)
    data: dict = field(default_factory=dict)
    after: list = field(default_factory=list)

    def put(self, **values):
        for k, v in values.items():
            setattr(self.dispute, k, v)
            self.changed.add(k)


def dispute_transition(*, dispute, action: str, actor: User, note: str = "", expected_version=None,
                       mediator_user=None, mediator_name: str = "", mediator_kind: str = "", partner: str = "",
                       partner_name: str = "", unit=None, result: str = "", facts: str = "", terms: str = "",
                       signed_copy=None, now: dt.datetime | None = None) -> Dispute:
    """Take one action on one dispute, or raise a LinliError and change nothing.

    Locks the row; with `expected_version` a stale screen loses cleanly, and of
    two people acting at once exactly one wins."""
    try:
        action = Action(action)
    except ValueError:
        raise ValidationFailed(_("Unknown action."), code="unknown_action")
    if signed_copy and action != Action.SIGN:
        raise ValidationFailed(_("A file can be attached only when uploading the signed agreement."),
                               code="file_not_allowed")
    checked = check_signed_copy(signed_copy) if action == Action.SIGN else None  # before any write
    args = dict(mediator_user=mediator_user, mediator_name=mediator_name, mediator_kind=mediator_kind,
                partner=partner, partner_name=partner_name, unit=unit, result=result, facts=facts, terms=terms,
                signed_copy=checked)
    now = now or timezone.now()

    with busy_is_conflict(), transaction.atomic():
        locked = _locked_visible(actor, dispute)
        _check_version(locked, expected_version)
        return _transition_locked(locked, action, actor, note, args, now)


def _transition_locked(dispute: Dispute, action: Action, actor, note: str, args: dict, now) -> Dispute:
    transition = TRANSITIONS[action]
    if dispute.status not in transition.sources:
        raise InvalidTransition(
            _("This dispute is now “%(status)s”; “%(action)s” is not possible.")
            % {"status": Status(dispute.status).label, "action": action.label})
    if action == Action.ESCALATE and next_level(dispute.level) is None:
        raise InvalidTransition(_("The dispute is already held by the street; it cannot go higher."))
    role = selectors.permitted_role(actor, dispute, action)
    if role is None:
        raise NotAllowed(selectors.refusal(actor, dispute, action))
    note = clean_text(note, field=_("the note"), max_length=2000, required=transition.note_required)
    ctx = _Ctx(dispute=dispute, actor=actor, role=role, note=note, now=now, args=args)
    return _apply(ctx, transition)


def _apply(ctx: _Ctx, transition: Transition) -> Dispute:
    dispute, action, now = ctx.dispute, transition.action, ctx.now
    old_status, old_version, old_level = dispute.status, dispute.version, dispute.level
    effect = _EFFECTS.get(action)
    if effect:
        effect(ctx)
    target = resolve_target(transition, old_status)
    ctx.put(status=target, version=old_version + 1, updated_at=now)
    if target != old_status:
        ctx.put(status_since=now)
    rows = Dispute.objects.filter(pk=dispute.pk, version=old_version).update(
        **{f: getattr(dispute, f) for f in ctx.changed})
    if rows != 1:
        raise Conflict()
    for step in ctx.after:
        step()
    _event(dispute, action=action, actor=ctx.actor, role=ctx.role, now=now, note=ctx.note, data=ctx.data,
           from_status=old_status, to_status=target)
    audit(actor=ctx.actor, action=AuditLog.Action.UPDATE, obj=dispute,
          before={"status": old_status, "level": old_level},
          after={"status": target, "level": dispute.level, "action": action.value}, note=f"mediation.{action.value}")
    _notify_after(ctx, action)
    return dispute


def _user_arg(value) -> User | None:
    if value in (None, ""):
        return None
    if isinstance(value, User):
        return value
    user = User.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
    if user is None:
        raise ValidationFailed(_("Unknown mediator."), code="unknown_mediator")
    return user


def _new_mediator(ctx: _Ctx, *, user, name, kind, is_lead) -> Mediator:
    dispute = ctx.dispute
    kind = _choice(kind or (MediatorKind.GRID_WORKER if user else MediatorKind.PEOPLES_MEDIATOR), MediatorKind,
                   _("Choose what kind of mediator this is."), "bad_mediator_kind")
    name = clean_text(name, field=_("the mediator's name"), max_length=64) or (user.display_name[:64] if user else "")
    if not name:
        raise ValidationFailed(_("Choose a mediator or type the mediator's name."), code="mediator_required")
    if user is not None and dispute.mediators.filter(user=user).exists():
        raise ValidationFailed(_("%(n)s is already on this dispute's mediation team.") % {"n": name},
                               code="duplicate_mediator")
    if user is None and dispute.mediators.filter(user__isnull=True, name=name).exists():
        raise ValidationFailed(_("%(n)s is already on this dispute's mediation team.") % {"n": name},
                               code="duplicate_mediator")
    if dispute.mediators.count() >= MAX_MEDIATORS:
        raise ValidationFailed(_("At most %(n)d mediators.") % {"n": MAX_MEDIATORS}, code="too_many_mediators")
    if user is not None and not selectors.can_be_mediator(user, dispute):
        raise ValidationFailed(_("%(n)s does not work in this dispute's community or street.") % {"n": name},
                               code="mediator_out_of_scope")
    if is_lead:
        dispute.mediators.filter(is_lead=True).update(is_lead=False)
    return Mediator.objects.create(dispute=dispute, user=user, name=name, kind=kind, is_lead=is_lead,
                                   added_by=ctx.actor, added_at=ctx.now)


def _accept(ctx: _Ctx):
    a = ctx.args
    user = _user_arg(a["mediator_user"])
    if user is None and not (a["mediator_name"] or "").strip():
        if not ctx.dispute.mediators.exists():
            raise ValidationFailed(_("Choose a mediator or type the mediator's name."), code="mediator_required")
    else:
        mediator = _new_mediator(ctx, user=user, name=a["mediator_name"], kind=a["mediator_kind"], is_lead=True)
        ctx.data.update(mediator=mediator.name, kind=mediator.kind)
        if user is not None and user != ctx.actor:
            notify([user], verb="dispute_mediator", title=_("You are the mediator of dispute %(n)s: %(t)s") % {
                "n": ctx.dispute.number, "t": ctx.dispute.title}, url=_url(ctx.dispute))
    ctx.put(accepted_at=ctx.now)


def _start(ctx: _Ctx):
    if ctx.dispute.mediation_started_at is None:
        ctx.put(mediation_started_at=ctx.now)


def _agree(ctx: _Ctx):
    a = ctx.args
    facts = clean_text(a["facts"], field=_("the facts of the dispute"), min_length=2, max_length=4000, required=True)
    terms = clean_text(a["terms"], field=_("the agreed terms"), min_length=2, max_length=4000, required=True)
    if not ctx.dispute.parties.exists():
        raise ValidationFailed(_("Add the parties before drawing up an agreement."), code="parties_required")
    sequence = (ctx.dispute.agreements.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    agreement = Agreement.objects.create(dispute=ctx.dispute, sequence=sequence, facts=facts, terms=terms,
                                         generated_by=ctx.actor, generated_at=ctx.now)
    ctx.data["agreement"] = agreement.pk
    ctx.put(agreed_at=ctx.now, outcome=terms)


def _sign(ctx: _Ctx):
    agreement = selectors.current_agreement(ctx.dispute)
    if agreement is None:
        raise InvalidTransition(_("There is no agreement to sign yet."))
    data, content_type, ext, name = ctx.args["signed_copy"]
    agreement.signed_file.save(f"{agreement.dispute_id}-{agreement.sequence}-{ctx.now:%Y%m%d%H%M%S}.{ext}",
                               ContentFile(data), save=False)
    agreement.signed_content_type, agreement.signed_size = content_type, len(data)
    agreement.signed_original_name, agreement.signed_uploaded_by, agreement.signed_at = name, ctx.actor, ctx.now
    agreement.save()
    ctx.data.update(agreement=agreement.pk, content_type=content_type, size=len(data))
    ctx.put(follow_up_due=timezone.localtime(ctx.now).date() + dt.timedelta(days=FOLLOW_UP_DAYS))


def _reopen(ctx: _Ctx):
    ctx.put(follow_up_due=None)


def _close(ctx: _Ctx):
    dispute = ctx.dispute
    if dispute.status == Status.FOLLOWING_UP:
        latest = selectors.latest_follow_up(dispute)
        agreement = selectors.current_agreement(dispute)
        if latest is None or not latest.holds or (agreement and latest.agreement_id not in (None, agreement.pk)):
            raise InvalidTransition(_("A dispute with an agreement is closed only after a follow-up visit finds "
                                      "that the agreement holds."))
    ctx.put(closed_at=ctx.now, follow_up_due=None)
    if ctx.note:
        ctx.put(outcome=ctx.note if dispute.status != Status.FOLLOWING_UP else f"{dispute.outcome}\n{ctx.note}"[:4000])
    ctx.after.append(lambda: _report_appeal(ctx))


def _unit_arg(value) -> Unit | None:
    if value in (None, ""):
        return None
    if isinstance(value, Unit):
        return value
    unit = Unit.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
    if unit is None:
        raise ValidationFailed(_("Unknown unit."), code="unknown_unit")
    return unit


def _refer(ctx: _Ctx):
    a = ctx.args
    partner = _choice(a["partner"], Partner, _("Choose the linkage partner to refer to."), "partner_required")
    partner_name = clean_text(a["partner_name"], field=_("the partner's name"), max_length=100)
    unit = _unit_arg(a["unit"])
    referral = Referral.objects.create(dispute=ctx.dispute, partner=partner, partner_name=partner_name or (
        unit.name if unit else ""), unit=unit, note=ctx.note, referred_by=ctx.actor, referred_at=ctx.now)
    ctx.data.update(referral=referral.pk, partner=partner, unit=unit.pk if unit else None)
    if unit is not None:
        handlers = User.objects.filter(roles__role=Role.UNIT_HANDLER, roles__unit=unit).distinct()
        notify(list(handlers), verb="dispute_referred", title=_("Dispute %(n)s referred to you: %(t)s") % {
            "n": ctx.dispute.number, "t": ctx.dispute.title}, url=_url(ctx.dispute))


def _feedback(ctx: _Ctx):
    referral = selectors.open_referral(ctx.dispute)
    if referral is None:
        raise InvalidTransition(_("No referral is waiting for feedback."))
    result = _choice(ctx.args["result"], ReferralResult, _("Choose the result of the referral."), "result_required")
    Referral.objects.filter(pk=referral.pk).update(feedback=ctx.note, result=result, feedback_by=ctx.actor,
                                                   feedback_at=ctx.now)
    ctx.data.update(referral=referral.pk, result=result)


def _escalate(ctx: _Ctx):
    target = next_level(ctx.dispute.level)
    ctx.data.update(from_level=ctx.dispute.level, to_level=target)
    ctx.put(level=target)


def _withdraw(ctx: _Ctx):
    ctx.put(outcome=ctx.note, follow_up_due=None)


_EFFECTS = {
    Action.ACCEPT: _accept, Action.START: _start, Action.AGREE: _agree, Action.SIGN: _sign, Action.REOPEN: _reopen,
    Action.CLOSE: _close, Action.REFER: _refer, Action.FEEDBACK: _feedback, Action.ESCALATE: _escalate,
    Action.WITHDRAW: _withdraw,
}


def _report_appeal(ctx: _Ctx) -> None:
    """A dispute from an appeal, closed: the appeal is reported resolved so the
    resident who raised it verifies and rates it in the appeal loop. If the loop
    refuses (another hand holds it, it is already closed), the dispute still
    closes and the closer is told."""
    from appeals.models import Appeal
    from appeals.services import appeal_transition
    from appeals.workflow import Status as AppealStatus

    dispute = ctx.dispute
    if not dispute.source_appeal_id:
        return
    appeal = Appeal.objects.filter(pk=dispute.source_appeal_id).first()
    if appeal is None or appeal.status != AppealStatus.IN_PROGRESS:
        return
    note = f"矛盾纠纷 {dispute.number} 调解结案：{dispute.outcome or ctx.note}"[:4000]
    try:
        with transaction.atomic():
            appeal_transition(appeal=appeal.pk, action="resolve", actor=ctx.actor, note=note, now=ctx.now)
    except LinliError as exc:
        ctx.data["appeal_resolved"] = False
        notify([ctx.actor], verb="dispute_appeal",
               title=_("Dispute %(n)s is closed, but appeal %(a)s could not be reported resolved: %(why)s")
               % {"n": dispute.number, "a": appeal.number, "why": exc.message},
               url=reverse("appeals:detail", args=[appeal.pk]))
    else:
        ctx.data["appeal_resolved"] = True


def _notify_after(ctx: _Ctx, action: Action) -> None:
    dispute, actor = ctx.dispute, ctx.actor
    title = f"{dispute.number} {dispute.title}"
    mediators = [m.user for m in dispute.mediators.select_related("user") if m.user_id]

    def send(users, verb, text):
        notify([u for u in users if u is not None and u != actor], verb=verb, title=text, url=_url(dispute))

    if action == Action.ESCALATE:
        role, region = ((Role.COMMUNITY_STAFF, dispute.community_id) if dispute.level == Level.COMMUNITY
                        else (Role.STREET_STAFF, dispute.street_id))
        send(selectors.staff_of([region], role), "dispute_escalated",
             _("Dispute escalated to you: %(t)s") % {"t": title})
    elif action == Action.REOPEN:
        send(mediators + selectors.staff_of([dispute.community_id], Role.COMMUNITY_STAFF), "dispute_reopened",
             _("Agreement broken, mediate again: %(t)s") % {"t": title})
    elif action == Action.FEEDBACK:
        send(mediators + selectors.staff_of([dispute.community_id], Role.COMMUNITY_STAFF), "dispute_feedback",
             _("The partner answered the referral: %(t)s") % {"t": title})
    elif action in (Action.CLOSE, Action.WITHDRAW):
        send(mediators + ([dispute.recorded_by] if dispute.recorded_by_id else []), "dispute_closed",
             _("Dispute finished: %(t)s") % {"t": title})


# ---------------------------------------------------------------- team, sessions, follow-ups

def mediator_add(*, actor: User, dispute, user=None, name: str = "", kind: str = "", is_lead: bool = False,
                 now: dt.datetime | None = None) -> Mediator:
    """Add a member to the 1+3+N team: an account (grid worker, party member …) or an outside name."""
    now = now or timezone.now()

    with busy_is_conflict(), transaction.atomic():
        locked = _locked_visible(actor, dispute)
        if not selectors.can_add_mediator(actor, locked):
            raise NotAllowed(_("Only staff holding this dispute can change its mediation team."))
        ctx = _Ctx(dispute=locked, actor=actor, role=DisputeRole.HANDLER, note="", now=now, args={})
        mediator = _new_mediator(ctx, user=_user_arg(user), name=name, kind=kind, is_lead=bool(is_lead))
        Dispute.objects.filter(pk=locked.pk).update(updated_at=now)
        _event(locked, action="mediator", actor=actor, role=DisputeRole.HANDLER, now=now,
               data={"mediator": mediator.name, "kind": mediator.kind, "lead": mediator.is_lead})
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=mediator, object_repr=f"{locked.number} {mediator}",
              after={"dispute": locked.pk, "kind": mediator.kind}, note="mediation.mediator_add")
        if mediator.user_id and mediator.user != actor:
            notify([mediator.user], verb="dispute_mediator",
                   title=_("You are on the mediation team of dispute %(n)s: %(t)s") % {
                       "n": locked.number, "t": locked.title}, url=_url(locked))
        return mediator


def _place_arg(value, dispute: Dispute):
    if value in (None, ""):
        return None
    from places.models import Place

    place = Place.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
    if place is None or place.region_id not in (dispute.community_id, dispute.street_id):
        raise ValidationFailed(_("Choose a place in the dispute's community or street."), code="unknown_place")
    return place


def session_record(*, actor: User, dispute, notes: str, held_at=None, place=None, location: str = "",
                   attendees: str = "", now: dt.datetime | None = None) -> Session:
    """One sitting with the parties. The first one starts the mediation; what
    was said is read by the risk rules too (a threat made at the table counts)."""
    now = now or timezone.now()

    with busy_is_conflict(), transaction.atomic():
        locked = _locked_visible(actor, dispute)
        if locked.status not in SESSION_STATES:
            raise InvalidTransition(_("Sessions are recorded while the dispute is being mediated."))
        if not selectors.can_record_session(actor, locked):
            raise NotAllowed(_("Only staff holding this dispute or its mediators can do this."))
        text = clean_text(notes, field=_("the session notes"), min_length=5, max_length=4000, required=True)
        who = clean_text(attendees, field=_("the attendees"), max_length=400)
        where = clean_text(location, field=_("the location"), max_length=200)
        held = _when(held_at, now=now, field_name=_("The session time"))
        room = _place_arg(place, locked)
        if locked.status == Status.ACCEPTED:
            _transition_locked(locked, Action.START, actor, "", {}, now)
        session = Session.objects.create(dispute=locked, held_at=held, place=room, location=where,
                                         attendees=who, notes=text, recorded_by=actor, created_at=now)
        Dispute.objects.filter(pk=locked.pk).update(updated_at=now)
        role = selectors.permitted_role(actor, locked, Action.AGREE) or ""
        _event(locked, action="session", actor=actor, role=role, now=now, note=text[:500],
               data={"session": session.pk, "place": room.pk if room else None})
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=session,
              object_repr=f"{locked.number} session", after={"dispute": locked.pk}, note="mediation.session")
        parties = list(locked.parties.all())
        _apply_rule(locked, _assess(locked, parties, now, extra_text=text), actor=actor, now=now, role=role)
        return session


def follow_up_record(*, actor: User, dispute, holds, note: str, visited_at=None, close: bool = False,
                     expected_version=None, now: dt.datetime | None = None) -> FollowUp:
    """回访. Holding: the dispute may be closed (at once with `close`). Broken: it goes back to mediation."""
    now = now or timezone.now()
    if isinstance(holds, str):
        if holds.strip().lower() in ("1", "true", "yes", "on", "holds"):
            holds = True
        elif holds.strip().lower() in ("0", "false", "no", "off", "broken"):
            holds = False
        else:
            holds = None
    if holds not in (True, False):
        raise ValidationFailed(_("Say whether the agreement holds."), code="holds_required")

    with busy_is_conflict(), transaction.atomic():
        locked = _locked_visible(actor, dispute)
        _check_version(locked, expected_version)
        if locked.status != Status.FOLLOWING_UP:
            raise InvalidTransition(_("Follow-up visits are recorded once the signed agreement is in."))
        if not selectors.can_record_follow_up(actor, locked):
            raise NotAllowed(_("Only staff holding this dispute or its mediators can do this."))
        text = clean_text(note, field=_("the follow-up note"), min_length=2, max_length=2000, required=True)
        visited = _when(visited_at, now=now, field_name=_("The visit time"))
        agreement = selectors.current_agreement(locked)
        follow_up = FollowUp.objects.create(dispute=locked, agreement=agreement, visited_at=visited,
                                            holds=holds, note=text, recorded_by=actor)
        role = selectors.permitted_role(actor, locked, Action.REOPEN) or ""
        _event(locked, action="follow_up", actor=actor, role=role, now=now, note=text,
               data={"follow_up": follow_up.pk, "holds": holds})
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=follow_up,
              object_repr=f"{locked.number} follow-up", after={"dispute": locked.pk, "holds": holds},
              note="mediation.follow_up")
        if not holds:
            _transition_locked(locked, Action.REOPEN, actor, text, {}, now)
        else:
            Dispute.objects.filter(pk=locked.pk).update(follow_up_due=None, updated_at=now)
            locked.follow_up_due = None
            if close:
                _transition_locked(locked, Action.CLOSE, actor, "", {}, now)
        return follow_up


# ---------------------------------------------------------------- appeal → dispute

def dispute_from_appeal(*, actor: User, appeal, dispute_type: str, parties=(), title: str = "", note: str = "",
                        now: dt.datetime | None = None) -> Dispute:
    """转为矛盾纠纷调解: an open appeal about a quarrel becomes a dispute in its
    grid, keeping the link. An accepted appeal is taken on (handle) so that it
    is reported resolved when the dispute closes."""
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
        if Dispute.objects.filter(source_appeal_id=locked.pk).exclude(status=Status.WITHDRAWN).exists():
            raise Conflict(_("This appeal is already being mediated as a dispute."), code="already_converted")
        if not selectors.can_convert_appeal(actor, locked):
            if locked.status not in selectors.CONVERTIBLE_APPEAL_STATES:
                raise InvalidTransition(_("Only an accepted or in-progress appeal can be mediated as a dispute."))
            raise NotAllowed(_("Only the grid worker or community staff handling this appeal can do this."))
        description = locked.content if not note else f"{locked.content}\n\n{note}"
        dispute = dispute_record(actor=actor, title=title or locked.title, description=description[:4000],
                                 dispute_type=dispute_type, source=Source.APPEAL, parties=parties,
                                 source_appeal=locked, now=now)
        if locked.status == AppealStatus.ACCEPTED:
            appeal_transition(appeal=locked.pk, action="handle", actor=actor, now=now,
                              note=_("Handled as dispute %(n)s.") % {"n": dispute.number})
        if locked.reporter_id:
            notify([locked.reporter], verb="dispute_from_appeal",
                   title=_("Your appeal %(a)s is being mediated") % {"a": locked.number},
                   url=reverse("appeals:detail", args=[locked.pk]))
        return dispute


# ---------------------------------------------------------------- personal data

@transaction.atomic
def reveal_party_phone(*, actor: User, dispute, party_id) -> Party:
    """A party's full number for staff and mediators on it; every reveal is logged."""
    if not selectors.can_reveal_phone(actor, dispute):
        raise NotAllowed()
    party = dispute.parties.filter(pk=party_id).first() if str(party_id).isdigit() else None
    if party is None:
        raise NotFound()
    audit(actor=actor, action=AuditLog.Action.VIEW_PERSONAL, obj=party, object_repr=f"{dispute.number} {party.name}",
          fields=["phone"], note="party phone shown on the dispute")
    return party


@transaction.atomic
def log_document_access(*, actor: User, dispute, agreement, kind: str) -> None:
    """The agreement names the parties with their phones: every download is logged."""
    audit(actor=actor, action=AuditLog.Action.VIEW_PERSONAL, obj=agreement,
          object_repr=f"{dispute.number} agreement {agreement.sequence}", fields=["parties"],
          note=f"mediation agreement {kind} downloaded")


# ---------------------------------------------------------------- scheduler

def sweep_follow_ups(now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: remind the mediators and community staff of follow-up visits past
    due. A reminder is sent once per due date (the event records it)."""
    now = now or timezone.now()
    reminded = 0
    for dispute in selectors.overdue_follow_ups(now).select_related("community"):
        key = dispute.follow_up_due.isoformat()
        if dispute.events.filter(action="follow_up_overdue", data__due=key).exists():
            continue
        with transaction.atomic():
            _event(dispute, action="follow_up_overdue", actor=None, role="system", now=now, data={"due": key})
            users = [m.user for m in dispute.mediators.select_related("user") if m.user_id]
            users += selectors.staff_of([dispute.community_id], Role.COMMUNITY_STAFF)
            notify(users, verb="dispute_follow_up_overdue",
                   title=_("Follow-up visit overdue since %(d)s: %(t)s") % {"d": key, "t": dispute.title},
                   url=_url(dispute))
        reminded += 1
    return {"reminded": reminded}
