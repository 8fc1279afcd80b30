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
from .selectors import export_log_list

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


@login_required
def export_log(request):
    """The exports the user may see (their own; every one for administrators), with the Excel
    export of the same rows."""
    if not user_scopes(request.user).is_staff_member:
        raise Http404()
    name = request.GET.get("list", "")
    page = Paginator(export_log_list(request.user, list_name=name), PAGE_SIZE).get_page(request.GET.get("page"))
    titles = {key: str(spec.title) for key, spec in REGISTRY.items()}
    for log in page.object_list:
        log.title = titles.get(log.list_name, log.list_name)
    return render(request, "integrations/exports/log.html", {
        "page": page, "lists": sorted(titles.items(), key=lambda kv: kv[0]), "current": name,
        "is_admin": user_scopes(request.user).is_admin})
