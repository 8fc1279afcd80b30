"""The current user: who they are, their API tokens, their inbox."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from core.api import Pagination, errors
from core.notify import notification_mark_read, user_notifications

from . import auth
from .models import Role, RoleAssignment, User
from .selectors import role_assignments, user_scopes

router = Router(tags=["me"])


# ---------------------------------------------------------------- schemas

class ScopeOut(Schema):
    type: str = Field(description="region, unit, party_org or building; empty for a role held everywhere")
    id: int | None
    code: str | None = Field(description="Region code, for region scopes")
    level: str | None = Field(description="Region level, for region scopes")
    name: str


class RoleOut(Schema):
    role: Role
    label: str
    is_leader: bool
    scope: ScopeOut

    @staticmethod
    def resolve_label(obj: RoleAssignment) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_scope(obj: RoleAssignment) -> dict:
        if obj.region_id:
            return {"type": "region", "id": obj.region_id, "code": obj.region.code, "level": obj.region.level,
                    "name": obj.region.name}
        for kind in ("unit", "party_org", "building"):
            target = getattr(obj, kind)
            if target is not None:
                return {"type": kind, "id": target.pk, "code": None, "level": None, "name": str(target)}
        return {"type": "", "id": None, "code": None, "level": None, "name": ""}


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_admin: bool
    roles: list[RoleOut]


class TokenIn(Schema):
    name: str = Field(..., description="What the token is for, e.g. the client's name")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    key: str = Field(description="Shown once: only its hash is kept")


class NotificationOut(Schema):
    id: int
    verb: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


# ---------------------------------------------------------------- operations

@router.get("/me", response={200: MeOut, **errors()}, summary="Who I am")
def me(request: HttpRequest):
    user: User = request.auth
    return {"id": user.pk, "username": user.username, "display_name": user.display_name,
            "is_admin": user_scopes(user).is_admin, "roles": role_assignments(user)}


@router.get("/tokens", response={200: list[TokenOut], **errors()}, summary="My API tokens")
def list_tokens(request: HttpRequest):
    return auth.user_tokens(request.auth)


@router.post("/tokens", auth=auth.session_auth, response={201: TokenCreatedOut, **errors(400)},
             summary="Create an API token")
def create_token(request: HttpRequest, payload: TokenIn):
    """Only from a logged-in browser session (with its CSRF token): a token cannot mint tokens.
    The answer holds the key; it is never shown again."""
    token, key = auth.token_create(user=request.auth, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "key": key})


@router.delete("/tokens/{int:token_id}", response={204: None, **errors(404)}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int):
    auth.token_revoke(user=request.auth, token_id=token_id)
    return Status(204, None)


@router.get("/notifications", response={200: list[NotificationOut], **errors(400)}, summary="My inbox")
@paginate(Pagination)
def list_notifications(request: HttpRequest, unread: bool = False):
    return user_notifications(request.auth, unread_only=unread)


@router.post("/notifications/{int:notification_id}/read", response={200: NotificationOut, **errors(404)},
             summary="Mark a message read")
def read_notification(request: HttpRequest, notification_id: int):
    return notification_mark_read(user=request.auth, notification_id=notification_id)
