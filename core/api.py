"""What every API operation shares: the error shape, the errors it may return,
and the exception handlers that turn anything raised into that shape.

Every error leaves the API as `{"code": str, "message": str}`. `message` is
translated into the request's language (zh-hans unless the client asks for
another); `code` is stable and meant for programs. Invalid input, from the
schema or from a service, is always 400.
"""

import logging
import re
from collections.abc import Iterable
from functools import partial
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError
from ninja.pagination import LimitOffsetPagination

from core.errors import LinliError, NotAllowed, NotFound

logger = logging.getLogger("linli.api")


class ErrorOut(Schema):
    code: str
    message: str


class Unauthenticated(LinliError):
    code = "unauthenticated"
    status = 401
    default_message = gettext_lazy("Log in, or send a valid API token as “Authorization: Bearer <key>”.")


class InvalidToken(Unauthenticated):
    code = "invalid_token"
    default_message = gettext_lazy("The API token is unknown or has been revoked.")


class CsrfFailed(LinliError):
    code = "csrf_failed"
    status = 403
    default_message = gettext_lazy("The security check (CSRF) failed. Reload the page and try again.")


# What each status means when it is documented on an operation.
_DESCRIPTIONS = {
    400: "Invalid input: the message names the field or the rule broken.",
    401: "Not authenticated: no session, or a missing, unknown or revoked token.",
    403: "Not allowed for this user, or the CSRF check failed on a session request.",
    404: "Not found, or not visible to this user.",
    409: "Conflict: the record changed meanwhile, or the action is not possible in its state.",
    429: "Too many requests: wait a while and try again.",
    500: "Unexpected server error; it has been logged.",
}


def errors(*statuses: int, authed: bool = True) -> dict[int, type[ErrorOut]]:
    """The error part of an operation's `response=`: the given statuses, plus
    401/403 for authenticated operations and 500 for every operation."""
    codes = set(statuses) | {500}
    if authed:
        codes |= {401, 403}
    return {code: ErrorOut for code in sorted(codes)}


def choice_of(choices: type[TextChoices]) -> Any:
    """A `Literal` of a TextChoices' values: documented inline, so two enums that
    share a class name (Region.Level and the appeal Level) never collide in OpenAPI."""
    return Literal.__getitem__(tuple(choices.values))


def error_body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": str(message)}


class Pagination(LimitOffsetPagination):
    """`?limit=` (1–100, default 20) and `?offset=`; a list answers `{"items": [...], "count": total}`."""

    class Input(Schema):
        limit: int = Field(20, ge=1, le=100)
        offset: int = Field(0, ge=0)

    def __init__(self, **kwargs):
        super().__init__(max_limit=100, **kwargs)


# ---------------------------------------------------------------- handlers

def _respond(api: NinjaAPI, request: HttpRequest, status: int, code: str, message) -> HttpResponse:
    return api.create_response(request, error_body(code, message), status=status)


def _linli_error(request, exc: LinliError, api: NinjaAPI) -> HttpResponse:
    response = _respond(api, request, exc.status, exc.code, exc.message)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="linli"'
    return response


def _field_name(loc: Iterable) -> str:
    names = [str(part) for part in loc if isinstance(part, str)]
    # loc is (source, [param,] field...); the source (body/query/path/form/file) is never a field.
    return names[-1] if len(names) > 1 else (names[0] if names else "")


def validation_message(error: dict) -> tuple[str, str]:
    """A translatable (code, message) for one pydantic error, naming the field."""
    field = _field_name(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required", _("“%(field)s” is required.") % {"field": field}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "invalid", _("“%(field)s” must be a whole number.") % {"field": field}
    if kind in ("float_parsing", "float_type", "finite_number"):
        return "invalid", _("“%(field)s” must be a number.") % {"field": field}
    if kind in ("bool_parsing", "bool_type"):
        return "invalid", _("“%(field)s” must be true or false.") % {"field": field}
    if kind.startswith("datetime"):
        return "invalid", _("“%(field)s” must be a date and time like 2024-05-01T09:00:00+08:00.") % {"field": field}
    if kind.startswith("date"):
        return "invalid", _("“%(field)s” must be a date like 2024-05-01.") % {"field": field}
    if kind in ("enum", "literal_error"):
        choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return "invalid", _("“%(field)s” must be one of: %(choices)s.") % {"field": field, "choices": choices}
    if kind in ("string_too_long", "too_long"):
        return "too_long", _("“%(field)s” is too long (at most %(n)s).") % {
            "field": field, "n": ctx.get("max_length", "")}
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return "invalid", _("“%(field)s” has the wrong type.") % {"field": field}
    if kind in ("greater_than_equal", "greater_than"):
        return "invalid", _("“%(field)s” must be at least %(n)s.") % {
            "field": field, "n": ctx.get("ge", ctx.get("gt", ""))}
    if kind in ("less_than_equal", "less_than"):
        return "invalid", _("“%(field)s” must be at most %(n)s.") % {
            "field": field, "n": ctx.get("le", ctx.get("lt", ""))}
    return "invalid", _("“%(field)s” is not valid.") % {"field": field}


def _validation_error(request, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    code, message = validation_message(first)
    return _respond(api, request, 400, code, message)


_HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("The request could not be read. Send valid JSON or form data.")),
    401: (Unauthenticated.code, Unauthenticated.default_message),
    403: (NotAllowed.code, NotAllowed.default_message),
    404: (NotFound.code, NotFound.default_message),
    405: ("method_not_allowed", gettext_lazy("This method is not allowed here.")),
    429: ("throttled", gettext_lazy("Too many requests. Wait a moment and try again.")),
}


def _http_error(request, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        return _linli_error(request, CsrfFailed(), api)
    if isinstance(exc, AuthenticationError):
        return _linli_error(request, Unauthenticated(), api)
    if isinstance(exc, AuthorizationError):
        return _linli_error(request, NotAllowed(), api)
    code, message = _HTTP_ERRORS.get(exc.status_code, ("error", LinliError.default_message))
    response = _respond(api, request, exc.status_code, code, message)
    if isinstance(exc, Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


def _not_found(request, exc: Http404, api: NinjaAPI) -> HttpResponse:
    return _linli_error(request, NotFound(), api)


def _permission_denied(request, exc: PermissionDenied, api: NinjaAPI) -> HttpResponse:
    return _linli_error(request, NotAllowed(), api)


def _unexpected(request, exc: Exception, api: NinjaAPI) -> HttpResponse:
    logger.exception("Unhandled error in %s %s (request %s)", request.method, request.path,
                     getattr(request, "request_id", ""))
    return _respond(api, request, 500, "server_error",
                    _("Something went wrong on our side. It has been logged; please try again later."))


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every exception an operation can raise to `{"code", "message"}`."""
    api.add_exception_handler(LinliError, partial(_linli_error, api=api))
    api.add_exception_handler(ValidationError, partial(_validation_error, api=api))
    api.add_exception_handler(HttpError, partial(_http_error, api=api))
    api.add_exception_handler(Http404, partial(_not_found, api=api))
    api.add_exception_handler(PermissionDenied, partial(_permission_denied, api=api))
    api.add_exception_handler(Exception, partial(_unexpected, api=api))


def describe_errors(schema: dict) -> dict:
    """Give every documented error response its meaning (ninja writes only the status name)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                text = _DESCRIPTIONS.get(int(status))
                if text:
                    response["description"] = text
    return schema
