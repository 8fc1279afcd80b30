from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("appeals/", include("appeals.urls")),
    path("services/", include("services.urls")),
    path("volunteering/", include("volunteering.urls")),
    path("points/", include("points.urls")),
    path("party/", include("party.urls")),
    path("deliberation/", include("deliberation.urls")),
    path("mediation/", include("mediation.urls")),
    path("visits/", include("visits.urls")),
    path("places/", include("places.urls")),
    path("figures/", include("insights.urls")),
    path("integrations/", include("integrations.urls")),
    path("open311/v2/", include("integrations.open311_urls")),
    path("intelligence/", include("intelligence.urls")),
    path("", include("core.urls")),
]
