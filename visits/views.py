"""Pages of visits; thin: parse the request, call services/selectors, render.
A LinliError's message is shown in the page and what the user typed is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role as AccountRole
from accounts.models import User
from core.errors import LinliError, NotFound
from core.http import or_404
from people.models import Person

from . import selectors, services
from .forms import (
    IMAGE_ACCEPT,
    KNOCK_CHOICES,
    CampaignFilterForm,
    CampaignForm,
    FindingForm,
    SubjectForm,
    TagForm,
    VisitForm,
)
from .workflow import (
    CampaignStatus,
    FindingAction,
    KnockResult,
    Machine,
    PatrolStatus,
    SubjectAction,
)


CAMPAIGN_PAGE_SIZE = 50


def _flash(request, call, success) -> None:
    """A POST that goes back to a page: run the service call, then say `success`
    (or a function of what the call returned) or the error. NotFound is a 404."""
    try:
        result = call()
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, success(result) if callable(success) else success)


def _only_workers(user):
    if not selectors.can_use(user):
        raise Http404(_("Not found, or you cannot see it."))


def _only_staff(user):
    if not selectors.is_staff(user):
        raise Http404(_("Not found, or you cannot see it."))


# ---------------------------------------------------------------- the grid worker's list

@login_required
def due(request):
    """Who is overdue and who is due this week, in the user's grids."""
    user = request.user
    _only_workers(user)
    mine = selectors.is_grid_worker(user) and request.GET.get("all") != "1"
    lists = selectors.due_lists(user, mine_only=mine)
    return render(request, "visits/due.html", {"lists": lists, "today": selectors.today(),
                                               "can_add": True, "mine_only": mine})


@login_required
def subject(request, pk):
    user = request.user
    s = or_404(selectors.get_subject, user, pk)
    return render(request, "visits/subject.html", _subject_context(request, s))


def _subject_context(request, s, **extra):
    user = request.user
    actions = selectors.available_actions(Machine.SUBJECT, s, user)
    return {"subject": s, "visits": list(selectors.subject_visits(s)[:50]), "status": selectors.live_status(
        s, selectors.today()), "events": list(selectors.timeline(Machine.SUBJECT, s)),
            "can_visit": SubjectAction.VISIT in actions, "can_end": SubjectAction.END in actions,
            "can_resume": SubjectAction.RESUME in actions, "can_edit": SubjectAction.RESCHEDULE in actions,
            "can_reveal": selectors.can_reveal(user, s), **extra}


@login_required
@require_POST
def reveal(request, pk):
    field = request.POST.get("field", "phone")
    try:
        value = services.reveal_personal(actor=request.user, subject=pk, field=field)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))
    except LinliError as e:
        messages.error(request, e.message)
        return redirect("visits:subject", pk=pk)
    s = or_404(selectors.get_subject, request.user, pk)
    return render(request, "visits/subject.html", _subject_context(request, s, revealed={field: value}))


@login_required
@require_POST
def subject_action(request, pk, action):
    user = request.user
    if action == SubjectAction.END:
        _flash(request, lambda: services.subject_end(actor=user, subject=pk, note=request.POST.get("note", ""),
                                                     expected_version=request.POST.get("version") or None),
               _("Care has ended; the person is off the due lists."))
    elif action == SubjectAction.RESUME:
        _flash(request, lambda: services.subject_resume(actor=user, subject=pk), _("Care resumed."))
    else:
        raise Http404()
    return redirect("visits:subject", pk=pk)


@login_required
def visit_new(request, pk):
    """Record a visit; in the same step open an appeal, a service order or a dispute."""
    user = request.user
    s = or_404(selectors.get_subject, user, pk)
    can_order = selectors.can_open_order(user, s)
    form = VisitForm(request.POST or None, can_order=can_order, initial={"version": s.version})
    error, status = "", 200
    if request.method == "POST":
        photos = request.FILES.getlist("photos")
        try:
            visit = services.visit_record(actor=user, subject=s.pk, **form.service_kwargs(photos))
        except NotFound:
            raise Http404(_("Not found, or you cannot see it."))
        except LinliError as e:
            error, status = e.message, e.status
        else:
            text = _("Visit recorded. Next visit due on %(date)s.") % {
                "date": visit.next_due.isoformat() if visit.next_due else "-"}
            if visit.appeal_id:
                text += " " + _("Appeal %(n)s opened.") % {"n": visit.appeal.number}
            if visit.service_order_id:
                text += " " + _("Service order %(n)s opened.") % {"n": visit.service_order.number}
            if visit.dispute_id:
                text += " " + _("Dispute %(n)s recorded.") % {"n": visit.dispute.number or visit.dispute.pk}
            messages.success(request, text)
            return redirect("visits:subject", pk=s.pk)
    return render(request, "visits/visit_form.html", {
        "subject": s, "form": form, "error": error, "image_accept": IMAGE_ACCEPT, "can_order": can_order,
        "photos_dropped": bool(error and request.FILES)}, status=status)


# ---------------------------------------------------------------- people under care

def _candidates(user, q: str):
    if not q:
        return []
    households = selectors.households_for_subjects(user)
    return list(Person.objects.filter(household__in=households, name__icontains=q).select_related(
        "household__building__estate", "care_subject")[:30])


@login_required
def subject_new(request):
    user = request.user
    _only_workers(user)
    q = (request.GET.get("q") or "").strip()[:64]
    chosen_id = request.POST.get("person") or request.GET.get("person") or ""
    chosen = None
    if str(chosen_id).isdigit():
        chosen = Person.objects.filter(pk=chosen_id, household__in=selectors.households_for_subjects(user)).select_related(
            "household__building__grid").first()
    return _subject_form(request, chosen=chosen, q=q, candidates=_candidates(user, q))


@login_required
def subject_edit(request, pk):
    s = or_404(selectors.get_subject, request.user, pk)
    if SubjectAction.RESCHEDULE not in selectors.available_actions(Machine.SUBJECT, s, request.user):
        raise Http404(_("Not found, or you cannot see it."))
    initial = {"person": s.person_id, "tags": [t.code for t in s.tags.all()],
               "frequency_override": s.frequency_override, "responsible": s.responsible_id or "",
               "started_on": s.started_on, "note": s.note}
    return _subject_form(request, chosen=s.person, subject=s, initial=initial)


def _subject_form(request, *, chosen, subject=None, q="", candidates=(), initial=None):
    user = request.user
    workers = []
    if chosen is not None and chosen.household_id:
        grid = chosen.household.building.grid
        workers = list(User.objects.filter(roles__role=AccountRole.GRID_WORKER, roles__region=grid).distinct())
    form = SubjectForm(request.POST or None, tags=selectors.active_tags(), workers=workers,
                       initial=initial or {"person": chosen.pk if chosen else ""})
    error, status = "", 200
    if request.method == "POST":
        try:
            saved = services.subject_save(actor=user, **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Saved. Next visit due on %(date)s.") % {
                "date": saved.next_due.isoformat() if saved.next_due else "-"})
            return redirect("visits:subject", pk=saved.pk)
    return render(request, "visits/subject_form.html", {
        "form": form, "chosen": chosen, "subject": subject, "q": q, "candidates": candidates, "error": error},
        status=status)


@login_required
def tags(request):
    """The care tags and their default frequencies; street staff edit them."""
    user = request.user
    _only_workers(user)
    can_edit = selectors.is_admin(user) or bool(selectors._ids(user)["streets"])
    edit = None
    if request.GET.get("code"):
        edit = selectors.all_tags().filter(code=request.GET["code"]).first()
    initial = ({"code": edit.code, "name": edit.name, "name_en": edit.name_en, "frequency": edit.frequency,
                "sort": edit.sort, "is_active": edit.is_active} if edit else {"is_active": True})
    form = TagForm(request.POST or None, initial=initial)
    error, status = "", 200
    if request.method == "POST":
        if not can_edit:
            raise Http404(_("Not found, or you cannot see it."))
        d = request.POST
        try:
            services.tag_save(actor=user, code=d.get("code", ""), name=d.get("name", ""), name_en=d.get("name_en", ""),
                              frequency=d.get("frequency", ""), sort=d.get("sort") or 0,
                              is_active=d.get("is_active") in ("on", "true", "1"))
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Care tag saved."))
            return redirect("visits:tags")
    return render(request, "visits/tags.html", {"tags": selectors.all_tags(), "form": form, "can_edit": can_edit,
                                                "error": error, "editing": edit}, status=status)


# ---------------------------------------------------------------- staff overview

@login_required
def overview(request):
    user = request.user
    _only_staff(user)
    rows = selectors.overview(user)
    totals = {k: sum(r[k] for r in rows) for k in ("subjects", "overdue", "due", "visits_month", "patrols_today",
                                                   "on_patrol")}
    campaigns = selectors.with_coverage(selectors.visible_campaigns(user).filter(status=CampaignStatus.RUNNING))
    campaigns = list(campaigns[:10])
    for c in campaigns:
        c.coverage = selectors.coverage(c.n_knocked, c.n_households)
    patrols = list(selectors.visible_patrols(user).filter(
        Q(status=PatrolStatus.OPEN) | Q(started_at__gte=_day_start())).order_by("-started_at")[:30])
    return render(request, "visits/overview.html", {"rows": rows, "totals": totals, "campaigns": campaigns,
                                                    "patrols": patrols})


def _day_start():
    import datetime as dt

    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(selectors.today(), dt.time()))


# ---------------------------------------------------------------- patrols

@login_required
def patrol(request):
    """Today's patrol: start with the location, note findings with photos, report them, end."""
    user = request.user
    if not selectors.is_grid_worker(user):
        _only_staff(user)
        return redirect("visits:overview")
    current = selectors.open_patrol(user)
    return render(request, "visits/patrol.html", _patrol_context(request, current))


def _patrol_context(request, current, **extra):
    user = request.user
    findings = list(selectors.patrol_findings(current)) if current else []
    return {"patrol": current, "findings": findings, "grids": list(selectors.worker_grids(user)),
            "finding_form": extra.pop("finding_form", None) or FindingForm(),
            "image_accept": IMAGE_ACCEPT, "recent": list(selectors.recent_patrols(user)),
            "map_data": _map_data(current, findings), "categories": FindingForm().fields["category"].choices,
            **extra}


def _map_data(patrol_obj, findings) -> dict:
    if patrol_obj is None:
        return {}
    grid = patrol_obj.grid
    return {"grid": {"type": "Feature", "geometry": grid.geometry, "properties": {"name": grid.name}}
            if grid.geometry else None,
            "route": [[p[0], p[1]] for p in (patrol_obj.route or []) if p and p[0] is not None],
            "points": [[f.lng, f.lat] for f in findings if f.lng is not None]}


@login_required
@require_POST
def patrol_start(request):
    d = request.POST
    try:
        services.patrol_start(actor=request.user, grid=d.get("grid") or None, lng=d.get("lng") or None,
                              lat=d.get("lat") or None)
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Patrol started. Note what you find as you go."))
    return redirect("visits:patrol")


@login_required
@require_POST
def patrol_end(request, pk):
    d = request.POST
    _flash(request, lambda: services.patrol_end(actor=request.user, patrol=pk, lng=d.get("lng") or None,
                                                lat=d.get("lat") or None, note=d.get("note", ""),
                                                expected_version=d.get("version") or None),
           _("Patrol ended."))
    return redirect("visits:patrol")


@login_required
@require_POST
def patrol_track(request, pk):
    try:
        services.patrol_track(actor=request.user, patrol=pk, lng=request.POST.get("lng"), lat=request.POST.get("lat"))
    except NotFound:
        return JsonResponse({"code": "not_found", "message": _("Not found, or you cannot see it.")}, status=404)
    except LinliError as e:
        return JsonResponse({"code": e.code, "message": e.message}, status=e.status)
    return JsonResponse({"ok": True})


@login_required
def patrol_detail(request, pk):
    p = or_404(selectors.get_patrol, request.user, pk)
    findings = list(selectors.patrol_findings(p))
    return render(request, "visits/patrol_detail.html", {
        "patrol": p, "findings": findings, "map_data": _map_data(p, findings),
        "events": list(selectors.timeline(Machine.PATROL, p)), "categories": FindingForm().fields["category"].choices,
        "is_mine": p.worker_id == request.user.pk})


@login_required
@require_POST
def finding_add(request, pk):
    user = request.user
    form = FindingForm(request.POST)
    d = request.POST
    try:
        services.finding_add(actor=user, patrol=pk, note=d.get("note", ""), lng=d.get("lng") or None,
                             lat=d.get("lat") or None, category=d.get("category") or None,
                             photos=request.FILES.getlist("photos"))
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))
    except LinliError as e:
        current = selectors.open_patrol(user)
        return render(request, "visits/patrol.html", _patrol_context(
            request, current, finding_form=form, finding_error=e.message,
            photos_dropped=bool(request.FILES)), status=e.status)
    messages.success(request, _("Finding noted."))
    return redirect("visits:patrol")


@login_required
@require_POST
def finding_action(request, pk, action):
    user = request.user
    d = request.POST
    if action == FindingAction.REPORT:
        _flash(request, lambda: services.finding_report(actor=user, finding=pk, category=d.get("category") or None,
                                                        title=d.get("title", ""), urgency=d.get("urgency") or "normal",
                                                        expected_version=d.get("version") or None),
               lambda appeal: _("Reported as appeal %(n)s.") % {"n": appeal.number})
    elif action in (FindingAction.DISMISS, FindingAction.RESTORE):
        _flash(request, lambda: services.finding_transition(actor=user, finding=pk, action=action, note=d.get("note", ""),
                                                            expected_version=d.get("version") or None),
               _("Saved."))
    else:
        raise Http404()
    nxt = d.get("next", "")
    return redirect(nxt if nxt.startswith("/visits/") else reverse("visits:patrol"))


@login_required
def photo(request, pk):
    p = or_404(selectors.photo_of, request.user, pk)
    response = FileResponse(p.file.open("rb"), content_type=p.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# ---------------------------------------------------------------- 敲门行动

@login_required
def campaigns(request):
    """The drives the user sees, filtered and paged; the Excel export gives the same rows."""
    user = request.user
    _only_workers(user)
    form = CampaignFilterForm(request.GET or None, communities=selectors.campaign_communities(user))
    filters = form.filters()
    page = Paginator(selectors.campaign_list(user, **filters), CAMPAIGN_PAGE_SIZE).get_page(request.GET.get("page"))
    for c in page.object_list:
        c.coverage = selectors.coverage(c.n_knocked, c.n_households)
    return render(request, "visits/campaigns.html", {"campaigns": page.object_list, "page": page, "form": form,
                                                     "filtered": any(filters.values()),
                                                     "can_create": selectors.is_staff(user)})


@login_required
def campaign_new(request):
    user = request.user
    _only_staff(user)
    form = CampaignForm(request.POST or None, communities=selectors.staff_communities(user))
    error, status = "", 200
    if request.method == "POST":
        try:
            c = services.campaign_create(actor=user, **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Drive planned with its households. Start it when the knocking begins."))
            return redirect("visits:campaign", pk=c.pk)
    return render(request, "visits/campaign_form.html", {"form": form, "error": error}, status=status)


@login_required
def campaign(request, pk):
    user = request.user
    c = or_404(selectors.get_campaign, user, pk)
    return render(request, "visits/campaign.html", _campaign_context(request, c))


def _campaign_context(request, c, **extra):
    user = request.user
    groups = selectors.knocks_by_building(c)
    for g in groups:
        for k in g["knocks"]:
            k.can_record = c.status == CampaignStatus.RUNNING and selectors.can_knock(user, k)
    return {"campaign": c, "groups": groups, "actions": selectors.available_actions(Machine.CAMPAIGN, c, user),
            "results": KNOCK_CHOICES, "revisit": list(selectors.campaign_knocks(c, result=KnockResult.NOBODY_HOME)),
            "categories": FindingForm().fields["category"].choices, **extra}


@login_required
@require_POST
def campaign_action(request, pk, action):
    _flash(request, lambda: services.campaign_transition(actor=request.user, campaign=pk, action=action,
                                                         note=request.POST.get("note", ""),
                                                         expected_version=request.POST.get("version") or None),
           _("Saved."))
    return redirect("visits:campaign", pk=pk)


@login_required
@require_POST
def knock(request, pk, knock_pk):
    user = request.user
    k = or_404(selectors.get_knock, user, pk, knock_pk)
    d = request.POST
    appeal = {"category": d.get("category"), "title": d.get("title", "")} if d.get("open_appeal") else None
    _flash(request, lambda: services.knock_record(actor=user, knock=k.pk, result=d.get("result", ""),
                                                  note=d.get("note", ""), expected_version=d.get("version"),
                                                  appeal=appeal),
           _("Recorded: %(h)s") % {"h": str(k.household)})
    return redirect(reverse("visits:campaign", args=[pk]) + f"#b{k.household.building_id}")

