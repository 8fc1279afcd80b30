"""Mediation over HTTP: the same operations as the pages, through the same
services (writes) and selectors (scoped reads).

The signed agreement comes back as multipart form data on
`POST /disputes/{id}/signed-copy` (the `sign` step); every other step is JSON
on `POST /disputes/{id}/actions/{action}`.
"""

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from core.api import Pagination, errors
from core.errors import NotFound, ValidationFailed

from . import documents, selectors, services
from .models import Dispute
from .schemas import (
    ActionIn,
    DisputeDetailOut,
    DisputeFilters,
    DisputeIn,
    DisputeListOut,
    FollowUpIn,
    MediatorIn,
    MediatorOut,
    RiskIn,
    SessionIn,
    SessionOut,
)
from .workflow import OPEN_STATES, Action

router = Router(tags=["mediation"])


def _detail(request, pk) -> Dispute:
    return selectors.get_dispute(request.auth, pk)


@router.get("/disputes", response={200: list[DisputeListOut], **errors(400)}, summary="List disputes")
@paginate(Pagination)
def list_disputes(request: HttpRequest, filters: Query[DisputeFilters]):
    """The disputes this user may see, high risk first, then newest."""
    qs = selectors.staff_disputes(request.auth)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.risk:
        qs = qs.filter(risk_level=filters.risk)
    if filters.open:
        qs = qs.filter(status__in=OPEN_STATES)
    if filters.community.strip():
        qs = qs.filter(community__code=filters.community.strip())
    if filters.q.strip():
        text = filters.q.strip()[:60]
        qs = qs.filter(Q(title__icontains=text) | Q(number__icontains=text))
    return selectors.order_by_risk(qs)


@router.post("/disputes", response={201: DisputeDetailOut, **errors(400)}, summary="Record a dispute")
def create_dispute(request: HttpRequest, payload: DisputeIn):
    """Risk words or repeated incidents between the same parties raise the risk; high risk alerts at once."""
    data = payload.model_dump()
    dispute = services.dispute_record(
        actor=request.auth, title=data["title"], description=data["description"],
        dispute_type=data["dispute_type"], source=data["source"],
        parties=[{k: v for k, v in p.items() if v not in ("", None)} for p in data["parties"]],
        grid=data["grid"] or None, community=data["community"] or None, source_appeal=data["source_appeal_id"])
    return Status(201, _detail(request, dispute.pk))


@router.get("/disputes/{int:dispute_id}", response={200: DisputeDetailOut, **errors(404)}, summary="One dispute")
def get_dispute(request: HttpRequest, dispute_id: int):
    """With parties (phones masked), team, sessions, referrals, agreements, follow-ups, timeline and next steps."""
    return _detail(request, dispute_id)


ACTION_PATH = Path(..., description="One of: " + ", ".join(a for a in Action.values if a != Action.SIGN))


@router.post("/disputes/{int:dispute_id}/actions/{action}", response={200: DisputeDetailOut, **errors(400, 404, 409)},
             summary="Take one step")
def act(request: HttpRequest, dispute_id: int, payload: ActionIn | None = None, action: str = ACTION_PATH):
    """`action` is one of the dispute's `available_actions`. 409 `conflict` when `expected_version`
    is stale; 409 `invalid_transition` when its state no longer allows it; 403 when this user may not."""
    if action == Action.SIGN:
        raise ValidationFailed(_("Upload the signed agreement with POST /disputes/{id}/signed-copy."), code="use_upload")
    data = (payload or ActionIn()).model_dump()
    services.dispute_transition(dispute=dispute_id, action=action, actor=request.auth, **data)
    return _detail(request, dispute_id)


class SignIn(Schema):
    expected_version: int | None = None


@router.post("/disputes/{int:dispute_id}/signed-copy", response={200: DisputeDetailOut, **errors(400, 404, 409)},
             summary="Upload the signed agreement")
def sign(request: HttpRequest, dispute_id: int, payload: Form[SignIn], file: File[UploadedFile] = None):
    """The `sign` step: a photo (JPEG/PNG/WebP/GIF) or PDF scan of the agreement signed by both parties.
    Follow-up visits are due from then on."""
    services.dispute_transition(dispute=dispute_id, action=Action.SIGN, actor=request.auth, signed_copy=file,
                                expected_version=payload.expected_version)
    return _detail(request, dispute_id)


@router.post("/disputes/{int:dispute_id}/sessions", response={201: SessionOut, **errors(400, 404, 409)},
             summary="Record a mediation session")
def create_session(request: HttpRequest, dispute_id: int, payload: SessionIn):
    """The first session starts the mediation; what was said is read by the risk rules too."""
    data = payload.model_dump()
    session = services.session_record(actor=request.auth, dispute=dispute_id, notes=data["notes"],
                                      held_at=data["held_at"], place=data["place_id"], location=data["location"],
                                      attendees=data["attendees"])
    return Status(201, session)


@router.get("/disputes/{int:dispute_id}/sessions", response={200: list[SessionOut], **errors(404)},
            summary="The sessions of a dispute")
def list_sessions(request: HttpRequest, dispute_id: int):
    return list(_detail(request, dispute_id).sessions.select_related("place"))


@router.post("/disputes/{int:dispute_id}/follow-ups", response={200: DisputeDetailOut, **errors(400, 404, 409)},
             summary="Record a follow-up visit")
def create_follow_up(request: HttpRequest, dispute_id: int, payload: FollowUpIn):
    """Holding: the dispute may be closed (at once with `close`). Broken: it goes back to mediation."""
    services.follow_up_record(actor=request.auth, dispute=dispute_id, **payload.model_dump())
    return _detail(request, dispute_id)


@router.post("/disputes/{int:dispute_id}/mediators", response={201: MediatorOut, **errors(400, 404, 409)},
             summary="Add a member to the mediation team")
def add_mediator(request: HttpRequest, dispute_id: int, payload: MediatorIn):
    data = payload.model_dump()
    mediator = services.mediator_add(actor=request.auth, dispute=dispute_id, user=data["user_id"], name=data["name"],
                                     kind=data["kind"], is_lead=data["is_lead"])
    return Status(201, mediator)


@router.post("/disputes/{int:dispute_id}/risk", response={200: DisputeDetailOut, **errors(400, 404, 409)},
             summary="Set the risk level by hand")
def set_risk(request: HttpRequest, dispute_id: int, payload: RiskIn):
    """Community or street staff, always with a reason."""
    services.risk_set(actor=request.auth, dispute=dispute_id, **payload.model_dump())
    return _detail(request, dispute_id)


@router.get("/disputes/{int:dispute_id}/agreements/{int:agreement_id}/document",
            response={200: None, **errors(400, 404)}, summary="Download the agreement to sign",
            openapi_extra={"responses": {200: {"description": "The agreement as .docx or PDF", "content": {
                documents.FORMATS["docx"]: {"schema": {"type": "string", "format": "binary"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def agreement_document(request: HttpRequest, dispute_id: int, agreement_id: int, format: str = "pdf"):
    """`format`: docx or pdf. It names the parties with their phones, so every download is logged."""
    if format not in documents.FORMATS:
        raise ValidationFailed(_("The format must be docx or pdf."), code="bad_format")
    dispute = _detail(request, dispute_id)
    agreement = dispute.agreements.filter(pk=agreement_id).first()
    if agreement is None or not selectors.can_reveal_phone(request.auth, dispute):
        raise NotFound()
    services.log_document_access(actor=request.auth, dispute=dispute, agreement=agreement, kind=format)
    content, content_type = documents.render(agreement, format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{documents.filename(agreement, format)}"'
    response["Cache-Control"] = "private, no-store"
    return response
