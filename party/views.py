"""Pages of the party app; thin: parse the request, call services/selectors,
render. A LinliError is shown in the page with what the user typed kept."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import home_community, manages_community
from core.errors import LinliError, NotFound

from . import selectors, services
from .forms import (
    AwardForm,
    EndForm,
    EvaluationFilterForm,
    EvaluationForm,
    NominateForm,
    PlaqueForm,
    ProgressForm,
    ProjectForm,
    QuarterForm,
    RegisterMemberForm,
    RegisterUnitForm,
    ReviewForm,
    ServedHouseholdForm,
)
from .models import DualReport, Evaluation
from .workflow import DualStatus, EvaluationStatus, NominationStatus, ProjectStatus, allowed


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))


def _chosen(communities, value):
    """The community picked in the request, if the user may use it; else their first."""
    for community in communities:
        if str(community.pk) == str(value or "").strip():
            return community
    return communities[0] if communities else None


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


# ---------------------------------------------------------------- 双报到

def _dual_context(request, *, community_value=None, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    communities = selectors.staff_communities(user)
    member = selectors.member_of(user)
    if not communities and member is None:
        raise Http404(_("This page is for community staff and party members."))
    context: dict = {"communities": communities, "member": member, "error": bound.get("error", "")}
    if communities:
        community = _chosen(communities, community_value if community_value is not None else request.GET.get("community"))
        show_all = request.GET.get("show") == "all"
        regs = list(selectors.filter_dual_reports(selectors.visible_dual_reports(user), community=community.pk,
                                                  status="" if show_all else DualStatus.ACTIVE))
        units = selectors.registered_units(community)
        context.update({
            "community": community,
            "show_all": show_all,
            "member_reports": [r for r in regs if r.kind == DualReport.Kind.MEMBER],
            "unit_reports": [r for r in regs if r.kind == DualReport.Kind.UNIT],
            "projects": list(selectors.visible_projects(user).filter(community=community).order_by("status", "-pledged_at")),
            "member_form": bound.get("member_form") or RegisterMemberForm(
                members=selectors.registrable_members(community)),
            "unit_form": bound.get("unit_form") or RegisterUnitForm(units=selectors.registrable_units(community)),
            "project_form": bound.get("project_form") or ProjectForm(units=units),
            "end_form": EndForm(),
        })
    if member is not None:
        own = member.dual_reports.filter(status=DualStatus.ACTIVE).select_related("community").first()
        context.update({"own_report": own, "home": home_community(user),
                        "self_note_form": bound.get("self_form") or EndForm(prefix="self")})
    return context


@login_required
def dual(request):
    """Staff: their communities' registrations and co-building projects. Members: register themselves."""
    return render(request, "party/dual.html", _dual_context(request))


@login_required
@require_POST
def dual_register(request):
    post = request.POST
    kind = post.get("kind", "")
    community = post.get("community", "")
    try:
        if kind == "self":
            report = services.dual_report_register(actor=request.user, kind=DualReport.Kind.MEMBER,
                                                   note=post.get("self-note", ""))
        else:
            report = services.dual_report_register(actor=request.user, kind=kind, community=community,
                                                   member=post.get("member", ""), unit=post.get("unit", ""),
                                                   note=post.get("note", ""))
    except LinliError as e:
        bound = {"error": e.message}
        if kind == DualReport.Kind.UNIT:
            chosen = _chosen(selectors.staff_communities(request.user), community)
            bound["unit_form"] = RegisterUnitForm(post, units=selectors.registrable_units(chosen) if chosen else [])
        elif kind == DualReport.Kind.MEMBER:
            chosen = _chosen(selectors.staff_communities(request.user), community)
            bound["member_form"] = RegisterMemberForm(post, members=selectors.registrable_members(chosen) if chosen
                                                      else [])
        elif kind == "self":
            bound["self_form"] = EndForm(post, prefix="self")
        return render(request, "party/dual.html", _dual_context(request, community_value=community, bound=bound),
                      status=e.status)
    messages.success(request, _("Registered: %(name)s with %(community)s.") % {"name": report.subject_name,
                                                                               "community": report.community.name})
    if kind == "self":
        return redirect("party:my_record")
    return redirect(reverse("party:dual") + f"?community={report.community_id}")


@login_required
@require_POST
def dual_end(request, pk):
    report = _or_404(selectors.get_dual_report, request.user, pk)
    fallback = reverse("party:dual") + f"?community={report.community_id}"
    try:
        services.dual_report_end(actor=request.user, report=report, note=request.POST.get("note", ""))
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Registration ended: %(name)s.") % {"name": report.subject_name})
    return redirect(_back(request, fallback))


# ---------------------------------------------------------------- co-building projects

@login_required
@require_POST
def project_create(request):
    post = request.POST
    community = post.get("community", "")
    try:
        project = services.project_create(actor=request.user, unit=post.get("unit", ""), community=community,
                                          title=post.get("title", ""), description=post.get("description", ""),
                                          target=post.get("target", ""), due_date=post.get("due_date", ""))
    except LinliError as e:
        communities = selectors.staff_communities(request.user)
        if not communities:
            raise Http404()
        chosen = _chosen(communities, community)
        bound = {"error": e.message, "project_form": ProjectForm(post, units=selectors.registered_units(chosen))}
        return render(request, "party/dual.html", _dual_context(request, community_value=community, bound=bound),
                      status=e.status)
    messages.success(request, _("Co-building project recorded: %(title)s.") % {"title": project.title})
    return redirect("party:project", pk=project.pk)


def _project_context(request, project, *, form=None, error="") -> dict:
    can_update = selectors.can_update_project(request.user, project) and allowed("project", "update", project.status)
    return {
        "project": project,
        "updates": list(project.updates.all()),
        "can_update": can_update,
        "form": form or ProgressForm(initial={"progress": project.progress}),
        "error": error,
        "is_staff": manages_community(request.user, project.community_id),
        "done": project.status == ProjectStatus.DONE,
    }


@login_required
def project(request, pk):
    item = _or_404(selectors.get_project, request.user, pk)
    return render(request, "party/project.html", _project_context(request, item))


@login_required
@require_POST
def project_progress(request, pk):
    item = _or_404(selectors.get_project, request.user, pk)
    form = ProgressForm(request.POST)
    try:
        services.project_update(actor=request.user, project=item, progress=request.POST.get("progress", ""),
                                note=request.POST.get("note", ""), expected_version=request.POST.get("version", ""))
    except LinliError as e:
        fresh = _or_404(selectors.get_project, request.user, pk)
        return render(request, "party/project.html", _project_context(request, fresh, form=form, error=e.message),
                      status=e.status)
    messages.success(request, _("Progress recorded."))
    return redirect("party:project", pk=pk)


# ---------------------------------------------------------------- quarter report

@login_required
def quarter(request):
    """The 双报到 quarter report of a community: who served, who did not, per unit."""
    communities = selectors.staff_communities(request.user)
    if not communities:
        raise Http404(_("The quarter report is for community and street staff."))
    year, quarter_no = selectors.current_quarter()
    picked = QuarterForm(request.GET or None, communities=communities)
    error = ""
    if picked.is_bound and not picked.is_valid():
        error = _("Choose one of your communities, a year between 2000 and 2100 and a quarter.")
    elif picked.is_bound:
        year = picked.cleaned_data["year"] or year
        quarter_no = int(picked.cleaned_data["quarter"] or quarter_no)
    community = _chosen(communities, picked.cleaned_data.get("community") if not error and picked.is_bound else None)
    form = QuarterForm(initial={"community": str(community.pk), "year": year, "quarter": str(quarter_no)},
                       communities=communities)
    report = selectors.quarter_report(community, year, quarter_no)
    return render(request, "party/quarter.html", {"form": form, "report": report, "error": error,
                                                  "generated_at": timezone.now()},
                  status=400 if error else 200)


# ---------------------------------------------------------------- a member's own record

@login_required
def my_record(request):
    try:
        record = selectors.my_record(request.user)
    except NotFound as e:
        return render(request, "party/not_member.html", {"message": e.message}, status=404)
    _year, current = selectors.current_quarter()
    return render(request, "party/my_record.html", {
        "record": record, "current": current, "home": home_community(request.user),
        "end_form": EndForm(),
    })


# ---------------------------------------------------------------- member profile

def _member_context(request, member, *, bound: dict | None = None) -> dict:
    bound = bound or {}
    user = request.user
    own = user.person_id == member.person_id
    manage = selectors.can_manage_member(user, member)
    now = timezone.now()
    year = selectors.quarter_of(now)[0]
    start, end = selectors.quarter_bounds(year, 1)[0], selectors.quarter_bounds(year, 4)[1]
    account = selectors.user_of(member.person)
    services_this_year = selectors.service_records([account.pk], start, end) if account else []
    plaque_url = request.build_absolute_uri(reverse("party:plaque", args=[member.pk]))
    return {
        "member": member,
        "own": own,
        "manage": manage,
        "has_account": account is not None,
        "posts": selectors.posts_of(member.person),
        "awards": selectors.awards_of(member.person),
        "served": selectors.served_households(member),
        "reports": list(member.dual_reports.select_related("community").order_by("-registered_at")),
        "services": services_this_year,
        "year": year,
        "plaque_url": plaque_url,
        "plaque_qr": segno.make(plaque_url, error="m").svg_data_uri(scale=4, border=2) if member.is_public else "",
        "plaque_form": bound.get("plaque_form") or PlaqueForm(initial={"pledge": member.pledge,
                                                                        "is_public": member.is_public}),
        "served_form": bound.get("served_form") or ServedHouseholdForm(buildings=selectors.anchor_buildings(member)),
        "award_form": bound.get("award_form") or AwardForm(),
        "award_communities": selectors.staff_communities(user) if manage else [],
        "error": bound.get("error", ""),
    }


@login_required
def member(request, pk):
    item = _or_404(selectors.get_member, request.user, pk)
    return render(request, "party/member.html", _member_context(request, item))


def _member_action(request, pk, action, *, form_key, form):
    item = _or_404(selectors.get_member, request.user, pk)
    try:
        action(item)
    except LinliError as e:
        fresh = _or_404(selectors.get_member, request.user, pk)
        return render(request, "party/member.html",
                      _member_context(request, fresh, bound={"error": e.message, form_key: form}), status=e.status)
    return None


@login_required
@require_POST
def plaque_edit(request, pk):
    post = request.POST
    response = _member_action(request, pk, lambda m: services.plaque_update(
        actor=request.user, member=m, pledge=post.get("pledge", ""), is_public=post.get("is_public", "")),
        form_key="plaque_form", form=PlaqueForm(post))
    if response is None:
        messages.success(request, _("Plaque saved."))
        return redirect("party:member", pk=pk)
    return response


@login_required
@require_POST
def served_add(request, pk):
    post = request.POST
    item = _or_404(selectors.get_member, request.user, pk)
    response = _member_action(request, pk, lambda m: services.served_household_add(
        actor=request.user, member=m, building=post.get("building", ""), entrance=post.get("entrance", ""),
        room=post.get("room", "")),
        form_key="served_form", form=ServedHouseholdForm(post, buildings=selectors.anchor_buildings(item)))
    if response is None:
        messages.success(request, _("Household added."))
        return redirect("party:member", pk=pk)
    return response


@login_required
@require_POST
def served_remove(request, pk, household_pk):
    item = _or_404(selectors.get_member, request.user, pk)
    try:
        services.served_household_remove(actor=request.user, member=item, household=household_pk)
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Household removed."))
    return redirect("party:member", pk=pk)


@login_required
@require_POST
def award_record(request, pk):
    post = request.POST
    response = _member_action(request, pk, lambda m: services.award_record(
        actor=request.user, person=m.person, title=post.get("title", ""), community=post.get("community", ""),
        awarded_on=post.get("awarded_on", ""), note=post.get("note", "")),
        form_key="award_form", form=AwardForm(post))
    if response is None:
        messages.success(request, _("Honour recorded."))
        return redirect("party:member", pk=pk)
    return response


def plaque(request, pk):
    """Public, no log-in: the 亮身份 plaque of a member who chose to show it."""
    item = _or_404(selectors.public_plaque, pk)
    return render(request, "party/plaque.html", {"plaque": item})


# ---------------------------------------------------------------- evaluations

def _evaluations_context(request, *, form=None, error="") -> dict:
    user = request.user
    communities = selectors.staff_communities(user)
    filter_form = EvaluationFilterForm(request.GET or None, communities=selectors.evaluation_communities(user))
    filters = filter_form.filters()
    items = list(selectors.evaluation_list(user, **filters))
    return {
        "open": [e for e in items if e.status != EvaluationStatus.CLOSED],
        "closed": [e for e in items if e.status == EvaluationStatus.CLOSED],
        "filter_form": filter_form,
        "filtered": any(filters.values()),
        "communities": communities,
        "form": form or (EvaluationForm(communities=communities) if communities else None),
        "error": error,
    }


@login_required
def evaluations(request):
    return render(request, "party/evaluations.html", _evaluations_context(request))


@login_required
@require_POST
def evaluation_create(request):
    post = request.POST
    communities = selectors.staff_communities(request.user)
    try:
        item = services.evaluation_create(
            actor=request.user, community=post.get("community", ""), title=post.get("title", ""),
            kind=post.get("kind", ""), description=post.get("description", ""),
            nominate_until=post.get("nominate_until", ""), vote_until=post.get("vote_until", ""),
            winners=post.get("winners", ""), votes_per_voter=post.get("votes_per_voter", ""),
            award_points=post.get("award_points", ""))
    except LinliError as e:
        form = EvaluationForm(post, communities=communities) if communities else None
        return render(request, "party/evaluations.html", _evaluations_context(request, form=form, error=e.message),
                      status=e.status)
    messages.success(request, _("Evaluation started: %(title)s.") % {"title": item.title})
    return redirect("party:evaluation", pk=item.pk)


def _evaluation_context(request, item: Evaluation, *, bound: dict | None = None) -> dict:
    bound = bound or {}
    user = request.user
    can = selectors.evaluation_abilities(user, item)
    nominations = selectors.nominations_for(user, item)
    buildings = selectors.community_buildings(item.community) if can.nominate else []
    people = list(selectors.nominee_choices(item)) if can.nominate and can.manage else None
    return {
        "evaluation": item,
        "can": can,
        "nominations": nominations,
        "approved": [n for n in nominations if n.status == NominationStatus.APPROVED],
        "pending": [n for n in nominations if n.status == NominationStatus.PENDING],
        "rejected": [n for n in nominations if n.status == NominationStatus.REJECTED],
        "my_votes": selectors.votes_of(user, item),
        "awards": list(item.awards.select_related("person")),
        "nominate_form": bound.get("nominate_form") or NominateForm(buildings=buildings, people=people),
        "review_form": ReviewForm(),
        "can_open_voting": can.manage and allowed("evaluation", "open_voting", item.status),
        "can_close": can.manage and allowed("evaluation", "close", item.status),
        "can_review": can.manage and item.status != EvaluationStatus.CLOSED,
        "error": bound.get("error", ""),
        "now": timezone.now(),
        "can_export": bool(selectors.staff_communities(user)),
    }


@login_required
def evaluation(request, pk):
    item = _or_404(selectors.get_evaluation, request.user, pk)
    return render(request, "party/evaluation.html", _evaluation_context(request, item))


@login_required
@require_POST
def nominate(request, pk):
    item = _or_404(selectors.get_evaluation, request.user, pk)
    post = request.POST
    try:
        nomination = services.nomination_create(actor=request.user, evaluation=item, reason=post.get("reason", ""),
                                                person=post.get("person", ""), name=post.get("name", ""),
                                                building=post.get("building", ""))
    except LinliError as e:
        can = selectors.evaluation_abilities(request.user, item)
        form = NominateForm(post, buildings=selectors.community_buildings(item.community),
                            people=list(selectors.nominee_choices(item)) if can.manage else None)
        fresh = _or_404(selectors.get_evaluation, request.user, pk)
        return render(request, "party/evaluation.html",
                      _evaluation_context(request, fresh, bound={"error": e.message, "nominate_form": form}),
                      status=e.status)
    if nomination.status == NominationStatus.APPROVED:
        messages.success(request, _("%(name)s is on the ballot.") % {"name": nomination.person.name})
    else:
        messages.success(request, _("Thank you. Your nomination of %(name)s will be reviewed by the community.")
                         % {"name": nomination.person.name})
    return redirect("party:evaluation", pk=pk)


@login_required
@require_POST
def nomination_review(request, pk, decision):
    nomination = _or_404(selectors.get_nomination, request.user, pk)
    if decision not in ("approve", "reject"):
        raise Http404()
    try:
        services.nomination_review(actor=request.user, nomination=nomination, decision=decision,
                                   note=request.POST.get("note", ""))
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Nomination of %(name)s: %(decision)s.") % {
            "name": nomination.person.name,
            "decision": NominationStatus.APPROVED.label if decision == "approve" else NominationStatus.REJECTED.label})
    return redirect("party:evaluation", pk=nomination.evaluation_id)


@login_required
@require_POST
def evaluation_act(request, pk, action):
    item = _or_404(selectors.get_evaluation, request.user, pk)
    actions = {"open_voting": services.evaluation_open_voting, "close": services.evaluation_close}
    if action not in actions:
        raise Http404()
    try:
        result = actions[action](actor=request.user, evaluation=item, expected_version=request.POST.get("version", ""))
    except LinliError as e:
        messages.error(request, e.message)
    else:
        if action == "close":
            names = "、".join(a.person.name for a in result) or _("nobody (no votes)")
            messages.success(request, _("Closed. Winners: %(names)s.") % {"names": names})
        else:
            messages.success(request, _("Voting is open."))
    return redirect("party:evaluation", pk=pk)


@login_required
@require_POST
def vote(request, pk):
    nomination = _or_404(selectors.get_nomination, request.user, pk)
    try:
        services.vote_cast(actor=request.user, nomination=nomination)
    except LinliError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Your vote for %(name)s is counted.") % {"name": nomination.person.name})
    return redirect(reverse("party:evaluation", args=[nomination.evaluation_id]) + "#ballot")

