"""双报到, co-building projects and evaluations over HTTP: the same operations
as the pages, through the same services (writes) and selectors (scoped reads).

Staff of a community (and of its street) manage its registrations, projects
and evaluations; a party member registers themself and reads their own
record; residents nominate and vote in their own community.
"""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from core.api import Pagination, errors
from core.errors import NotAllowed, NotFound

from . import selectors, services
from .schemas import (
    ActIn,
    AwardOut,
    DualReportFilters,
    DualReportIn,
    DualReportOut,
    EndIn,
    EvaluationIn,
    EvaluationOut,
    MyRecordOut,
    NominationIn,
    NominationOut,
    ProjectFilters,
    ProjectIn,
    ProjectOut,
    ProjectUpdateIn,
    ProjectUpdateOut,
    QuarterIn,
    QuarterReportOut,
    ReviewIn,
    VoteOut,
)

router = Router(tags=["party"])


# ---------------------------------------------------------------- 双报到

@router.get("/dual-reports", response={200: list[DualReportOut], **errors(400)}, summary="双报到 registrations")
@paginate(Pagination)
def list_dual_reports(request: HttpRequest, filters: Query[DualReportFilters]):
    """Staff: their communities' registrations; a member: their own. Newest first."""
    return selectors.filter_dual_reports(selectors.visible_dual_reports(request.auth), community=filters.community,
                                         status=filters.status or "", kind=filters.kind or "")


@router.post("/dual-reports", response={201: DualReportOut, **errors(400, 404, 409)}, summary="Register (双报到)")
def create_dual_report(request: HttpRequest, payload: DualReportIn):
    """A member registers themself with the community they live in (omit `member`
    and `community`); community staff register members or units. 409
    `already_registered` if an active registration exists."""
    report = services.dual_report_register(actor=request.auth, **payload.model_dump())
    return Status(201, selectors.get_dual_report(request.auth, report.pk))


@router.post("/dual-reports/{int:report_id}/end", response={200: DualReportOut, **errors(400, 404, 409)},
             summary="End a registration")
def end_dual_report(request: HttpRequest, report_id: int, payload: EndIn | None = None):
    """Staff of the community, or the member themself. 409 if it has already ended."""
    report = selectors.get_dual_report(request.auth, report_id)
    services.dual_report_end(actor=request.auth, report=report, note=(payload or EndIn()).note)
    return selectors.get_dual_report(request.auth, report_id)


def _services(records) -> list[dict]:
    return [{"at": r.at, "kind": r.kind, "title": r.title, "url": r.url} for r in records]


@router.get("/quarter-report", response={200: QuarterReportOut, **errors(400, 404)}, summary="Quarter report (双报到)")
def quarter_report(request: HttpRequest, params: Query[QuarterIn]):
    """Who of a community's in-service members served in the quarter (Beijing time)
    and who did not, with the per-unit summary. Defaults: your first community, this quarter."""
    communities = selectors.staff_communities(request.auth)
    if not communities:
        raise NotAllowed()
    if params.community is None:
        community = communities[0]
    else:
        community = next((c for c in communities if c.pk == params.community), None)
        if community is None:
            raise NotFound()
    year, quarter = selectors.current_quarter()
    report = selectors.quarter_report(community, params.year or year, params.quarter or quarter)
    return {
        "community": community, "year": report.year, "quarter": report.quarter, "start": report.start,
        "end": report.end, "registered": report.registered, "served": report.served,
        "not_served": report.not_served, "rate": report.rate,
        "rows": [{"member": row.member, "registered_at": row.registered_at, "ended_at": row.ended_at,
                  "has_account": row.has_account, "count": row.count, "served": row.served,
                  "services": _services(row.services)} for row in report.rows],
        "units": [{"unit": u.unit, "unit_registered": u.unit_registered, "registered": u.registered,
                   "served": u.served, "not_served": u.not_served, "rate": u.rate} for u in report.units],
    }


@router.get("/me/dual-record", response={200: MyRecordOut, **errors(404)}, summary="My 双报到 record")
def my_dual_record(request: HttpRequest):
    """For a party member: the active registration and each quarter of this year
    with the services done while registered. 404 if the user is not a party member."""
    record = selectors.my_record(request.auth)
    return {
        "member": record.member, "registration": record.registration, "year": record.year,
        "quarters": [{"year": q.year, "quarter": q.quarter, "registered": q.registered, "state": q.state,
                      "served": q.served, "count": q.count, "services": _services(q.services)}
                     for q in record.quarters],
    }


# ---------------------------------------------------------------- co-building projects

@router.get("/projects", response={200: list[ProjectOut], **errors(400)}, summary="Co-building projects (共建项目)")
@paginate(Pagination)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]):
    """Staff: their communities' projects; unit handlers: their unit's."""
    qs = selectors.visible_projects(request.auth)
    if filters.community is not None:
        qs = qs.filter(community_id=filters.community)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-pledged_at", "-id")


@router.post("/projects", response={201: ProjectOut, **errors(400, 404, 409)}, summary="Record a co-building project")
def create_project(request: HttpRequest, payload: ProjectIn):
    """Community staff, for a unit registered with the community."""
    project = services.project_create(actor=request.auth, **payload.model_dump())
    return Status(201, selectors.get_project(request.auth, project.pk))


@router.post("/projects/{int:project_id}/updates", response={201: ProjectUpdateOut, **errors(400, 404, 409)},
             summary="Report progress")
def update_project(request: HttpRequest, project_id: int, payload: ProjectUpdateIn):
    """Staff of the community or the unit's handlers; 100 marks the project done.
    409 if the project is done or `expected_version` is stale."""
    project = selectors.get_project(request.auth, project_id)
    update = services.project_update(actor=request.auth, project=project, **payload.model_dump())
    return Status(201, update)


# ---------------------------------------------------------------- evaluations

@router.get("/evaluations", response={200: list[EvaluationOut], **errors(400)}, summary="Evaluations (评选)")
@paginate(Pagination)
def list_evaluations(request: HttpRequest):
    """Those of the communities you manage or live in, newest first."""
    return selectors.visible_evaluations(request.auth).order_by("-created_at", "-id")


@router.post("/evaluations", response={201: EvaluationOut, **errors(400, 404)}, summary="Start an evaluation")
def create_evaluation(request: HttpRequest, payload: EvaluationIn):
    """Community staff: nominations until `nominate_until`, votes until `vote_until`."""
    evaluation = services.evaluation_create(actor=request.auth, **payload.model_dump())
    return Status(201, evaluation)


@router.get("/evaluations/{int:evaluation_id}/nominations", response={200: list[NominationOut], **errors(404)},
            summary="Nominations of an evaluation")
def list_nominations(request: HttpRequest, evaluation_id: int):
    """Staff see all; others the approved ones and their own."""
    evaluation = selectors.get_evaluation(request.auth, evaluation_id)
    return selectors.nominations_for(request.auth, evaluation)


@router.post("/evaluations/{int:evaluation_id}/nominations", response={201: NominationOut, **errors(400, 404, 409)},
             summary="Nominate")
def nominate(request: HttpRequest, evaluation_id: int, payload: NominationIn):
    """Residents of the community (pending review) and its staff (approved at once),
    while nominations are open. 409 `already_nominated` for a second nomination of one person."""
    evaluation = selectors.get_evaluation(request.auth, evaluation_id)
    nomination = services.nomination_create(actor=request.auth, evaluation=evaluation, **payload.model_dump())
    return Status(201, nomination)


@router.post("/nominations/{int:nomination_id}/review", response={200: NominationOut, **errors(400, 404, 409)},
             summary="Approve or reject a nomination")
def review_nomination(request: HttpRequest, nomination_id: int, payload: ReviewIn):
    nomination = selectors.get_nomination(request.auth, nomination_id)
    return services.nomination_review(actor=request.auth, nomination=nomination, decision=payload.decision,
                                      note=payload.note)


@router.post("/nominations/{int:nomination_id}/votes", response={201: VoteOut, **errors(400, 404, 409)},
             summary="Vote for a nominee")
def vote(request: HttpRequest, nomination_id: int):
    """Residents of the community while voting is open: once per nominee, at most
    `votes_per_voter` per evaluation (409 `no_votes_left`, 409 `already_voted`)."""
    nomination = selectors.get_nomination(request.auth, nomination_id)
    return Status(201, services.vote_cast(actor=request.auth, nomination=nomination))


@router.post("/evaluations/{int:evaluation_id}/open-voting", response={200: EvaluationOut, **errors(400, 404, 409)},
             summary="Open voting")
def open_voting(request: HttpRequest, evaluation_id: int, payload: ActIn | None = None):
    evaluation = selectors.get_evaluation(request.auth, evaluation_id)
    return services.evaluation_open_voting(actor=request.auth, evaluation=evaluation,
                                           expected_version=(payload or ActIn()).expected_version)


@router.post("/evaluations/{int:evaluation_id}/close", response={200: list[AwardOut], **errors(400, 404, 409)},
             summary="Close an evaluation and announce the winners")
def close(request: HttpRequest, evaluation_id: int, payload: ActIn | None = None):
    """Staff: awards go to the top `winners` approved nominees with at least one vote
    (ties: the earlier nomination); winners with an account are credited `award_points`.
    409 if already closed."""
    evaluation = selectors.get_evaluation(request.auth, evaluation_id)
    return services.evaluation_close(actor=request.auth, evaluation=evaluation,
                                     expected_version=(payload or ActIn()).expected_version)
