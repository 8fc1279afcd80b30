"""Duplicate pages: the intake check (htmx fragment), the list of likely duplicates of
one appeal with one-click merge, and 我也遇到 (support). Thin: the lookup is
intelligence.duplicates, the writes are appeals.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appeals import services
from appeals.selectors import permitted_role, supportable_appeals, visible_appeals
from appeals.views import is_htmx
from appeals.workflow import Action
from core.errors import LinliError, NotFound
from regions.models import Region
from regions.selectors import grid_at

from .dup_hooks import staff_appeal
from .duplicates import duplicates_of, likely_duplicates
from .selectors import is_staff as is_staff_member

MIN_TEXT = 5


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def dup_check(request):
    """While someone reports: open appeals nearby that look like the same problem.
    Staff see numbers and links; residents see titles (phones masked) and can say 我也遇到 to those
    they may support (appeals.selectors.supportable_appeals)."""
    q = request.GET
    title, content = q.get("title", "").strip()[:120], q.get("content", "").strip()[:4000]
    lng, lat = _float(q.get("lng")), _float(q.get("lat"))
    grid = grid_at(lng, lat) if lng is not None and lat is not None else None
    if grid is None and q.get("grid"):
        grid = Region.objects.filter(code=q.get("grid", "").strip(), level=Region.Level.GRID).first()
    is_staff = is_staff_member(request.user)
    matches = []
    if grid is not None and len(title + content) >= MIN_TEXT:
        matches = likely_duplicates(title=title, content=content, grid=grid, lng=lng, lat=lat, at=timezone.now(),
                                    among=visible_appeals(request.user) if is_staff else None)
    ids = [m.appeal.pk for m in matches]
    supportable = set() if is_staff else set(supportable_appeals(request.user).filter(pk__in=ids)
                                               .values_list("pk", flat=True))
    return render(request, "intelligence/dup_check.html", {
        "matches": matches, "is_staff": is_staff, "supportable": supportable, "placed": grid is not None,
        "has_text": len(title + content) >= MIN_TEXT})


def _merge_options(user, appeal, matches) -> list[dict]:
    """Each match with the merges this user may make now: this one into it, or it into this one."""
    into_it = permitted_role(user, appeal, Action.MERGE) is not None
    rows = []
    for m in matches:
        other = visible_appeals(user).select_related("category").filter(pk=m.appeal.pk).first()
        rows.append({"match": m, "other": other, "into_it": into_it and other is not None,
                     "into_this": other is not None and permitted_role(user, other, Action.MERGE) is not None})
    return rows


def _dup_page(request, appeal, *, error: str = "", status: int = 200):
    matches = duplicates_of(appeal, among=visible_appeals(request.user))
    return render(request, "intelligence/dup_list.html", {
        "appeal": appeal, "rows": _merge_options(request.user, appeal, matches), "error": error}, status=status)


def _staff_appeal_or_404(user, pk):
    try:
        return staff_appeal(user, pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))


@login_required
def dup_list(request, pk):
    """Likely duplicates of one appeal, each with its score, its reasons and the merge buttons."""
    return _dup_page(request, _staff_appeal_or_404(request.user, pk))


@login_required
@require_POST
def dup_merge(request, pk):
    """One click: merge `child` into `parent` through the appeal loop's own merge (version checked)."""
    appeal = _staff_appeal_or_404(request.user, pk)
    child, parent = request.POST.get("child", ""), request.POST.get("parent", "")
    if str(appeal.pk) not in (child, parent) or not (child.isdigit() and parent.isdigit()):
        raise Http404()
    version = request.POST.get("expected_version", "")
    try:
        merged = services.appeal_transition(
            appeal=child, action=Action.MERGE, actor=request.user, parent=parent,
            expected_version=int(version) if version.isdigit() else "stale",
            note=_("Merged from the list of likely duplicates."))
    except LinliError as e:
        return _dup_page(request, appeal, error=e.message, status=e.status)
    messages.success(request, _("Merged: %(child)s now follows %(parent)s; its reporter hears the outcome.")
                     % {"child": merged.number, "parent": merged.parent.number})
    return redirect("appeals:detail", pk=merged.parent_id)


@login_required
@require_POST
def support(request, pk):
    """我也遇到 / 附议. Twice by one person counts once."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("core:home")
    try:
        row, created = services.appeal_support(appeal_id=pk, actor=request.user)
    except LinliError as e:
        if is_htmx(request):
            return render(request, "intelligence/support_result.html", {"error": e.message})
        messages.error(request, e.message)
        return redirect(back)
    count = row.appeal.supports.count()
    if is_htmx(request):
        return render(request, "intelligence/support_result.html", {"created": created, "count": count})
    messages.success(request, _("Thank you. %(n)d people support this appeal.") % {"n": count})
    return redirect(back)
