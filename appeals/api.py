"""The appeal loop over HTTP: the same operations as the screens, through the
same services (writes) and selectors (scoped reads).

Photos: `POST /appeals` takes JSON without photos; `POST /appeals/with-photos`
takes the same fields as multipart form data plus up to six `photos`. Steps of
the loop work the same way: `POST /appeals/{id}/actions/{action}` (JSON) and
`POST /appeals/{id}/actions/{action}/with-photos` (form + `photos`, e.g. the
evidence of an answer). A bad photo saves nothing.
"""

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Path, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from accounts.models import Role
from accounts.selectors import user_scopes
from core.api import Pagination, errors
from core.errors import NotFound

from . import selectors, services
from .models import Appeal, Category
from .schemas import (
    ActionIn,
    AppealDetailOut,
    AppealFilters,
    AppealIn,
    AppealListOut,
    CategoryOut,
    SuperviseIn,
    SupervisionOut,
    TaskBucket,
    TasksOut,
    UnitOut,
)
from .workflow import Action

router = Router(tags=["appeals"])

TASK_IDS_MAX = 200


# ---------------------------------------------------------------- reference data

@router.get("/categories", response={200: list[CategoryOut], **errors()}, summary="Category tree")
def list_categories(request: HttpRequest):
    """Active categories as a tree; leaves carry the default unit and time limits."""
    nodes: dict[int, Category] = {}
    for category in selectors.active_categories():
        category.tree_children = []
        nodes[category.pk] = category
    roots = []
    for category in nodes.values():
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent.tree_children if parent else roots).append(category)
    return roots


@router.get("/units", response={200: list[UnitOut], **errors()}, summary="Units appeals can be whistled to")
def list_units(request: HttpRequest):
    return selectors.active_units()


# ---------------------------------------------------------------- appeals

@router.get("/appeals", response={200: list[AppealListOut], **errors(400)}, summary="List appeals")
@paginate(Pagination)
def list_appeals(request: HttpRequest, filters: Query[AppealFilters]):
    """The appeals this user may see, newest first, with the workbench's filters."""
    return selectors.filter_appeals(
        selectors.visible_appeals(request.auth),
        status=filters.status or "", overdue="1" if filters.overdue else "", category=filters.category,
        grid=filters.grid, community=filters.community, unit=filters.unit, channel=filters.channel or "",
        date_from=filters.date_from, date_to=filters.date_to, q=filters.q.strip(),
    )


def _submit(request: HttpRequest, payload: AppealIn, photos=()) -> Status:
    appeal = services.appeal_submit(actor=request.auth, photos=photos, **payload.model_dump())
    return Status(201, selectors.get_appeal(request.auth, appeal.pk))


@router.post("/appeals", response={201: AppealDetailOut, **errors(400)}, summary="Report an appeal")
def create_appeal(request: HttpRequest, payload: AppealIn):
    """群众出题. Residents report their own; staff record hotline, walk-in and patrol reports."""
    return _submit(request, payload)


@router.post("/appeals/with-photos", response={201: AppealDetailOut, **errors(400)},
             summary="Report an appeal with photos")
def create_appeal_with_photos(request: HttpRequest, payload: Form[AppealIn],
                              photos: File[list[UploadedFile]] = None):
    """The fields of `POST /appeals` as multipart form data, plus up to six JPEG/PNG/WebP/GIF `photos`."""
    return _submit(request, payload, photos or ())


@router.get("/appeals/{int:appeal_id}", response={200: AppealDetailOut, **errors(404)}, summary="One appeal")
def get_appeal(request: HttpRequest, appeal_id: int):
    """With its timeline, whistles, answers, ratings, supervisions, and the actions this user may take."""
    return selectors.get_appeal(request.auth, appeal_id)


def _act(request: HttpRequest, appeal_id: int, action: str, payload: ActionIn | None, files=()) -> Appeal:
    data = (payload or ActionIn()).model_dump()
    services.appeal_transition(
        appeal=appeal_id, action=action, actor=request.auth, files=files, note=data["note"],
        expected_version=data["expected_version"], satisfaction=data["satisfaction"] or "", parent=data["parent"],
        lead_unit=data["lead_unit"], helper_units=data["helper_units"], deadline=data["deadline"],
        deadline_workdays=data["deadline_workdays"],
    )
    return selectors.get_appeal(request.auth, appeal_id)


_ACTION_ERRORS = errors(400, 404, 409)
ACTION_PATH = Path(..., description="One of: " + ", ".join(Action.values))


@router.post("/appeals/{int:appeal_id}/actions/{action}", response={200: AppealDetailOut, **_ACTION_ERRORS},
             summary="Take one step of the loop")
def act(request: HttpRequest, appeal_id: int, payload: ActionIn | None = None, action: str = ACTION_PATH):
    """`action` is one of the appeal's `available_actions`. 400 `unknown_action` for a name
    that is not an action; 409 `conflict` when `expected_version` is stale; 409
    `invalid_transition` when the appeal's state no longer allows it; 403 when this
    user may not take it."""
    return _act(request, appeal_id, action, payload)


@router.post("/appeals/{int:appeal_id}/actions/{action}/with-photos",
             response={200: AppealDetailOut, **_ACTION_ERRORS}, summary="Take one step of the loop, with photos")
def act_with_photos(request: HttpRequest, appeal_id: int, payload: Form[ActionIn], action: str = ACTION_PATH,
                    photos: File[list[UploadedFile]] = None):
    """As the JSON form, with the fields as multipart form data plus up to six `photos`."""
    return _act(request, appeal_id, action, payload, photos or ())


@router.post("/appeals/{int:appeal_id}/supervise", response={201: SupervisionOut, **errors(400, 404, 409)},
             summary="Supervise (督办) a stuck appeal")
def supervise(request: HttpRequest, appeal_id: int, payload: SuperviseIn):
    """For street and community staff; notifies the holder and their leader."""
    return Status(201, services.supervise(appeal_id=appeal_id, actor=request.auth, note=payload.note))


@router.get("/appeals/{int:appeal_id}/attachments/{int:attachment_id}", response={200: None, **errors(404)},
            url_name="appeal_attachment", summary="Download a photo",
            openapi_extra={"responses": {200: {"description": "The image",
                                                 "content": {"image/*": {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}}})
def get_attachment(request: HttpRequest, appeal_id: int, attachment_id: int):
    appeal = selectors.get_appeal(request.auth, appeal_id)
    attachment = selectors.appeal_attachment(appeal, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound()
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- the user's work

def _bucket(qs) -> TaskBucket:
    ids = list(qs.order_by("-created_at", "-id").values_list("id", flat=True)[:TASK_IDS_MAX])
    count = len(ids) if len(ids) < TASK_IDS_MAX else qs.count()
    return TaskBucket(count=count, ids=ids)


@router.get("/tasks", response={200: TasksOut, **errors()}, summary="What waits for me")
def tasks(request: HttpRequest):
    """Grid workers get their grids' buckets (to_accept, to_handle, to_verify, overdue);
    department handlers their unit's (to_claim, to_answer, overdue, returned, helping)."""
    scopes = user_scopes(request.auth)
    grid = unit = None
    if Role.GRID_WORKER in scopes.roles:
        grid = {name: _bucket(qs) for name, qs in selectors.grid_worker_tasks(request.auth).items()}
    if Role.UNIT_HANDLER in scopes.roles:
        unit = {name: _bucket(qs) for name, qs in selectors.unit_tasks(request.auth).items()}
    return {"grid": grid, "unit": unit}
