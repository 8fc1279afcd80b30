"""Visits and patrols over HTTP: the same operations as the pages, through the
same services (writes) and selectors (scoped reads).

Findings with photos: `POST /visits/patrols/{id}/findings` takes multipart form
data (the fields plus up to six `photos`); a bad photo saves nothing."""

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status, UploadedFile

from core.api import errors
from core.errors import NotAllowed, NotFound

from . import selectors, services
from .schemas import (
    CampaignDetailOut,
    CampaignOut,
    FindingIn,
    FindingOut,
    KnockIn,
    KnockOut,
    PatrolEndIn,
    PatrolOut,
    PatrolStartIn,
    ReportIn,
    ReportOut,
    SubjectFilters,
    SubjectOut,
    VisitIn,
    VisitOut,
)

router = Router(tags=["visits"])


def _workers_only(user):
    if not selectors.can_use(user):
        raise NotAllowed(code="forbidden")


@router.get("/visits/subjects", response={200: list[SubjectOut], **errors(400)},
            summary="People under care, overdue first")
def list_subjects(request: HttpRequest, filters: Query[SubjectFilters]):
    """The user's people under care (grid workers: their grids), by urgency: overdue, due within a week, later."""
    user = request.auth
    _workers_only(user)
    lists = selectors.due_lists(user)
    wanted = ["overdue", "due", "later"] if filters.status == "all" else [filters.status]
    status = {"overdue": "overdue", "due": "due", "later": "ok"}
    return [SubjectOut.build(s, status[k]) for k in wanted for s in lists[k]]


@router.get("/visits/subjects/{int:subject_id}", response={200: SubjectOut, **errors(404)},
            summary="One person under care")
def get_subject(request: HttpRequest, subject_id: int):
    s = selectors.get_subject(request.auth, subject_id)
    return SubjectOut.build(s, selectors.live_status(s, selectors.today()))


@router.post("/visits/subjects/{int:subject_id}/visits", response={201: VisitOut, **errors(400, 404, 409)},
             summary="Record a visit (and open an appeal, order or dispute)")
def create_visit(request: HttpRequest, subject_id: int, payload: VisitIn):
    """Moves the due date; `appeal`, `order` or `dispute` open that record in the same transaction."""
    data = payload.model_dump()
    for key in ("appeal", "order", "dispute"):
        if data[key] is None:
            data.pop(key)
    visit = services.visit_record(actor=request.auth, subject=subject_id, **data)
    return Status(201, visit)


@router.get("/visits/patrols/current", response={200: PatrolOut, **errors(404)}, summary="My open patrol")
def current_patrol(request: HttpRequest):
    patrol = selectors.open_patrol(request.auth)
    if patrol is None:
        raise NotFound()
    return PatrolOut.build(patrol, selectors.patrol_findings(patrol))


@router.post("/visits/patrols", response={201: PatrolOut, **errors(400, 409)}, summary="Start a patrol (check in)")
def start_patrol(request: HttpRequest, payload: PatrolStartIn):
    patrol = services.patrol_start(actor=request.auth, grid=payload.grid or None, lng=payload.lng, lat=payload.lat)
    return Status(201, PatrolOut.build(patrol, []))


@router.post("/visits/patrols/{int:patrol_id}/end", response={200: PatrolOut, **errors(400, 404, 409)},
             summary="End a patrol (check out)")
def end_patrol(request: HttpRequest, patrol_id: int, payload: PatrolEndIn):
    patrol = services.patrol_end(actor=request.auth, patrol=patrol_id, lng=payload.lng, lat=payload.lat,
                                 note=payload.note)
    return PatrolOut.build(patrol, selectors.patrol_findings(patrol))


@router.post("/visits/patrols/{int:patrol_id}/findings", response={201: FindingOut, **errors(400, 404, 409)},
             summary="Note a finding, with photos")
def add_finding(request: HttpRequest, patrol_id: int, payload: Form[FindingIn],
                photos: File[list[UploadedFile]] = None):
    finding = services.finding_add(actor=request.auth, patrol=patrol_id, note=payload.note,
                                   category=payload.category or None, lng=payload.lng, lat=payload.lat,
                                   photos=photos or ())
    return Status(201, FindingOut.build(finding))


@router.post("/visits/findings/{int:finding_id}/report", response={201: ReportOut, **errors(400, 404, 409)},
             summary="Report a finding as an appeal")
def report_finding(request: HttpRequest, finding_id: int, payload: ReportIn):
    """Opens an appeal of channel `patrol` at the finding's place, with its photos."""
    appeal = services.finding_report(actor=request.auth, finding=finding_id, category=payload.category or None,
                                     title=payload.title, urgency=payload.urgency,
                                     expected_version=payload.expected_version)
    return Status(201, {"finding_id": finding_id, "appeal_id": appeal.pk, "appeal_number": appeal.number})


@router.get("/visits/campaigns", response={200: list[CampaignOut], **errors()}, summary="Door-knocking drives")
def list_campaigns(request: HttpRequest):
    out = []
    for c in selectors.with_coverage(selectors.visible_campaigns(request.auth)).order_by("-starts_on", "-id")[:100]:
        c.coverage = selectors.coverage(c.n_knocked, c.n_households)
        out.append(CampaignOut.build(c))
    return out


@router.get("/visits/campaigns/{int:campaign_id}", response={200: CampaignDetailOut, **errors(404)},
            summary="One drive with its households")
def get_campaign(request: HttpRequest, campaign_id: int):
    c = selectors.get_campaign(request.auth, campaign_id)
    return {**CampaignOut.build(c), "knocks": [KnockOut.build(k) for k in selectors.campaign_knocks(c)]}


@router.post("/visits/campaigns/{int:campaign_id}/knocks/{int:knock_id}", response={200: KnockOut, **errors(400, 404, 409)},
             summary="Record a knock on one household")
def record_knock(request: HttpRequest, campaign_id: int, knock_id: int, payload: KnockIn):
    """Of two workers recording the same household at once, one wins; the other gets 409."""
    knock = selectors.get_knock(request.auth, campaign_id, knock_id)
    saved = services.knock_record(actor=request.auth, knock=knock.pk, result=payload.result,
                                  expected_version=payload.expected_version, note=payload.note,
                                  appeal=payload.appeal.model_dump() if payload.appeal else None)
    return KnockOut.build(saved)
