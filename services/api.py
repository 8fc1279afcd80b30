"""三单制 over HTTP: the same operations as the pages, through the same
services (writes) and selectors (scoped reads).

Photos: `POST /orders` takes JSON; `POST /orders/with-photos` the same fields
as multipart form data plus up to six `photos`. Steps work the same way:
`POST /orders/{id}/actions/{action}` (JSON) and
`POST /orders/{id}/actions/{action}/with-photos` (form + `photos`, for
`complete` and `reopen`). A bad photo saves nothing.
"""

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Path, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from core.api import Pagination, errors
from core.errors import NotAllowed, NotFound

from . import selectors, services
from .models import ServiceOrder
from .schemas import (
    ActionIn,
    ItemIn,
    ItemOut,
    OrderDetailOut,
    OrderFilters,
    OrderIn,
    OrderListOut,
    ProviderIn,
    ProviderOut,
    SkillOut,
    SuggestionOut,
    WishOut,
)
from .workflow import SYSTEM_ACTIONS, Action

router = Router(tags=["services"])


@router.get("/skills", response={200: list[SkillOut], **errors()}, summary="Skills providers offer and orders need")
def list_skills(request: HttpRequest):
    return selectors.active_skills()


# ---------------------------------------------------------------- orders

@router.get("/orders", response={200: list[OrderListOut], **errors(400)}, summary="List service orders")
@paginate(Pagination)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]):
    """The orders this user may see, newest first: staff their communities', a
    requester their own, a provider what they hold and the open orders of their area."""
    qs = selectors.visible_orders(request.auth)
    if filters.mine:
        qs = qs.filter(requester=request.auth)
    return selectors.filter_orders(qs, kind=filters.kind or "", status=filters.status or "",
                                   community=filters.community.strip(), q=filters.q.strip()
                                   ).order_by("-created_at", "-id")


def _submit(request: HttpRequest, payload: OrderIn, photos=()) -> Status:
    data = payload.model_dump()
    data["household"] = data.pop("household_id")
    order = services.order_submit(actor=request.auth, photos=photos, **data)
    return Status(201, selectors.get_order(request.auth, order.pk))


@router.post("/orders", response={201: OrderDetailOut, **errors(400)}, summary="Ask for a service, wish or errand")
def create_order(request: HttpRequest, payload: OrderIn):
    """点单. Wishes go straight to the public wall (status `open`); services and errands wait for dispatch."""
    return _submit(request, payload)


@router.post("/orders/with-photos", response={201: OrderDetailOut, **errors(400)}, summary="Ask, with photos")
def create_order_with_photos(request: HttpRequest, payload: Form[OrderIn], photos: File[list[UploadedFile]] = None):
    """The fields of `POST /orders` as multipart form data, plus up to six JPEG/PNG/WebP/GIF `photos`."""
    return _submit(request, payload, photos or ())


@router.get("/orders/{int:order_id}", response={200: OrderDetailOut, **errors(404)}, summary="One order")
def get_order(request: HttpRequest, order_id: int):
    """With its checklist, timeline and the actions this user may take."""
    return selectors.get_order(request.auth, order_id)


ACTION_PATH = Path(..., description="One of: " + ", ".join(a for a in Action.values if a not in SYSTEM_ACTIONS))
_ACTION_ERRORS = errors(400, 404, 409)


def _act(request: HttpRequest, order_id: int, action: str, payload: ActionIn | None, files=()) -> ServiceOrder:
    data = (payload or ActionIn()).model_dump()
    services.order_transition(order_id, action, request.auth, note=data["note"], files=files,
                              expected_version=data["expected_version"], provider=data["provider"],
                              rating=data["rating"], thanks=data["thanks"])
    try:
        return selectors.get_order(request.auth, order_id)
    except NotFound:  # e.g. a provider declined: the order is no longer theirs; answer without personal data
        return ServiceOrder.objects.select_related("community", "grid", "provider__user").get(pk=order_id)


@router.post("/orders/{int:order_id}/actions/{action}", response={200: OrderDetailOut, **_ACTION_ERRORS},
             summary="Take one step")
def act(request: HttpRequest, order_id: int, payload: ActionIn | None = None, action: str = ACTION_PATH):
    """`action` is one of the order's `available_actions`. 400 `unknown_action` for a
    name that is not an action; 409 `conflict` when `expected_version` is stale; 409
    `invalid_transition` when the order's state no longer allows it (e.g. another
    provider claimed the wish first); 403 when this user may not take it."""
    return _act(request, order_id, action, payload)


@router.post("/orders/{int:order_id}/actions/{action}/with-photos", response={200: OrderDetailOut, **_ACTION_ERRORS},
             summary="Take one step, with photos")
def act_with_photos(request: HttpRequest, order_id: int, payload: Form[ActionIn], action: str = ACTION_PATH,
                    photos: File[list[UploadedFile]] = None):
    """As the JSON form, with the fields as multipart form data plus up to six `photos`
    (for `complete` and `reopen`)."""
    return _act(request, order_id, action, payload, photos or ())


@router.post("/orders/{int:order_id}/items/{int:item_id}", response={200: ItemOut, **errors(400, 404)},
             summary="Tick a document of an errand's checklist")
def set_item(request: HttpRequest, order_id: int, item_id: int, payload: ItemIn):
    order = selectors.get_order(request.auth, order_id)
    return services.errand_item_set(actor=request.auth, order=order, item_id=item_id, done=payload.done)


@router.get("/orders/{int:order_id}/suggestions", response={200: list[SuggestionOut], **errors(404)},
            summary="Providers to dispatch to, best first")
def suggestions(request: HttpRequest, order_id: int):
    """For staff of the order's community. Each suggestion carries its score and the reasons shown on the workbench."""
    order = selectors.get_order(request.auth, order_id)
    if not selectors.is_staff_for(request.auth, order.community_id):
        raise NotAllowed()
    return selectors.suggest_providers(order)


@router.get("/orders/{int:order_id}/photos/{int:photo_id}", response={200: None, **errors(404)},
            url_name="order_photo", summary="Download a photo",
            openapi_extra={"responses": {200: {"description": "The image",
                                                 "content": {"image/*": {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}}})
def get_photo(request: HttpRequest, order_id: int, photo_id: int):
    photo = selectors.order_photo(selectors.get_order(request.auth, order_id), photo_id)
    try:
        handle = photo.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound()
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- the public wall

@router.get("/wishes", auth=None, response={200: list[WishOut], **errors(400, authed=False)},
            summary="The public micro-wish wall")
@paginate(Pagination)
def wishes(request: HttpRequest, community: str = ""):
    """Open micro-wishes, newest first; no login needed and no personal data beyond a masked name."""
    return selectors.wall(community.strip()[:20])[0]


# ---------------------------------------------------------------- my provider profile

@router.get("/providers/me", response={200: ProviderOut, **errors(404)}, summary="My provider profile")
def my_provider(request: HttpRequest):
    provider = selectors.provider_of(request.auth)
    if provider is None:
        raise NotFound()
    return provider


@router.put("/providers/me", response={200: ProviderOut, **errors(400)}, summary="Register or edit my provider profile")
def save_provider(request: HttpRequest, payload: ProviderIn):
    """Party members and volunteers may take orders at once; a merchant waits for community staff to approve."""
    return services.provider_save(actor=request.auth, **payload.model_dump())
