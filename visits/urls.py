from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.due, name="home"),
    path("due/", views.due, name="due"),
    path("overview/", views.overview, name="overview"),
    path("tags/", views.tags, name="tags"),
    path("subjects/new/", views.subject_new, name="subject_new"),
    path("subjects/<int:pk>/", views.subject, name="subject"),
    path("subjects/<int:pk>/edit/", views.subject_edit, name="subject_edit"),
    path("subjects/<int:pk>/visit/", views.visit_new, name="visit_new"),
    path("subjects/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("subjects/<int:pk>/<str:action>/", views.subject_action, name="subject_action"),
    path("patrol/", views.patrol, name="patrol"),
    path("patrol/start/", views.patrol_start, name="patrol_start"),
    path("patrols/<int:pk>/", views.patrol_detail, name="patrol_detail"),
    path("patrols/<int:pk>/end/", views.patrol_end, name="patrol_end"),
    path("patrols/<int:pk>/track/", views.patrol_track, name="patrol_track"),
    path("patrols/<int:pk>/findings/", views.finding_add, name="finding_add"),
    path("findings/<int:pk>/<str:action>/", views.finding_action, name="finding_action"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/knocks/<int:knock_pk>/", views.knock, name="knock"),
    path("campaigns/<int:pk>/<str:action>/", views.campaign_action, name="campaign_action"),
]
