"""How API requests are authenticated, and the life of an API token.

Two ways in, tried in this order:

* `TokenAuth`: `Authorization: Bearer <key>` for programs. Only the key's hash
  is stored; a revoked or unknown key is refused with 401 (never silently
  treated as anonymous), and `last_used_at` is refreshed at most once a minute.
* `SessionAuth`: the browser's Django session, for the server-rendered pages
  calling the API. A session is a cookie the browser sends by itself, so every
  unsafe request riding on it must pass Django's CSRF check.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from core.api import CsrfFailed, InvalidToken
from core.audit import audit
from core.errors import NotFound, ValidationFailed
from core.models import AuditLog
from core.text import clean_text

from .models import ApiToken, User

# A busy client must not turn every read into a write.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = token_user(token.strip())
        if user is None:
            raise InvalidToken()
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session, with CSRF enforced on unsafe methods.

    CSRF is checked only once the session is known to belong to a user: an
    anonymous request gets 401, not a confusing CSRF failure."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
# Every operation accepts either, unless it says otherwise.
API_AUTH = [token_auth, session_auth]


# ---------------------------------------------------------------- tokens

def token_user(key: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user a key belongs to, or None for an unknown or revoked key."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def _repr(token: ApiToken) -> str:
    return f"{token.name} ({token.prefix}…)"


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; the key is returned once and never stored."""
    name = clean_text(name, field=_("the token name"), max_length=64, required=True)
    if user_tokens(user).filter(revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(_("You already have %(n)d active tokens; revoke one first.") % {"n": MAX_ACTIVE_TOKENS},
                               code="too_many_tokens")
    token, key = ApiToken.issue(user, name)
    audit(actor=user, action=AuditLog.Action.CREATE, obj=token, object_repr=_repr(token), after={"name": name})
    return token, key


@transaction.atomic
def token_revoke(*, user: User, token_id: int, now: dt.datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens. Revoking twice is harmless."""
    token = user_tokens(user).select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=user, action=AuditLog.Action.UPDATE, obj=token, object_repr=_repr(token), fields=["revoked_at"],
              note="revoked")
    return token
