"""Pages of mediation; thin: parse the request, call services/selectors, render.
A LinliError's message is shown in the page and what the user typed is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import LinliError, NotFound
from core.http import or_404

from . import documents, selectors, services
from .forms import (
    SIGNED_ACCEPT,
    ActionForm,
    FollowUpForm,
    FromAppealForm,
    MediatorForm,
    RecordForm,
    RiskForm,
    SessionForm,
    WorkbenchFilterForm,
)
from .models import Dispute
from .workflow import Action, Risk, Status

QUEUE_SIZE = 50


def _staff_or_404(user):
    if not selectors.can_record(user):
        raise Http404()


def _dispute_or_404(user, pk) -> Dispute:
    return or_404(selectors.get_dispute, user, pk)


# ---------------------------------------------------------------- workbench and record

@login_required
def workbench(request):
    """Staff: my disputes high risk first, follow-ups due, referrals waiting for feedback."""
    user = request.user
    if not selectors.can_record(user) and not selectors.visible_disputes(user).exists():
        raise Http404()
    form = WorkbenchFilterForm(request.GET or None, user=user)
    queues = selectors.workbench_queues(user, community=request.GET.get("community", ""),
                                        risk=request.GET.get("risk", ""))
    sections = []
    for key, title in (("alerts", _("High-risk alerts")), ("open", _("Open disputes")),
                       ("follow_ups", _("Follow-up visits due")), ("referrals", _("Waiting for partner feedback"))):
        qs = queues[key]
        items = list(qs[:QUEUE_SIZE])
        sections.append({"key": key, "title": title, "items": items, "urgent": key == "alerts",
                         "count": qs.count() if len(items) == QUEUE_SIZE else len(items)})
    return render(request, "mediation/workbench.html", {
        "form": form, "sections": sections, "can_record": selectors.can_record(user)})


@login_required
def record(request):
    user = request.user
    _staff_or_404(user)
    form = RecordForm(request.POST or None, user=user)
    error, status = "", 200
    if request.method == "POST":
        try:
            dispute = services.dispute_record(actor=user, **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            if dispute.risk_level == Risk.HIGH:
                messages.warning(request, _("Recorded %(n)s as HIGH RISK; community and street staff have been "
                                            "alerted.") % {"n": dispute.number})
            else:
                messages.success(request, _("Recorded: %(n)s.") % {"n": dispute.number})
            return redirect("mediation:detail", pk=dispute.pk)
    return render(request, "mediation/record.html", {"form": form, "error": error}, status=status)


@login_required
def from_appeal(request, appeal_pk):
    """转为矛盾纠纷调解: the appeal page links here."""
    from appeals.selectors import get_appeal

    appeal = or_404(get_appeal, request.user, appeal_pk)
    existing = selectors.disputes_for_appeal(appeal).exclude(status=Status.WITHDRAWN).first()
    if existing is not None and selectors.visible_disputes(request.user).filter(pk=existing.pk).exists():
        messages.info(request, _("This appeal is already being mediated as dispute %(n)s.") % {"n": existing.number})
        return redirect("mediation:detail", pk=existing.pk)
    form = FromAppealForm(request.POST or None, user=request.user, appeal=appeal)
    allowed = selectors.can_convert_appeal(request.user, appeal)
    error, status = "", 200
    if request.method == "POST":
        try:
            dispute = services.dispute_from_appeal(actor=request.user, appeal=appeal, **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Appeal %(a)s is now dispute %(n)s.") % {"a": appeal.number,
                                                                                  "n": dispute.number})
            return redirect("mediation:detail", pk=dispute.pk)
    elif not allowed:
        status = 403
    return render(request, "mediation/from_appeal.html", {"form": form, "appeal": appeal, "error": error,
                                                          "allowed": allowed}, status=status)


# ---------------------------------------------------------------- one dispute

def _context(request, dispute, *, bound=None, revealed: dict | None = None, session_form=None, follow_form=None,
             mediator_form=None, risk_form=None) -> dict:
    user = request.user
    actions = selectors.available_actions(dispute, user)
    forms = []
    for action in actions:
        if isinstance(bound, ActionForm) and bound.action == action:
            forms.append(ActionForm(bound.data, action=action, dispute=dispute))
        else:
            forms.append(ActionForm(action=action, dispute=dispute))
    forms.sort(key=lambda f: f.is_danger)
    unsent = bound.value("note") if isinstance(bound, ActionForm) and bound.action not in actions else ""
    appeal = None
    if dispute.source_appeal_id:
        from appeals.selectors import visible_appeals

        if visible_appeals(user).filter(pk=dispute.source_appeal_id).exists():
            appeal = dispute.source_appeal
    can_reveal = selectors.can_reveal_phone(user, dispute)
    return {
        "dispute": dispute,
        "action_forms": forms,
        "unsent_note": unsent,
        "events": list(selectors.timeline(dispute)),
        "parties": list(dispute.parties.all()),
        "mediators": list(dispute.mediators.select_related("user")),
        "sessions": list(dispute.sessions.select_related("place")),
        "agreements": list(dispute.agreements.all()),
        "referrals": list(dispute.referrals.select_related("unit")),
        "follow_ups": list(dispute.follow_ups.select_related("recorded_by")),
        "can_reveal_phone": can_reveal,
        "personal": can_reveal,
        "revealed": revealed or {},
        "can_session": selectors.can_record_session(user, dispute),
        "session_form": session_form or SessionForm(dispute=dispute),
        "can_follow_up": selectors.can_record_follow_up(user, dispute),
        "follow_form": follow_form or FollowUpForm(),
        "can_add_mediator": selectors.can_add_mediator(user, dispute) and dispute.status != Status.RECORDED,
        "mediator_form": mediator_form or MediatorForm(dispute=dispute),
        "can_set_risk": selectors.is_supervisor(user, dispute) and dispute.is_open,
        "risk_form": risk_form or RiskForm(initial={"level": dispute.risk_level}),
        "appeal": appeal,
        "signed_accept": SIGNED_ACCEPT,
    }


@login_required
def detail(request, pk):
    dispute = _dispute_or_404(request.user, pk)
    return render(request, "mediation/detail.html", _context(request, dispute))


def _fail(request, pk, e: LinliError, **bound):
    messages.error(request, e.message)
    try:
        fresh = selectors.get_dispute(request.user, pk)
    except NotFound:
        return redirect("mediation:workbench")
    return render(request, "mediation/detail.html", _context(request, fresh, **bound), status=e.status)


@login_required
@require_POST
def act(request, pk, action):
    try:
        action = Action(action)
    except ValueError:
        raise Http404()
    dispute = _dispute_or_404(request.user, pk)
    form = ActionForm(request.POST, action=action, dispute=dispute)
    try:
        dispute = services.dispute_transition(dispute=dispute, action=action, actor=request.user,
                                              **form.service_kwargs(request.FILES))
    except LinliError as e:
        return _fail(request, pk, e, bound=form)
    messages.success(request, _("Done: “%(action)s”. The dispute is now “%(status)s”.")
                     % {"action": action.label, "status": Status(dispute.status).label})
    if selectors.visible_disputes(request.user).filter(pk=dispute.pk).exists():
        return redirect("mediation:detail", pk=dispute.pk)
    return redirect("mediation:workbench")


def _submit(request, pk, make_form, form_key: str, service, success, anchor: str = ""):
    """One of the detail page's forms: run its service on the dispute and go back to
    the page (at `anchor`), or show the page again with the form and its error.
    `success` is the message, or a function of what the service returned."""
    dispute = _dispute_or_404(request.user, pk)
    form = make_form(dispute)
    try:
        result = service(actor=request.user, dispute=dispute, **form.service_kwargs())
    except LinliError as e:
        return _fail(request, pk, e, **{form_key: form})
    messages.success(request, success(result) if callable(success) else success)
    return redirect(reverse("mediation:detail", args=[pk]) + anchor)


@login_required
@require_POST
def session(request, pk):
    return _submit(request, pk, lambda d: SessionForm(request.POST, dispute=d), "session_form",
                   services.session_record, _("Session recorded."), "#sessions")


@login_required
@require_POST
def follow_up(request, pk):
    return _submit(request, pk, lambda d: FollowUpForm(request.POST), "follow_form",
                   services.follow_up_record, _("Follow-up visit recorded."), "#follow-ups")


@login_required
@require_POST
def mediator(request, pk):
    return _submit(request, pk, lambda d: MediatorForm(request.POST, dispute=d), "mediator_form",
                   services.mediator_add,
                   lambda added: _("%(n)s joined the mediation team.") % {"n": added.name}, "#team")


@login_required
@require_POST
def risk(request, pk):
    return _submit(request, pk, lambda d: RiskForm(request.POST), "risk_form",
                   services.risk_set, _("Risk level changed."))


@login_required
@require_POST
def reveal_phone(request, pk, party_id):
    """A party's full number; every view is logged."""
    dispute = _dispute_or_404(request.user, pk)
    try:
        party = services.reveal_party_phone(actor=request.user, dispute=dispute, party_id=party_id)
    except NotFound:
        raise Http404()
    except LinliError as e:
        return _fail(request, pk, e)
    if request.headers.get("HX-Request") == "true":
        return HttpResponse(format_html('<a href="tel:{}" data-phone-full>{}</a>', party.phone, party.phone))
    return render(request, "mediation/detail.html", _context(request, dispute, revealed={party.pk: party.phone}))


@login_required
def agreement_document(request, pk, agreement_id, fmt):
    """The agreement to print and sign, as .docx or PDF; every download is logged."""
    dispute = _dispute_or_404(request.user, pk)
    agreement = dispute.agreements.filter(pk=agreement_id).first()
    if agreement is None or fmt not in documents.FORMATS or not selectors.can_reveal_phone(request.user, dispute):
        raise Http404()
    services.log_document_access(actor=request.user, dispute=dispute, agreement=agreement, kind=fmt)
    content, content_type = documents.render(agreement, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{documents.filename(agreement, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def signed_copy(request, pk, agreement_id):
    dispute = _dispute_or_404(request.user, pk)
    agreement = dispute.agreements.filter(pk=agreement_id).first()
    if agreement is None or not agreement.is_signed or not selectors.can_reveal_phone(request.user, dispute):
        raise Http404()
    try:
        handle = agreement.signed_file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404()
    services.log_document_access(actor=request.user, dispute=dispute, agreement=agreement, kind="signed")
    is_pdf = agreement.signed_content_type == "application/pdf"
    response = FileResponse(handle, content_type=agreement.signed_content_type, as_attachment=is_pdf,
                            filename=agreement.signed_file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
