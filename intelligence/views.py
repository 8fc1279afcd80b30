"""Category suggestion pages: the intake fragment (htmx, as the text is typed), the
appeal's suggestion with the staff correction form, and the models page (versions
with their evaluation, train now, roll back, each street's auto-route threshold).
Thin: reads in selectors, writes in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.selectors import user_scopes
from appeals.forms import category_choices
from appeals.selectors import get_appeal
from core.errors import LinliError
from regions.models import Region
from regions.selectors import grid_at

from . import selectors, services
from .models import TrainedModel


def _grid_from(query):
    try:
        grid = grid_at(float(query.get("lng")), float(query.get("lat")))
    except (TypeError, ValueError):
        grid = None
    if grid is None and query.get("grid"):
        grid = Region.objects.filter(code=query.get("grid", "").strip(), level=Region.Level.GRID).first()
    return grid


@login_required
@require_GET
def suggest(request):
    """While someone reports: the category the model suggests, its confidence and the unit it goes to."""
    q = request.GET
    found = selectors.suggest_category(title=q.get("title", "")[:120], content=q.get("content", "")[:4000],
                                       grid=_grid_from(q))
    return render(request, "intelligence/_suggestion.html", {
        "found": found, "is_staff": selectors.is_staff(request.user),
        "chosen": q.get("category", ""), "percent": round(found["confidence"] * 100) if found else 0,
    })


@login_required
def appeal_category(request, pk):
    """The suggestion kept for an appeal, its corrections, and (staff) the correction form."""
    selectors.require_staff(request.user, error=Http404)
    appeal = get_appeal(request.user, pk)
    error, status = "", 200
    if request.method == "POST":
        try:
            services.category_correct(appeal_id=appeal.pk, category=request.POST.get("category", ""),
                                      actor=request.user, expected_version=request.POST.get("expected_version"))
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Correction recorded; the next model learns from it."))
            return redirect("intelligence:appeal_category", pk=appeal.pk)
    suggestion = selectors.latest_suggestion(appeal)
    now = selectors.suggest_category(title=appeal.title, content=appeal.content, grid=appeal.grid)
    return render(request, "intelligence/appeal_category.html", {
        "appeal": appeal, "suggestion": suggestion, "now": now, "error": error,
        "corrections": selectors.corrections_of(appeal), "choices": category_choices(leaves_only=True),
    }, status=status)


def _street_choices(user):
    scopes = user_scopes(user)
    streets = Region.objects.filter(level=Region.Level.STREET).order_by("code")
    if not scopes.is_admin:
        streets = streets.filter(pk__in=scopes.regions(Role.STREET_STAFF, Region.Level.STREET))
    return [(street, selectors.routing_setting(street)) for street in streets]


@login_required
def models_page(request):
    """Versions of the category model with their cross-validated evaluation; train, roll back, thresholds."""
    selectors.require_staff(request.user, error=Http404)
    versions = selectors.model_versions()
    return render(request, "intelligence/models.html", {
        "versions": versions, "current": next((v for v in versions if v.is_current), None),
        "previous": selectors.rollback_target(versions),
        "runs": selectors.training_runs(), "streets": _street_choices(request.user),
        "examples": selectors.training_example_count(),
    })


@login_required
def model_detail(request, version):
    selectors.require_staff(request.user, error=Http404)
    model = next((m for m in selectors.model_versions() if m.version == version), None)
    if model is None:
        raise Http404()
    evaluation = model.evaluation or {}
    rows = list(zip(evaluation.get("labels", []), evaluation.get("confusion", [])))
    return render(request, "intelligence/model_detail.html", {"model": model, "evaluation": evaluation,
                                                              "confusion": rows})


def _act(request, fn, success):
    try:
        fn()
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, success)
    return redirect("intelligence:models")


@login_required
@require_POST
def train(request):
    selectors.require_staff(request.user, error=Http404)
    return _act(request, lambda: services.training_run_request(actor=request.user),
                _("Training has been queued; the new version appears here when it is done."))


@login_required
@require_POST
def rollback(request):
    selectors.require_staff(request.user, error=Http404)
    return _act(request, lambda: services.model_rollback(actor=request.user, kind=TrainedModel.Kind.CATEGORY,
                                                         expected_version=request.POST.get("expected_version")),
                _("The previous version is current again."))


@login_required
@require_POST
def routing(request, street_id):
    selectors.require_staff(request.user, error=Http404)
    street = Region.objects.filter(pk=street_id, level=Region.Level.STREET).first()
    if street is None:
        raise Http404()
    return _act(request, lambda: services.routing_setting_save(
        street=street, auto_route=request.POST.get("auto_route") == "on",
        threshold=request.POST.get("threshold"), actor=request.user), _("Routing setting saved."))
