"""Pages of deliberation; thin: parse the request, call services/selectors,
render. A LinliError's message is shown on the page it came from, with what
the user typed kept in the form (status 400/403/404/409, never a 500)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import home_community, managed_communities, user_scopes
from core.errors import LinliError
from core.http import or_404
from people.models import Unit

from . import documents, selectors, services
from .forms import MeetingFilterForm
from .models import CheckPhoto, Matter
from .workflow import (
    TASK_STATES,
    Action,
    MatterRole,
    MeetingKind,
    MeetingStatus,
    Party,
    Satisfaction,
    Status,
    TaskStatus,
)

PAGE_SIZE = 20
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
# Actions whose form needs a note, and which are the "step back or stop" kind (shown last, in red).
DANGER = {Action.DECLINE, Action.MERGE, Action.UNSCHEDULE}


def _matter_or_404(user, pk) -> Matter:
    return or_404(selectors.get_matter, user, pk)


def _is_staff(user) -> bool:
    return selectors.is_any_staff(user) or user_scopes(user).is_admin


# ---------------------------------------------------------------- residents

@login_required
def matter_list(request):
    """Residents' list: the matters of their community (or their own), each with its step and task progress."""
    user = request.user
    tab = request.GET.get("tab", "all")
    qs = selectors.visible_matters(user).select_related("community").prefetch_related("tasks")
    if tab == "mine":
        qs = selectors.filter_matters(qs, mine_user=user)
    elif tab == "closed":
        qs = qs.filter(status=Status.CLOSED)
    else:
        tab = "all"
        qs = qs.exclude(status__in=[Status.MERGED, Status.DECLINED])
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"m": m, "p": selectors.steps(m), "progress": selectors.progress(m)} for m in page.object_list]
    return render(request, "deliberation/list.html", {"page": page, "rows": rows, "tab": tab,
                                                      "is_staff": _is_staff(user)})


@login_required
def raise_matter(request):
    user = request.user
    is_staff = _is_staff(user)
    home = home_community(user)
    communities = list(managed_communities(user).order_by("code")) if is_staff else []
    error, status = "", 200
    if request.method == "POST":
        on_behalf = is_staff and request.POST.get("on_behalf") == "1" or is_staff and home is None
        try:
            matter = services.matter_raise(
                actor=user, title=request.POST.get("title", ""), content=request.POST.get("content", ""),
                community=request.POST.get("community", ""), grid=request.POST.get("grid", ""),
                on_behalf=on_behalf, raiser_name=request.POST.get("raiser_name", ""))
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Received: %(n)s. Community staff will sort it soon.") % {"n": matter.number})
            return redirect("deliberation:detail", pk=matter.pk)
    from regions.models import Region

    all_communities = [] if home is not None or is_staff else list(
        Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"))
    return render(request, "deliberation/raise.html", {
        "error": error, "posted": request.POST, "home": home, "is_staff": is_staff,
        "communities": communities or all_communities,
    }, status=status)


# ---------------------------------------------------------------- one matter

def _detail_context(request, matter, *, error="", error_for="", posted=None) -> dict:
    user = request.user
    actions = selectors.available_actions(matter, user)
    roles = selectors.matter_roles(user, matter)
    is_staff = MatterRole.STAFF in roles
    tasks = list(matter.tasks.select_related("owner_unit", "owner_user", "appeal").order_by("deadline", "id"))
    for t in tasks:
        t.actions = selectors.task_actions(t, user)
        t.can_whistle = selectors.can_whistle(user, t)
        t.is_overdue = t.status == TaskStatus.OPEN and t.deadline < timezone.localdate()
        t.kept = (posted or {}) if error_for.startswith((f"task-{t.pk}-", f"whistle-{t.pk}")) else {}
        t.kept_action = ("whistle" if error_for.startswith("whistle-") else error_for.rsplit("-", 1)[-1]) if t.kept else ""
    decisions = list(matter.agenda_items.filter(decision__isnull=False).select_related("decision", "meeting")
                     .order_by("decision__at"))
    counts = selectors.round_ratings(matter)
    members = list(selectors.community_members(matter.community_id).filter(person__user__isnull=False)
                   .select_related("person")) if is_staff and (Action.SORT_SMALL in actions or Action.REASSIGN in actions) \
        else []
    merge_targets = list(Matter.objects.filter(community_id=matter.community_id).exclude(pk=matter.pk).exclude(
        status__in=[Status.RAISED, Status.CLOSED, Status.MERGED, Status.DECLINED]).order_by("-created_at")[:30]) \
        if Action.MERGE in actions else []
    from appeals.models import Category

    return {
        "matter": matter,
        "p": selectors.steps(matter),
        "progress": selectors.progress(matter),
        "action_forms": [{"action": a, "danger": a in DANGER, "open": error_for == f"act-{a.value}",
                          "note": (posted or {}).get("note", "") if error_for == f"act-{a.value}" else ""}
                         for a in sorted(actions, key=lambda a: a in DANGER)],
        "is_staff": is_staff,
        "tasks": tasks,
        "can_add_task": is_staff and matter.status in TASK_STATES,
        "units": list(Unit.objects.filter(is_active=True).order_by("name")) if is_staff else [],
        "categories": list(Category.objects.filter(is_active=True, children__isnull=True).order_by("sort", "code"))
        if is_staff else [],
        "decisions": decisions,
        "meetings": list(selectors.open_meetings_for(matter)) if is_staff and matter.status == Status.ACCEPTED else [],
        "checks": list(matter.checks.prefetch_related("photos")),
        "can_check": selectors.can_check(user, matter),
        "can_cosign": selectors.can_cosign(user, matter),
        "cosigned": matter.cosigns.filter(user=user).exists(),
        "can_rate": selectors.can_rate(user, matter),
        "my_rating": matter.ratings.filter(user=user, round=matter.round).first(),
        "counts": counts,
        "rating_total": sum(counts.values()),
        "satisfactions": Satisfaction.choices,
        "members": members,
        "merge_targets": merge_targets,
        "events": list(selectors.timeline(matter)),
        "action_labels": Action.choices,
        "personal": is_staff or matter.raiser_id == user.pk,
        "error": error, "error_for": error_for, "posted": posted or {},
        "image_accept": IMAGE_ACCEPT,
        "today": timezone.localdate().isoformat(),
    }


@login_required
def detail(request, pk):
    matter = _matter_or_404(request.user, pk)
    return render(request, "deliberation/detail.html", _detail_context(request, matter))


def _redo(request, pk, e: LinliError, error_for: str):
    """Show the matter page again with the error next to the form and the input kept."""
    matter = or_404(selectors.get_matter, request.user, pk)
    return render(request, "deliberation/detail.html",
                  _detail_context(request, matter, error=e.message, error_for=error_for, posted=request.POST),
                  status=e.status)


def _back(pk, anchor=""):
    return redirect(reverse("deliberation:detail", args=[pk]) + (f"#{anchor}" if anchor else ""))


def _run(request, pk, call, error_for: str, success: str, anchor=""):
    """A form on the matter page: run the service call, then back to the page (at
    `anchor`) with `success`, or the page again with the error by the form."""
    try:
        call()
    except LinliError as e:
        return _redo(request, pk, e, error_for)
    messages.success(request, success)
    return _back(pk, anchor)


@login_required
@require_POST
def act(request, pk, action):
    matter = _matter_or_404(request.user, pk)
    p = request.POST
    try:
        services.matter_transition(matter, action, request.user, note=p.get("note", ""),
                                   expected_version=p.get("expected_version"), member=p.get("member") or None,
                                   merge_into=p.get("merge_into") or None, satisfaction=p.get("satisfaction", ""))
    except LinliError as e:
        return _redo(request, pk, e, f"act-{action}")
    messages.success(request, _("Done: %(a)s.") % {"a": Action(action).label})
    if selectors.visible_matters(request.user).filter(pk=pk).exists():
        return _back(pk)
    return redirect("deliberation:workbench")


@login_required
@require_POST
def cosign(request, pk):
    matter = _matter_or_404(request.user, pk)
    return _run(request, pk, lambda: services.matter_cosign(matter=matter, actor=request.user), "cosign",
                _("Thank you for your support."))


@login_required
@require_POST
def rate(request, pk):
    matter = _matter_or_404(request.user, pk)
    p = request.POST
    return _run(request, pk, lambda: services.matter_rate(matter=matter, actor=request.user,
                                                          satisfaction=p.get("satisfaction", ""),
                                                          comment=p.get("comment", "")),
                "rate", _("Thank you, your rating is recorded."))


@login_required
@require_POST
def check(request, pk):
    matter = _matter_or_404(request.user, pk)
    return _run(request, pk, lambda: services.check_record(matter=matter, actor=request.user,
                                                           note=request.POST.get("note", ""),
                                                           photos=request.FILES.getlist("photos")),
                "check", _("Your check is recorded."), "checks")


@login_required
@require_POST
def task_add(request, pk):
    matter = _matter_or_404(request.user, pk)
    p = request.POST
    return _run(request, pk, lambda: services.task_add(
        matter=matter, actor=request.user, title=p.get("title", ""), detail=p.get("detail", ""),
        owner_unit=p.get("owner_unit") or None, owner_user=p.get("owner_user") or None, deadline=p.get("deadline", "")),
        "task_add", _("Task added."), "tasks")


def _task_matter_pk(request, task_pk) -> int:
    return or_404(selectors.get_task, request.user, task_pk).matter_id


@login_required
@require_POST
def task_act(request, task_pk, action):
    matter_pk = _task_matter_pk(request, task_pk)
    p = request.POST
    return _run(request, matter_pk, lambda: services.task_transition(
        task_pk, action, request.user, note=p.get("note", ""), progress=p.get("progress"),
        expected_version=p.get("expected_version")),
        f"task-{task_pk}-{action}", _("Task updated."), "tasks")


@login_required
@require_POST
def task_whistle(request, task_pk):
    matter_pk = _task_matter_pk(request, task_pk)
    p = request.POST
    try:
        task = services.task_whistle(task=task_pk, actor=request.user, category=p.get("category") or None,
                                     deadline_workdays=p.get("deadline_workdays") or None, note=p.get("note", ""))
    except LinliError as e:
        return _redo(request, matter_pk, e, f"whistle-{task_pk}")
    if task.appeal.status == "whistled":
        messages.success(request, _("Whistled to %(u)s as appeal %(n)s.") % {"u": task.owner_unit.name,
                                                                             "n": task.appeal.number})
    else:
        messages.success(request, _("Appeal %(n)s sent to the street to whistle to %(u)s.") % {
            "u": task.owner_unit.name, "n": task.appeal.number})
    return _back(matter_pk, "tasks")


@login_required
def check_photo(request, pk):
    photo = CheckPhoto.objects.select_related("check_record").filter(pk=pk).first()
    if photo is None or not selectors.visible_matters(request.user).filter(pk=photo.check_record.matter_id).exists():
        raise Http404(_("Not found, or you cannot see it."))
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def from_appeal(request, appeal_pk):
    """Community staff raise an open appeal as a matter (the appeal page links here)."""
    from appeals.selectors import get_appeal

    appeal = or_404(get_appeal, request.user, appeal_pk)
    existing = Matter.objects.filter(source_appeal=appeal).first()
    if existing is not None and selectors.visible_matters(request.user).filter(pk=existing.pk).exists():
        messages.info(request, _("This appeal is already matter %(n)s.") % {"n": existing.number})
        return redirect("deliberation:detail", pk=existing.pk)
    allowed = selectors.is_staff_for(request.user, appeal.community_id)
    error, status = "", 200 if allowed else 403
    if request.method == "POST":
        try:
            matter = services.matter_raise(actor=request.user, title=request.POST.get("title", ""),
                                           content=request.POST.get("content", ""), appeal=appeal)
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Appeal %(a)s is now matter %(n)s.") % {"a": appeal.number, "n": matter.number})
            return redirect("deliberation:detail", pk=matter.pk)
    posted = request.POST if request.method == "POST" else {"title": appeal.title, "content": appeal.content}
    return render(request, "deliberation/from_appeal.html", {"appeal": appeal, "allowed": allowed, "error": error,
                                                             "posted": posted}, status=status)


# ---------------------------------------------------------------- staff

@login_required
def workbench(request):
    if not _is_staff(request.user):
        return render(request, "deliberation/not_staff.html", status=403)
    return render(request, "deliberation/workbench.html", {"q": selectors.workbench(request.user)})


@login_required
def meetings(request):
    """Meetings the user may see, filtered; staff also get the Excel export of the same rows."""
    user = request.user
    form = MeetingFilterForm(request.GET or None, communities=selectors.meeting_communities(user))
    filters = form.filters()
    page = Paginator(selectors.meeting_list(user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/meetings.html", {"page": page, "form": form, "filtered": any(filters.values()),
                                                          "is_staff": _is_staff(user)})


@login_required
def meeting_new(request):
    from places.models import Place

    user = request.user
    if not _is_staff(user):
        return render(request, "deliberation/not_staff.html", status=403)
    communities = list(managed_communities(user).order_by("code"))
    places = list(Place.objects.filter(is_active=True, region__in=communities).order_by("kind", "name")) + list(
        Place.objects.filter(is_active=True, region__in={c.parent_id for c in communities}).order_by("name"))
    error, status = "", 200
    if request.method == "POST":
        p = request.POST
        try:
            meeting = services.meeting_plan(actor=user, community=p.get("community", ""), starts_at=p.get("starts_at", ""),
                                            title=p.get("title", ""), kind=p.get("kind", ""), place=p.get("place") or None,
                                            venue=p.get("venue", ""), host=p.get("host", ""),
                                            recorder=p.get("recorder", ""))
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Meeting planned. Now put matters on its agenda and invite the parties."))
            return redirect("deliberation:meeting", pk=meeting.pk)
    return render(request, "deliberation/meeting_new.html", {
        "error": error, "posted": request.POST, "communities": communities, "places": places,
        "kinds": MeetingKind.choices}, status=status)


def _meeting_context(request, meeting, *, error="", error_for="", posted=None) -> dict:
    user = request.user
    is_staff = selectors.is_staff_for(user, meeting.community_id) or user_scopes(user).is_admin
    items = list(selectors.agenda(meeting))
    return {
        "meeting": meeting, "agenda_items": items, "is_staff": is_staff,
        "invitations": list(meeting.invitations.select_related("unit", "user")),
        "schedulable": list(selectors.schedulable_matters(meeting)) if is_staff and meeting.status == MeetingStatus.PLANNED
        else [],
        "parties": Party.choices, "units": list(Unit.objects.filter(is_active=True).order_by("name")) if is_staff else [],
        "undecided": [i for i in items if not hasattr(i, "decision")],
        "tasks": selectors.minutes_data(meeting)["tasks"],
        "error": error, "error_for": error_for, "posted": posted or {},
    }


@login_required
def meeting(request, pk):
    m = or_404(selectors.get_meeting, request.user, pk)
    return render(request, "deliberation/meeting.html", _meeting_context(request, m))


@login_required
@require_POST
def meeting_act(request, pk, op):
    """One write on a meeting: hold, cancel, agenda, invite, attendance, minutes, decision."""
    user = request.user
    m = or_404(selectors.get_meeting, user, pk)
    p = request.POST
    try:
        if op in ("hold", "cancel"):
            services.meeting_transition(meeting=m, action=op, actor=user, note=p.get("note", ""),
                                        expected_version=p.get("expected_version"))
        elif op == "agenda":
            services.agenda_add(meeting=m, matter=p.get("matter", ""), actor=user)
        elif op == "unagenda":
            services.agenda_remove(meeting=m, matter=p.get("matter", ""), actor=user, note=p.get("note", ""))
        elif op == "invite":
            services.meeting_invite(meeting=m, actor=user, party=p.get("party", ""), name=p.get("name", ""),
                                    unit=p.get("unit") or None)
        elif op == "attendance":
            services.meeting_attendance(meeting=m, actor=user, present=p.getlist("present"))
        elif op == "minutes":
            services.meeting_minutes(meeting=m, actor=user, minutes=p.get("minutes", ""), host=p.get("host", ""),
                                     recorder=p.get("recorder", ""))
        elif op == "decision":
            services.decision_record(meeting=m, matter=p.get("matter", ""), actor=user, text=p.get("text", ""),
                                     votes_for=p.get("votes_for", ""), votes_against=p.get("votes_against", ""),
                                     votes_abstain=p.get("votes_abstain", ""))
        else:
            raise Http404(_("Not found, or you cannot see it."))
    except LinliError as e:
        m = selectors.get_meeting(user, pk)
        return render(request, "deliberation/meeting.html",
                      _meeting_context(request, m, error=e.message, error_for=op, posted=p.dict()), status=e.status)
    messages.success(request, _("Saved."))
    return redirect(reverse("deliberation:meeting", args=[pk]) + f"#{op}")


@login_required
def meeting_export(request, pk, fmt):
    m = or_404(selectors.get_meeting, request.user, pk)
    if fmt == "docx":
        content, ctype = documents.minutes_docx(m), documents.DOCX_TYPE
    elif fmt == "pdf":
        content, ctype = documents.minutes_pdf(m), "application/pdf"
    else:
        raise Http404(_("Not found, or you cannot see it."))
    response = HttpResponse(content, content_type=ctype)
    name = f"minutes-{m.pk}-{timezone.localtime(m.starts_at):%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

