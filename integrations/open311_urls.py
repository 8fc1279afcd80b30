"""Open311 GeoReport v2, mounted at /open311/v2/, and the staff page for its API keys."""

from django.urls import path, re_path

from integrations.open311 import staff, views

app_name = "open311"
FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    path("keys/", staff.key_list, name="keys"),
    path("keys/<int:pk>/revoke/", staff.key_revoke, name="key_revoke"),
]
