"""Volunteering over HTTP: the same operations as the pages, through the same
services (writes) and selectors (reads).

The phone app checks in by sending the token of the venue code to
`POST /checkin` (the token is the last part of the code's URL,
/volunteering/scan/<token>/). `GET /certificates/{code}` is public: it is
how anyone checks a certificate.
"""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accounts.services import client_ip
from core.api import Pagination, errors
from core.errors import NotFound

from . import selectors, services
from .models import Activity
from .schemas import (
    ActivityDetailOut,
    ActivityFilters,
    ActivityIn,
    ActivityOut,
    CancelIn,
    CertificateIn,
    CertificateOut,
    CheckinIn,
    CheckinOut,
    FinishIn,
    HoursOut,
    JoinIn,
    MembershipOut,
    PublicCertificateOut,
    SignupOut,
    TeamOut,
)
from .workflow import MembershipStatus

router = Router(tags=["volunteering"])


# ---------------------------------------------------------------- teams

@router.get("/teams", response={200: list[TeamOut], **errors(400)}, summary="Volunteer teams")
@paginate(Pagination)
def list_teams(request: HttpRequest, community: int | None = None):
    """Active teams, with the caller's membership status (`pending` / `active`) where they have one."""
    mine = {m.team_id: m.status for m in selectors.my_memberships(request.auth).filter(
        status__in=[MembershipStatus.PENDING, MembershipStatus.ACTIVE])}
    items = list(selectors.teams(community_id=community))
    for team in items:
        team.my_status = mine.get(team.pk)
    return items


@router.post("/teams/{int:team_id}/join", response={201: MembershipOut, **errors(400, 404, 409)},
             summary="Ask to join a team")
def join_team(request: HttpRequest, team_id: int, payload: JoinIn | None = None):
    """The team leader (or community staff) approves; 409 `already_member` if the caller has a live membership."""
    return Status(201, services.team_join(actor=request.auth, team=team_id, note=(payload or JoinIn()).note))


# ---------------------------------------------------------------- activities

@router.get("/activities", response={200: list[ActivityOut], **errors(400)}, summary="Volunteer activities")
@paginate(Pagination)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]):
    """Soonest first. `scope=community` keeps the caller's communities (home, work, teams)."""
    ids = selectors.my_community_ids(request.auth) if filters.scope == "community" else None
    return selectors.activities(community_ids=ids, upcoming=filters.upcoming, q=filters.q.strip())


def _detail(request: HttpRequest, activity_id: int) -> Activity:
    activity = selectors.get_activity(activity_id)
    activity.my_signup = selectors.my_signup(request.auth, activity)
    activity.can_run = selectors.can_run(request.auth, activity)
    return activity


@router.get("/activities/{int:activity_id}", response={200: ActivityDetailOut, **errors(404)}, summary="One activity")
def get_activity(request: HttpRequest, activity_id: int):
    return _detail(request, activity_id)


@router.post("/activities", response={201: ActivityDetailOut, **errors(400)}, summary="Publish an activity")
def publish_activity(request: HttpRequest, payload: ActivityIn):
    """For community staff (any team of their community, or none) and team leaders (their team)."""
    activity = services.activity_publish(actor=request.auth, **payload.model_dump())
    return Status(201, _detail(request, activity.pk))


@router.post("/activities/{int:activity_id}/cancel", response={200: ActivityDetailOut, **errors(400, 404, 409)},
             summary="Cancel an activity")
def cancel_activity(request: HttpRequest, activity_id: int, payload: CancelIn):
    """Everyone signed up is told the reason. 409 once anyone has checked in (finish it instead)."""
    services.activity_cancel(actor=request.auth, activity=activity_id, reason=payload.reason,
                             expected_version=payload.expected_version)
    return _detail(request, activity_id)


@router.post("/activities/{int:activity_id}/finish", response={200: ActivityDetailOut, **errors(400, 404, 409)},
             summary="Finish an activity")
def finish_activity(request: HttpRequest, activity_id: int, payload: FinishIn | None = None):
    """Whoever is still checked in is checked out at the end (or now, if earlier) and credited."""
    services.activity_finish(actor=request.auth, activity=activity_id,
                             expected_version=(payload or FinishIn()).expected_version)
    return _detail(request, activity_id)


@router.post("/activities/{int:activity_id}/signup", response={201: SignupOut, **errors(400, 404, 409)},
             summary="Sign up")
def sign_up(request: HttpRequest, activity_id: int):
    """`confirmed` while seats remain, else `waitlisted` with its `waitlist_position`.
    409 `already_signed_up`; 409 `invalid_transition` when the activity is closed."""
    selectors.get_activity(activity_id)
    return Status(201, services.signup(actor=request.auth, activity=activity_id))


@router.delete("/activities/{int:activity_id}/signup", response={200: SignupOut, **errors(400, 404, 409)},
               summary="Cancel my sign-up")
def cancel_sign_up(request: HttpRequest, activity_id: int):
    """A freed seat goes to the first person waiting. 409 after checking in."""
    selectors.get_activity(activity_id)
    return services.signup_cancel(actor=request.auth, activity=activity_id)


@router.post("/checkin", response={200: CheckinOut, **errors(400, 404, 409)}, summary="Check in or out by QR code")
def check_in(request: HttpRequest, payload: CheckinIn):
    """The token says which activity and which way (in / out). 400 `bad_code` for a forged or
    damaged code, 400 `expired_code` after two minutes, 403 `no_signup` / `waitlisted` without a
    seat, 409 outside the check-in window. Scanning twice keeps the first time (`recorded: false`)."""
    result = services.scan(actor=request.auth, token=payload.token)
    activity = result.signup.activity
    return {"direction": result.direction, "recorded": result.recorded,
            "activity": {"id": activity.pk, "name": activity.title}, "signup": result.signup}


# ---------------------------------------------------------------- hours and certificates

@router.get("/me/hours", response={200: HoursOut, **errors()}, summary="My volunteer hours")
def my_hours(request: HttpRequest):
    rows = selectors.credited(request.auth).select_related("activity__community").order_by("-activity__starts_at")
    return {
        "total_hours": float(selectors.total_hours(request.auth)),
        "items": [{"activity_id": s.activity_id, "title": s.activity.title, "starts_at": s.activity.starts_at,
                   "community": s.activity.community.name, "hours": float(s.hours), "checked_in_at": s.checked_in_at,
                   "checked_out_at": s.checked_out_at, "check_out_method": s.check_out_method} for s in rows],
    }


@router.post("/me/certificates", response={201: CertificateOut, **errors(400)}, summary="Issue an hours certificate")
def issue_certificate(request: HttpRequest, payload: CertificateIn | None = None):
    """For the caller's own credited hours in the period (or all time). 400 `no_hours` if there are none."""
    data = (payload or CertificateIn()).model_dump()
    return Status(201, services.certificate_issue(actor=request.auth, **data))


@router.get("/certificates/{code}", response={200: PublicCertificateOut, **errors(404, 429, authed=False)},
            auth=None, summary="Check a certificate (public)")
def check_certificate(request: HttpRequest, code: str):
    """Anyone may check a code. 404 for an unknown code; 429 after many failed look-ups."""
    cert = services.certificate_lookup(code=code, client=client_ip(request))
    if cert is None:
        raise NotFound()
    return {
        "code": cert.code, "valid": cert.revoked_at is None, "holder": selectors.mask_holder(cert.holder_name),
        "total_hours": float(cert.total_hours), "period_start": cert.period_start, "period_end": cert.period_end,
        "issued_on": timezone.localdate(cert.issued_at), "issued_by": cert.community.name if cert.community_id else None,
        "revoked_on": timezone.localdate(cert.revoked_at) if cert.revoked_at else None,
        "items": cert.items,
    }
