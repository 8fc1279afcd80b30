"""Pages of the volunteering app; thin: parse the request, call services/selectors, render.

A LinliError's message is shown in the page (with what the user typed still
in the form), never a 500."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.services import client_ip
from core.errors import LinliError, NotFound
from points.services import rule_points
from regions.models import Region

from . import selectors, services
from .forms import (
    ActivityForm,
    CancelForm,
    CertificateForm,
    CorrectionForm,
    DecideForm,
    JoinForm,
    RevokeForm,
    TeamForm,
)
from .pdf import certificate_pdf as render_pdf
from .tokens import REFRESH_SECONDS, make_token, read_token
from .workflow import STAFF, ActivityStatus, Direction, MembershipStatus, SignupStatus

PAGE_SIZE = 20


def is_htmx(request) -> bool:
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def _activity_or_404(pk):
    try:
        return selectors.get_activity(pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))


def _team_or_404(pk):
    try:
        return selectors.get_team(pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))


def _runner_activity_or_404(user, pk):
    """The roster, the venue screen and their actions exist only for whoever runs the activity."""
    activity = _activity_or_404(pk)
    if not selectors.can_run(user, activity):
        raise Http404(_("Not found, or you cannot see it."))
    return activity


def _error_fragment(request, message: str) -> HttpResponse:
    return render(request, "volunteering/_error.html", {"message": message})


def _done(request, target: str, message: str = "") -> HttpResponse:
    if message:
        messages.success(request, message)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _failed(request, error: LinliError, target: str) -> HttpResponse:
    """A button with nothing typed: show why on the page it came from."""
    if is_htmx(request):
        return _error_fragment(request, error.message)
    messages.error(request, error.message)
    return redirect(target)


# ---------------------------------------------------------------- activities (residents)

@login_required
def activities(request):
    now = timezone.now()
    mine = selectors.my_community_ids(request.user)
    scope = request.GET.get("scope") or ("community" if mine else "all")
    if scope not in ("community", "all"):
        scope = "all"
    q = (request.GET.get("q") or "").strip()[:50]
    qs = selectors.activities(community_ids=mine if scope == "community" else None, upcoming=True, now=now, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    my = {s.activity_id: s for s in selectors.my_signups(request.user).filter(
        activity_id__in=[a.pk for a in page.object_list], status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED])}
    for a in page.object_list:
        a.my_signup = my.get(a.pk)
    return render(request, "volunteering/activities.html", {
        "page": page, "scope": scope, "q": q, "has_community": bool(mine),
        "has_workbench": selectors.has_workbench(request.user),
    })


def _activity_context(request, activity, **extra) -> dict:
    user = request.user
    now = timezone.now()
    signup = selectors.my_signup(user, activity)
    live = signup is not None and signup.status in (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
    open_for_signup = activity.status == ActivityStatus.PUBLISHED and now < activity.ends_at
    context = {
        "activity": activity,
        "signup": signup,
        "live": live,
        "position": selectors.waitlist_position(signup) if live else None,
        "can_sign_up": open_for_signup and not live,
        "can_cancel": live and open_for_signup and signup.checked_in_at is None,
        "can_run": selectors.can_run(user, activity),
        "attendance_open": activity.status == ActivityStatus.PUBLISHED and selectors.attendance_open(activity, now),
        "points_per_hour": rule_points(activity.community, "activity_hour"),
        "now": now,
    }
    context.update(extra)
    return context


@login_required
def activity(request, pk):
    item = _activity_or_404(pk)
    return render(request, "volunteering/activity.html", _activity_context(request, item))


@login_required
@require_POST
def activity_signup(request, pk):
    item = _activity_or_404(pk)
    target = reverse("volunteering:activity", args=[item.pk])
    try:
        record = services.signup(actor=request.user, activity=item.pk)
    except LinliError as e:
        return _failed(request, e, target)
    if record.status == SignupStatus.CONFIRMED:
        message = _("You have a seat. Scan the code at the venue to check in.")
    else:
        message = _("All seats are taken: you are on the waiting list, number %(n)d. We will tell you when a seat "
                    "comes free.") % {"n": selectors.waitlist_position(record)}
    return _done(request, target, message)


@login_required
@require_POST
def activity_unsignup(request, pk):
    item = _activity_or_404(pk)
    target = reverse("volunteering:activity", args=[item.pk])
    try:
        services.signup_cancel(actor=request.user, activity=item.pk)
    except LinliError as e:
        return _failed(request, e, target)
    return _done(request, target, _("Your sign-up is cancelled."))


# ---------------------------------------------------------------- mine, certificates

def _mine_context(request, form=None, error="") -> dict:
    now = timezone.now()
    signups = list(selectors.my_signups(request.user)[:200])
    upcoming = [s for s in signups if s.status != SignupStatus.CANCELLED and s.activity.status == ActivityStatus.PUBLISHED
                and s.activity.ends_at > now]
    past = [s for s in signups if s not in upcoming]
    upcoming.reverse()  # soonest first
    return {
        "upcoming": upcoming, "past": past, "total_hours": selectors.total_hours(request.user),
        "certificates": list(selectors.my_certificates(request.user)),
        "form": form or CertificateForm(), "error": error,
        "memberships": list(selectors.my_memberships(request.user).filter(
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.PENDING])),
        "has_workbench": selectors.has_workbench(request.user),
    }


@login_required
def mine(request):
    return render(request, "volunteering/mine.html", _mine_context(request))


@login_required
@require_POST
def certificate_issue(request):
    form = CertificateForm(request.POST)
    try:
        cert = services.certificate_issue(actor=request.user, **form.service_kwargs())
    except LinliError as e:
        return render(request, "volunteering/mine.html", _mine_context(request, form=form, error=e.message),
                      status=e.status)
    messages.success(request, _("Certificate %(code)s issued for %(h)s hours. Download it below.")
                     % {"code": cert.code, "h": cert.total_hours})
    return redirect("volunteering:mine")


@login_required
def certificate_pdf(request, code):
    cert = selectors.get_certificate(services.normalise_code(code))
    if cert is None or not selectors.can_download_certificate(request.user, cert):
        raise Http404(_("Not found, or you cannot see it."))
    verify_url = request.build_absolute_uri(reverse("volunteering:verify")) + f"?code={cert.code}"
    response = HttpResponse(render_pdf(cert, verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="volunteer-hours-{cert.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def verify(request):
    """Public: anyone holding a certificate's code can check it. Shows the certificate and nothing else."""
    code = services.normalise_code(request.GET.get("code", ""))
    context = {"code": code, "searched": bool(code)}
    status = 200
    if code:
        try:
            cert = services.certificate_lookup(code=code, client=client_ip(request))
        except LinliError as e:
            context["error"], status = e.message, e.status
        else:
            context["certificate"] = cert
            if cert is not None:
                context["holder"] = selectors.mask_holder(cert.holder_name)
                context["can_revoke"] = selectors.can_revoke_certificate(request.user, cert) and not cert.revoked_at
                context["revoke_form"] = RevokeForm(initial={"code": cert.code})
    return render(request, "volunteering/verify.html", context, status=status)


# ---------------------------------------------------------------- teams

@login_required
def teams(request):
    community = request.GET.get("community") or ""
    community_id = int(community) if community.isdigit() else None
    qs = selectors.teams(community_id=community_id)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    memberships = {m.team_id: m for m in selectors.my_memberships(request.user).filter(
        status__in=[MembershipStatus.ACTIVE, MembershipStatus.PENDING])}
    for t in page.object_list:
        t.my_membership = memberships.get(t.pk)
    return render(request, "volunteering/teams.html", {
        "page": page, "community_id": community_id,
        "communities": Region.objects.filter(level=Region.Level.COMMUNITY, volunteer_teams__is_active=True)
        .distinct().order_by("code"),
        "mine": list(selectors.my_memberships(request.user)[:50]),
    })


def _team_context(request, team, **extra) -> dict:
    user = request.user
    relations = selectors.team_relations(user, team)
    can_manage = selectors.can_manage_team(user, team)
    membership = selectors.live_membership(user, team)
    members = list(selectors.team_members(team))
    for m in members:
        m.actions = selectors.membership_actions(user, m) if can_manage else []
    pending = []
    if can_manage:
        pending = list(selectors.team_requests(team))
        for m in pending:
            m.actions = selectors.membership_actions(user, m)
    context = {
        "team": team, "membership": membership,
        "my_actions": selectors.membership_actions(user, membership) if membership else [],
        "members": members, "pending": pending, "can_manage": can_manage, "is_staff": STAFF in relations,
        "join_form": JoinForm(), "decide_form": DecideForm(),
        "edit_form": TeamForm(user=user, team=team) if STAFF in relations else None,
        "activities": list(selectors.activities(upcoming=True).filter(team=team)[:20]),
    }
    context.update(extra)
    return context


@login_required
def team(request, pk):
    item = _team_or_404(pk)
    return render(request, "volunteering/team.html", _team_context(request, item))


@login_required
@require_POST
def team_join(request, pk):
    item = _team_or_404(pk)
    form = JoinForm(request.POST)
    try:
        services.team_join(actor=request.user, team=item.pk, **form.service_kwargs())
    except LinliError as e:
        return _failed(request, e, reverse("volunteering:team", args=[item.pk]))
    return _done(request, reverse("volunteering:team", args=[item.pk]),
                 _("Request sent. The team leader will decide; you will get a message."))


@login_required
@require_POST
def membership_act(request, pk, action):
    try:
        membership = services.membership_act(actor=request.user, membership=pk, action=action,
                                             note=request.POST.get("note", ""))
    except LinliError as e:
        back = request.POST.get("next") or ""
        target = back if back.startswith("/volunteering/") else reverse("volunteering:teams")
        return _failed(request, e, target)
    labels = {"approve": _("Approved."), "reject": _("Request rejected."), "withdraw": _("Request withdrawn."),
              "leave": _("You have left the team."), "remove": _("Removed from the team.")}
    return _done(request, reverse("volunteering:team", args=[membership.team_id]), labels.get(action, ""))


@login_required
@require_POST
def team_edit(request, pk):
    item = _team_or_404(pk)
    form = TeamForm(request.POST, user=request.user, team=item)
    try:
        services.team_update(actor=request.user, team=item.pk, **form.service_kwargs())
    except LinliError as e:
        return render(request, "volunteering/team.html",
                      _team_context(request, item, edit_form=form, edit_error=e.message), status=e.status)
    return _done(request, reverse("volunteering:team", args=[item.pk]), _("Team saved."))


@login_required
@require_POST
def membership_phone(request, pk):
    try:
        phone = services.reveal_phone(actor=request.user, membership=pk)
    except LinliError as e:
        return _error_fragment(request, e.message)
    return render(request, "volunteering/_phone.html", {"phone": phone})


# ---------------------------------------------------------------- staff and team leaders

def _staff_context(request, **extra) -> dict:
    user = request.user
    now = timezone.now()
    lists = selectors.workbench_activities(user, now)
    context = {
        "activity_form": ActivityForm(user=user),
        "team_form": TeamForm(user=user) if selectors.publishable_communities(user).exists() else None,
        "revoke_form": RevokeForm() if selectors.publishable_communities(user).exists() else None,
        "to_run": list(lists["to_run"][:50]),
        "recent": list(lists["recent"][:30]),
        "pending": list(selectors.pending_requests(user)[:50]),
        "led": list(selectors.led_teams(user)),
        "now": now,
    }
    context.update(extra)
    return context


def _workbench_or_404(user):
    if not selectors.has_workbench(user):
        raise Http404(_("Not found, or you cannot see it."))


@login_required
def staff(request):
    _workbench_or_404(request.user)
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user)
        try:
            item = services.activity_publish(actor=request.user, **form.service_kwargs())
        except LinliError as e:
            return render(request, "volunteering/staff.html",
                          _staff_context(request, activity_form=form, activity_error=e.message), status=e.status)
        messages.success(request, _("Published: %(t)s.") % {"t": item.title})
        return redirect("volunteering:roster", pk=item.pk)
    return render(request, "volunteering/staff.html", _staff_context(request))


@login_required
@require_POST
def team_create(request):
    _workbench_or_404(request.user)
    form = TeamForm(request.POST, user=request.user)
    try:
        item = services.team_create(actor=request.user, **form.service_kwargs())
    except LinliError as e:
        return render(request, "volunteering/staff.html",
                      _staff_context(request, team_form=form, team_error=e.message), status=e.status)
    return _done(request, reverse("volunteering:team", args=[item.pk]), _("Team “%(n)s” set up.") % {"n": item.name})


@login_required
@require_POST
def certificate_revoke(request):
    form = RevokeForm(request.POST)
    try:
        cert = services.certificate_revoke(actor=request.user, **form.service_kwargs())
    except LinliError as e:
        if not selectors.has_workbench(request.user):
            return _failed(request, e, reverse("volunteering:verify"))
        return render(request, "volunteering/staff.html",
                      _staff_context(request, revoke_form=form, revoke_error=e.message), status=e.status)
    return _done(request, reverse("volunteering:verify") + f"?code={cert.code}",
                 _("Certificate %(c)s revoked.") % {"c": cert.code})


# ---------------------------------------------------------------- running an activity

def _roster_context(request, item, **extra) -> dict:
    now = timezone.now()
    lists = selectors.roster(item)
    corrections = extra.pop("corrections", {})
    for s in lists["confirmed"]:
        s.correction_form = corrections.get(s.pk) or CorrectionForm(signup=s)
    context = {
        "activity": item, "roster": lists, "now": now,
        "attendance_open": item.status == ActivityStatus.PUBLISHED and selectors.attendance_open(item, now),
        "can_edit": item.status == ActivityStatus.PUBLISHED and now < item.starts_at,
        "can_cancel": item.status == ActivityStatus.PUBLISHED and not any(s.checked_in_at for s in lists["confirmed"]),
        "can_finish": item.status == ActivityStatus.PUBLISHED and now >= item.starts_at,
        "edit_form": ActivityForm(user=request.user, activity=item),
        "cancel_form": CancelForm(),
        "events": list(selectors.activity_events(item)[:100]),
        "checked_in": sum(1 for s in lists["confirmed"] if s.checked_in_at),
        "checked_out": sum(1 for s in lists["confirmed"] if s.checked_out_at),
    }
    context.update(extra)
    return context


@login_required
def roster(request, pk):
    item = _runner_activity_or_404(request.user, pk)
    return render(request, "volunteering/roster.html", _roster_context(request, item))


@login_required
@require_POST
def activity_edit(request, pk):
    item = _runner_activity_or_404(request.user, pk)
    form = ActivityForm(request.POST, user=request.user, activity=item)
    try:
        services.activity_edit(actor=request.user, activity=item.pk, expected_version=request.POST.get("version"),
                               **form.service_kwargs())
    except LinliError as e:
        fresh = _activity_or_404(pk)
        return render(request, "volunteering/roster.html",
                      _roster_context(request, fresh, edit_form=form, edit_error=e.message), status=e.status)
    return _done(request, reverse("volunteering:roster", args=[item.pk]), _("Activity saved."))


@login_required
@require_POST
def activity_cancel(request, pk):
    item = _runner_activity_or_404(request.user, pk)
    form = CancelForm(request.POST)
    try:
        services.activity_cancel(actor=request.user, activity=item.pk, reason=form.value("reason"),
                                 expected_version=request.POST.get("version"))
    except LinliError as e:
        fresh = _activity_or_404(pk)
        return render(request, "volunteering/roster.html",
                      _roster_context(request, fresh, cancel_form=form, cancel_error=e.message), status=e.status)
    return _done(request, reverse("volunteering:roster", args=[item.pk]),
                 _("Activity cancelled; everyone signed up has been told."))


@login_required
@require_POST
def activity_finish(request, pk):
    item = _runner_activity_or_404(request.user, pk)
    target = reverse("volunteering:roster", args=[item.pk])
    try:
        services.activity_finish(actor=request.user, activity=item.pk, expected_version=request.POST.get("version"))
    except LinliError as e:
        return _failed(request, e, target)
    return _done(request, target, _("Activity finished; hours are credited."))


def _signup_for_runner(user, pk):
    try:
        record = selectors.get_signup(pk)
    except NotFound:
        raise Http404()
    if not selectors.can_run(user, record.activity):
        raise Http404()
    return record


@login_required
@require_POST
def roster_check(request, pk, direction):
    record = _signup_for_runner(request.user, pk)
    target = reverse("volunteering:roster", args=[record.activity_id])
    try:
        result = services.organiser_check(actor=request.user, signup=record.pk, direction=direction)
    except LinliError as e:
        return _failed(request, e, target)
    name = record.user.display_name
    if not result.recorded:
        message = _("%(n)s was already recorded; the first time stands.") % {"n": name}
    elif result.direction == Direction.IN:
        message = _("%(n)s checked in.") % {"n": name}
    else:
        message = _("%(n)s checked out: %(h)s h.") % {"n": name, "h": result.signup.hours}
    return _done(request, target, message)


@login_required
@require_POST
def roster_correct(request, pk):
    record = _signup_for_runner(request.user, pk)
    form = CorrectionForm(request.POST, prefix=f"s{record.pk}")
    try:
        fixed = services.correct_times(actor=request.user, signup=record.pk, **form.service_kwargs())
    except LinliError as e:
        fresh = _activity_or_404(record.activity_id)
        form.error = e.message
        return render(request, "volunteering/roster.html",
                      _roster_context(request, fresh, corrections={record.pk: form}), status=e.status)
    return _done(request, reverse("volunteering:roster", args=[record.activity_id]),
                 _("Times corrected for %(n)s: %(h)s h.") % {"n": record.user.display_name, "h": fixed.hours or 0})


@login_required
@require_POST
def roster_remove(request, pk):
    record = _signup_for_runner(request.user, pk)
    target = reverse("volunteering:roster", args=[record.activity_id])
    try:
        services.signup_cancel(actor=request.user, signup=record.pk)
    except LinliError as e:
        return _failed(request, e, target)
    return _done(request, target, _("Sign-up of %(n)s cancelled.") % {"n": record.user.display_name})


@login_required
@require_POST
def signup_phone(request, pk):
    try:
        phone = services.reveal_phone(actor=request.user, signup=pk)
    except LinliError as e:
        return _error_fragment(request, e.message)
    return render(request, "volunteering/_phone.html", {"phone": phone})


# ---------------------------------------------------------------- the venue screen and the phone

def _code_context(request, item, direction) -> dict:
    token = make_token(item.pk, direction)
    url = request.build_absolute_uri(reverse("volunteering:scan", args=[token]))
    svg = segno.make(url, error="m").svg_inline(scale=8, border=2, dark="#000", light="#fff", omitsize=True)
    lists = selectors.roster(item)
    return {
        "activity": item, "direction": direction, "qr_svg": mark_safe(svg), "scan_url": url,
        "refresh": REFRESH_SECONDS, "confirmed": len(lists["confirmed"]),
        "checked_in": sum(1 for s in lists["confirmed"] if s.checked_in_at),
        "checked_out": sum(1 for s in lists["confirmed"] if s.checked_out_at),
        "generated_at": timezone.now(),
        "attendance_open": item.status == ActivityStatus.PUBLISHED and selectors.attendance_open(item, timezone.now()),
    }


def _direction(request) -> str:
    value = request.GET.get("direction", Direction.IN)
    return value if value in Direction.values else Direction.IN


@never_cache
@login_required
def venue(request, pk):
    item = _runner_activity_or_404(request.user, pk)
    return render(request, "volunteering/venue.html", _code_context(request, item, _direction(request)))


@never_cache
@login_required
def venue_code(request, pk):
    item = _runner_activity_or_404(request.user, pk)
    response = render(request, "volunteering/_venue_code.html", _code_context(request, item, _direction(request)))
    patch_vary_headers(response, ["HX-Request"])
    return response


@never_cache
@login_required
def scan(request, token):
    """The phone's side: GET checks the code and offers the button, POST records it."""
    context = {"token": token}
    status = 200
    if request.method == "POST":
        try:
            result = services.scan(actor=request.user, token=token)
        except LinliError as e:
            context["error"], status = e.message, e.status
        else:
            context["result"] = result
            context["activity"] = result.signup.activity
            return render(request, "volunteering/scan.html", context)
    else:
        try:
            activity_id, direction = read_token(token)
            context["activity"] = selectors.get_activity(activity_id)
            context["direction"] = direction
            context["signup"] = selectors.my_signup(request.user, activity_id)
        except LinliError as e:
            context["error"], status = e.message, e.status
    return render(request, "volunteering/scan.html", context, status=status)
