"""The REST API under /api/v1/: one NinjaAPI, one router per app.

Authentication: `Authorization: Bearer <key>` (see POST /tokens) or the
browser session with its CSRF token. Errors: `{"code", "message"}` with the
message in the request's language (zh-hans by default; `Accept-Language: en`
for English). OpenAPI at /api/v1/openapi.json, Swagger UI at /api/v1/docs
(served from our own static files: no CDN).
"""

from functools import wraps

from django.http import HttpRequest, HttpResponseNotAllowed
from django.urls import URLPattern
from ninja import NinjaAPI, Router
from ninja.errors import HttpError

from accounts.api import router as accounts_router
from accounts.auth import API_AUTH
from appeals.api import router as appeals_router
from party.api import router as party_router
from points.api import router as points_router
from core.api import describe_errors, install_error_handlers
from deliberation.api import router as deliberation_router
from mediation.api import router as mediation_router
from places.api import router as places_router
from intelligence.api import router as intelligence_router
from visits.api import router as visits_router
from core.errors import NotFound
from regions.api import router as regions_router
from services.api import router as services_router
from volunteering.api import router as volunteering_router


class LinliAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return describe_errors(super().get_openapi_schema(**kwargs))

    def _get_urls(self):
        return [self._json_method_not_allowed(p) if isinstance(p, URLPattern) else p for p in super()._get_urls()]

    def _json_method_not_allowed(self, pattern: URLPattern) -> URLPattern:
        """Ninja answers a wrong method with plain text; answer in the error shape instead."""
        view = pattern.callback

        @wraps(view)  # keeps csrf_exempt: CSRF is the session auth's business
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                allowed = response["Allow"]
                response = self.on_exception(request, HttpError(405, "Method not allowed"))
                response["Allow"] = allowed
            return response

        return URLPattern(pattern.pattern, wrapped, pattern.default_args, pattern.name)


api = LinliAPI(
    title="Linli API",
    version="1.0.0",
    description=__doc__,
    urls_namespace="api",
    auth=API_AUTH,
)
install_error_handlers(api)

api.add_router("", accounts_router)
api.add_router("", regions_router)
api.add_router("", appeals_router)
api.add_router("", services_router)
api.add_router("", volunteering_router)
api.add_router("", points_router)
api.add_router("", party_router)
api.add_router("", deliberation_router)
api.add_router("", mediation_router)
api.add_router("", visits_router)
api.add_router("", places_router)
api.add_router("", intelligence_router)

# Registered last, so it matches only what no router above did.
fallback_router = Router()


@fallback_router.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None,
                               include_in_schema=False)
def unknown_endpoint(request: HttpRequest, rest: str):
    """Unknown addresses under /api/v1/ answer in the API's error shape too."""
    raise NotFound()


api.add_router("", fallback_router)
