"""Export pages: download a list as Excel, and the export log staff can check."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.selectors import user_scopes
from core.errors import LinliError, NotFound

from . import export_lists  # noqa: F401  (fills the registry)
from .exports import REGISTRY, export_list
from .models import ExportLog

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def export(request, name):
    """The list `name` as the page showed it (same query string), as an .xlsx download."""
    try:
        result = export_list(request, name, full=request.GET.get("full") == "1")
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))
    except LinliError as e:  # e.g. filters the page itself would refuse: say why, nothing is logged
        return render(request, "integrations/exports/error.html", {"message": e.message}, status=e.status)
    response = FileResponse(result.file, as_attachment=True, filename=result.filename, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


def visible_logs(user):
    """Administrators see every export; other staff see their own."""
    scopes = user_scopes(user)
    if scopes.is_admin:
        return ExportLog.objects.all()
    return ExportLog.objects.filter(user=user)


@login_required
def export_log(request):
    if not user_scopes(request.user).is_staff_member:
        raise Http404()
    logs = visible_logs(request.user).select_related("user")
    name = request.GET.get("list", "")
    if name:
        logs = logs.filter(list_name=name)
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    titles = {key: str(spec.title) for key, spec in REGISTRY.items()}
    for log in page.object_list:
        log.title = titles.get(log.list_name, log.list_name)
    return render(request, "integrations/exports/log.html", {
        "page": page, "lists": sorted(titles.items(), key=lambda kv: kv[0]), "current": name,
        "is_admin": user_scopes(request.user).is_admin})
