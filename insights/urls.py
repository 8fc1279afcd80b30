from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.figures_page, name="figures"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/screen/", views.dashboard_screen, name="dashboard_screen"),
    path("dashboard/data.json", views.dashboard_data, name="dashboard_data"),
    path("dashboard/map.json", views.dashboard_map, name="dashboard_map"),
]

# 工作简报 (insights.briefing_views)
from . import briefing_views

urlpatterns += [
    path("briefings/", briefing_views.briefing_list, name="briefings"),
    path("briefings/generate/", briefing_views.briefing_generate, name="briefing_generate"),
    path("briefings/<int:pk>/download/", briefing_views.briefing_download, name="briefing_download"),
]
