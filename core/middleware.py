"""Request id for audit rows, and a Content-Security-Policy that forbids
inline script and any origin but our own (plus the configured map tiles)."""

import uuid
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.middleware.locale import LocaleMiddleware

current_request_id: ContextVar[str] = ContextVar("linli_request_id", default="")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        request.request_id = request_id[:64]
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-Id"] = request.request_id
        return response


def _tile_origin() -> str:
    url = settings.MAP_TILE_URL
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[-1]
    return f"{parts.scheme}://{host}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        tiles = _tile_origin()
        img = "'self' data: blob:" + (f" {tiles}" if tiles else "")
        self.policy = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", self.policy)
        return response


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Simplified Chinese unless the user chose English (language
    cookie); a browser's Accept-Language does not switch them. API clients
    still negotiate with Accept-Language."""

    def process_request(self, request):
        if not request.path.startswith("/api/") and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if not request.path.startswith("/api/"):
            patch_vary = response.get("Vary", "")
            if patch_vary:
                response["Vary"] = ", ".join(v for v in (p.strip() for p in patch_vary.split(",")) if v != "Accept-Language")
        return response
