"""Import pages; thin: parse the request, call services and selectors, render.
A LinliError's message is shown on the page, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import LinliError, NotFound

from . import services
from .importers import IMPORTERS, KIND_HELP
from .imports.blank import template_bytes
from .imports.selectors import allowed_kinds, get_job, visible_jobs
from .models import ImportJob


def _kinds_or_403(user) -> list[str]:
    kinds = allowed_kinds(user)
    if not kinds:
        raise PermissionDenied(_("Only staff with a community or street may import data."))
    return kinds


def _job_or_404(user, pk) -> ImportJob:
    try:
        return get_job(user, pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))


def _kind_rows(kinds):
    labels = dict(ImportJob.Kind.choices)
    rows = []
    for kind in kinds:
        importer = IMPORTERS.get(kind)
        rows.append({"value": kind, "label": labels[kind], "help": KIND_HELP.get(kind, ""),
                     "columns": [c for c in importer.columns] if importer else [],
                     "accept": ".geojson,.json" if kind == ImportJob.Kind.GRIDS else ".xlsx,.csv"})
    return rows


@login_required
def imports(request):
    """The import page: choose a kind, download its template, upload a file; recent jobs below."""
    kinds = _kinds_or_403(request.user)
    error, status = "", 200
    chosen = request.POST.get("kind") or request.GET.get("kind") or kinds[0]
    if request.method == "POST":
        try:
            job = services.import_upload(actor=request.user, kind=request.POST.get("kind", ""),
                                         upload=request.FILES.get("file"))
        except LinliError as e:
            error, status = e.message, e.status
        else:
            return redirect("integrations:import_job", pk=job.pk)
    return render(request, "integrations/imports.html", {
        "kinds": _kind_rows(kinds), "chosen": chosen if chosen in kinds else kinds[0], "error": error,
        "jobs": visible_jobs(request.user)[:20], "max_mb": services.reading.MAX_BYTES // 1024 // 1024,
    }, status=status)


@login_required
def import_job(request, pk):
    job = _job_or_404(request.user, pk)
    return render(request, "integrations/import_job.html", {"job": job})


@login_required
def import_progress(request, pk):
    """The job panel alone: htmx polls it while the job is checking or importing."""
    job = _job_or_404(request.user, pk)
    return render(request, "integrations/import_panel.html", {"job": job})


@login_required
@require_POST
def import_confirm(request, pk):
    job = _job_or_404(request.user, pk)
    try:
        services.import_confirm(actor=request.user, job=job, clean_only=request.POST.get("clean_only") == "1",
                                expected_version=request.POST.get("version"))
    except LinliError as e:
        messages.error(request, e.message)
    return redirect("integrations:import_job", pk=job.pk)


@login_required
@require_POST
def import_cancel(request, pk):
    job = _job_or_404(request.user, pk)
    try:
        services.import_cancel(actor=request.user, job=job)
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("The import was cancelled and the file removed."))
    return redirect("integrations:imports")


@login_required
def import_template(request, kind):
    kinds = _kinds_or_403(request.user)
    if kind not in kinds:
        raise Http404(_("Not found, or you cannot see it."))
    content, name, content_type = template_bytes(kind)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
