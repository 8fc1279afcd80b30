"""Appeal pages. Thin: read through selectors, write through services, show a
LinliError's message in the page and keep what the user typed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import user_scopes
from core.audit import audit
from core.errors import LinliError, NotAllowed, NotFound
from core.models import AuditLog
from regions.selectors import grids as grid_regions
from services.selectors import can_convert_appeal, order_for_appeal, visible_orders

from . import hooks, services
from .forms import IMAGE_ACCEPT, ActionForm, ReportForm, SuperviseForm, WorkbenchFilterForm
from .models import Appeal
from .selectors import (
    acting_roles,
    available_actions,
    filter_appeals,
    get_appeal,
    grid_worker_tasks,
    timeline,
    unit_tasks,
    visible_appeals,
)
from .workflow import TERMINAL_STATES, Action, Status

PAGE_SIZE = 30
REGION_STAFF = {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF}
SUPERVISORS = {Role.COMMUNITY_STAFF, Role.STREET_STAFF}


def is_htmx(request) -> bool:
    """An htmx request wanting a fragment (not a boosted link, not a history restore wanting the whole page)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def _appeal_or_404(user, pk) -> Appeal:
    try:
        return get_appeal(user, pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))


def _grids_geojson(regions) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": r.geometry,
         "properties": {"code": r.code, "name": r.name, "community": r.parent.name if r.parent_id else ""}}
        for r in regions if r.geometry
    ]}


# ---------------------------------------------------------------- report

@login_required
def report(request):
    form = ReportForm(request.POST or None, user=request.user)
    error = ""
    status = 200
    photos_dropped = False
    if request.method == "POST":
        try:
            appeal = services.appeal_submit(actor=request.user, **form.service_kwargs(request.FILES.getlist("photos")))
        except LinliError as e:
            error, status = e.message, e.status
            photos_dropped = bool(request.FILES.getlist("photos"))
        else:
            messages.success(request, _("Thank you. Your appeal %(number)s has been received; you can follow its "
                                        "progress here.") % {"number": appeal.number})
            if form.is_staff:
                return redirect("appeals:detail", pk=appeal.pk)
            return redirect("appeals:mine")
    return render(request, "appeals/report.html", {
        "form": form, "error": error, "photos_dropped": photos_dropped,
        "grids_geojson": _grids_geojson(grid_regions()), "image_accept": IMAGE_ACCEPT,
        "max_photos": settings.UPLOAD_MAX_FILES, "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    }, status=status)


# ---------------------------------------------------------------- lists

@login_required
def mine(request):
    appeals = visible_appeals(request.user).filter(reporter=request.user).select_related(
        "category", "grid", "parent").order_by("-created_at", "-id")
    page = Paginator(appeals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appeals/mine.html", {"page": page})


@login_required
def my_tasks(request):
    scopes = user_scopes(request.user)
    sections = []
    if Role.GRID_WORKER in scopes.roles:
        tasks = grid_worker_tasks(request.user)
        sections = [
            {"key": "overdue", "title": _("Overdue"), "items": list(tasks["overdue"][:50]), "urgent": True},
            {"key": "to_accept", "title": _("To accept"), "items": list(tasks["to_accept"][:50])},
            {"key": "to_handle", "title": _("To handle"), "items": list(tasks["to_handle"][:50])},
            {"key": "to_verify", "title": _("To verify on site"), "items": list(tasks["to_verify"][:50])},
        ]
    area = []
    if Role.BUILDING_HEAD in scopes.roles or not sections:
        area = list(filter_appeals(visible_appeals(request.user), status="open")[:50])
    return render(request, "appeals/my_tasks.html", {"sections": sections, "area": area,
                                                       "show_area": Role.BUILDING_HEAD in scopes.roles or not sections})


@login_required
def workbench(request):
    scopes = user_scopes(request.user)
    if not scopes.is_staff_member:
        raise Http404()
    form = WorkbenchFilterForm(request.GET or None, user=request.user)
    qs = filter_appeals(visible_appeals(request.user), **form.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    template = "appeals/_workbench_results.html" if is_htmx(request) else "appeals/workbench.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def unit_workbench(request):
    scopes = user_scopes(request.user)
    if Role.UNIT_HANDLER not in scopes.roles:
        raise Http404()
    tasks = unit_tasks(request.user)
    sections = [
        {"key": "overdue", "title": _("Overdue"), "items": list(tasks["overdue"][:50]), "urgent": True},
        {"key": "to_claim", "title": _("To claim"), "items": list(tasks["to_claim"][:50])},
        {"key": "to_answer", "title": _("To answer"), "items": list(tasks["to_answer"][:50])},
        {"key": "returned", "title": _("Returned by us"), "items": list(tasks["returned"][:50])},
        {"key": "helping", "title": _("Helping other units"), "items": list(tasks["helping"][:50])},
    ]
    return render(request, "appeals/unit_workbench.html", {"sections": sections})


# ---------------------------------------------------------------- one appeal

def _can_reveal_phone(user, appeal) -> bool:
    return bool(appeal.reporter_phone) and (
        user_scopes(user).is_admin or bool(acting_roles(user, appeal) & REGION_STAFF))


def _can_supervise(user, appeal) -> bool:
    if appeal.status in TERMINAL_STATES:
        return False
    return user_scopes(user).is_admin or bool(acting_roles(user, appeal) & SUPERVISORS)


def _detail_context(request, appeal, *, bound: ActionForm | None = None, bound_supervise: SuperviseForm | None = None,
                    revealed_phone: str = "") -> dict:
    user = request.user
    forms = []
    actions = available_actions(appeal, user)
    for action in actions:
        if bound is not None and bound.action == action:
            forms.append(bound)
        else:
            forms.append(ActionForm(action=action, appeal=appeal, user=user))
    # The action is no longer possible (someone else acted first): still hand back what was typed.
    unsent_note = bound.value("note") if bound is not None and bound.action not in actions else ""
    grid = appeal.grid
    events = list(timeline(appeal))
    photos = [a for e in events if e.action == "submit" for a in e.attachments.all()]
    followed = appeal.parent if appeal.parent_id and appeal.status == Status.MERGED else None
    map_data = {
        "point": [appeal.lng, appeal.lat] if appeal.lng is not None and appeal.lat is not None else None,
        "grid": {"type": "Feature", "geometry": grid.geometry, "properties": {"name": grid.name}} if grid.geometry else None,
    }
    order = order_for_appeal(appeal)
    return {
        "appeal": appeal,
        "action_forms": forms,
        "unsent_note": unsent_note,
        "events": events,
        "photos": photos,
        "followed": followed,
        "duplicates": list(visible_appeals(user).filter(parent=appeal).order_by("created_at")),
        "whistles": list(appeal.whistles.select_related("lead_unit").prefetch_related("helper_units")),
        "answers": list(appeal.answers.select_related("unit", "answered_by")),
        "ratings": list(appeal.ratings.all()),
        "supervisions": list(appeal.supervisions.select_related("unit", "created_by")),
        "can_reveal_phone": _can_reveal_phone(user, appeal),
        "revealed_phone": revealed_phone,
        "can_supervise": _can_supervise(user, appeal),
        "supervise_form": bound_supervise or SuperviseForm(),
        "map_data": map_data,
        "image_accept": IMAGE_ACCEPT,
        "can_convert": can_convert_appeal(user, appeal),
        "service_order": order,
        "linked": hooks.links_for(appeal, user),
        "conversions": hooks.conversions_for(appeal, user),
        "can_see_order": order is not None and visible_orders(user).filter(pk=order.pk).exists(),
    }


@login_required
def detail(request, pk):
    appeal = _appeal_or_404(request.user, pk)
    return render(request, "appeals/detail.html", _detail_context(request, appeal))


@login_required
@require_POST
def act(request, pk, action):
    appeal = _appeal_or_404(request.user, pk)
    try:
        action = Action(action)
    except ValueError:
        raise Http404()
    form = ActionForm(request.POST, action=action, appeal=appeal, user=request.user)
    try:
        appeal = services.appeal_transition(appeal=appeal, action=action, actor=request.user,
                                            **form.service_kwargs(request.FILES.getlist(form.add_prefix("files")),
                                                                  user=request.user))
    except LinliError as e:
        if is_htmx(request):
            return render(request, "appeals/_action_error.html", {"message": e.message})
        messages.error(request, e.message)
        fresh = _appeal_or_404(request.user, pk)
        return render(request, "appeals/detail.html", _detail_context(request, fresh, bound=form), status=e.status)
    messages.success(request, _("Done: “%(action)s”. The appeal is now “%(status)s”.")
                     % {"action": action.label, "status": Status(appeal.status).label})
    target = reverse("appeals:detail", args=[pk])
    if not visible_appeals(request.user).filter(pk=pk).exists():  # e.g. returned by a unit
        target = reverse("core:home")
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@login_required
@require_POST
def supervise(request, pk):
    appeal = _appeal_or_404(request.user, pk)
    form = SuperviseForm(request.POST)
    try:
        services.supervise(appeal_id=appeal.pk, actor=request.user, note=request.POST.get("note", ""))
    except LinliError as e:
        if is_htmx(request):
            return render(request, "appeals/_action_error.html", {"message": e.message})
        messages.error(request, e.message)
        return render(request, "appeals/detail.html", _detail_context(request, appeal, bound_supervise=form),
                      status=e.status)
    messages.success(request, _("Supervision notice sent to the holder and their leader."))
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("appeals:detail", args=[pk])
        return response
    return redirect("appeals:detail", pk=pk)


@login_required
@require_POST
def reveal_phone(request, pk):
    """Show the reporter's full phone number to staff over the appeal, and log that they saw it."""
    appeal = _appeal_or_404(request.user, pk)
    if not _can_reveal_phone(request.user, appeal):
        message = NotAllowed().message
        if is_htmx(request):
            return render(request, "appeals/_action_error.html", {"message": message}, status=200)
        messages.error(request, message)
        return redirect("appeals:detail", pk=pk)
    with transaction.atomic():
        audit(actor=request.user, action=AuditLog.Action.VIEW_PERSONAL, obj=appeal, fields=["reporter_phone"],
              note="reporter phone shown on the appeal page")
    if is_htmx(request):
        return render(request, "appeals/_phone.html", {"phone": appeal.reporter_phone})
    return render(request, "appeals/detail.html", _detail_context(request, appeal, revealed_phone=appeal.reporter_phone))
