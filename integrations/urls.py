from django.urls import path  # noqa: F401

from . import export_views, views

app_name = "integrations"
urlpatterns: list = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/panel/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/templates/<str:kind>/", views.import_template, name="import_template"),
    path("exports/log/", export_views.export_log, name="export_log"),
    path("exports/<str:name>.xlsx", export_views.export, name="export"),
]
