"""Log-in with rate limiting and an audit row for every attempt.

Failed attempts are counted per user name and per client address inside a
sliding window (settings.LOGIN_RATE_LIMIT, LOGIN_RATE_WINDOW_SECONDS). Once
either count reaches the limit, further attempts are refused without even
checking the password, so guessing gains nothing.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import LinliError, NotAllowed, ValidationFailed
from core.models import AuditLog

from .models import LoginAttempt, User


class LoginRefused(LinliError):
    code = "login_refused"
    status = 401


def client_ip(request) -> str:
    """The client address; behind a trusted proxy, the one the proxy appended last."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _normalise(username: str) -> str:
    return (username or "").strip()[:150]


def login_blocked(*, username: str, ip: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.LOGIN_RATE_WINDOW_SECONDS)
    recent = LoginAttempt.objects.filter(at__gte=since)
    limit = settings.LOGIN_RATE_LIMIT
    by_name = recent.filter(username__iexact=username).count() if username else 0
    return by_name >= limit or recent.filter(ip=ip).count() >= limit


def login_attempt(*, request, username: str, password: str) -> User:
    """Check the credentials; return the user, or raise and record the failure.

    The failure rows are committed before the error is raised (no surrounding
    atomic block may roll them back). The caller logs the returned user in
    (django.contrib.auth.login)."""
    username = _normalise(username)
    ip = client_ip(request)
    if not username or not password:
        raise ValidationFailed(_("Please enter your user name and password."), code="required")
    if login_blocked(username=username, ip=ip):
        audit(actor=None, action=AuditLog.Action.LOGIN_FAILED, object_type="accounts.user", object_repr=username,
              note=f"refused: rate limit; ip={ip}")
        minutes = max(1, settings.LOGIN_RATE_WINDOW_SECONDS // 60)
        raise NotAllowed(_("Too many failed log-in attempts. For your account's safety, please try again in "
                           "%(minutes)d minutes or ask your administrator to reset your password.") % {"minutes": minutes},
                         code="rate_limited")
    user = authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            LoginAttempt.objects.create(username=username, ip=ip)
            audit(actor=None, action=AuditLog.Action.LOGIN_FAILED, object_type="accounts.user", object_repr=username,
                  note=f"ip={ip}")
        raise LoginRefused(_("The user name or password is incorrect."))
    with transaction.atomic():
        LoginAttempt.objects.filter(username__iexact=username).delete()
        audit(actor=user, action=AuditLog.Action.LOGIN, obj=user, note=f"ip={ip}")
    return user


def purge_login_attempts(*, now: dt.datetime | None = None) -> int:
    """Forget failures older than the window (they no longer count)."""
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.LOGIN_RATE_WINDOW_SECONDS)
    deleted, _rows = LoginAttempt.objects.filter(at__lt=since).delete()
    return deleted
