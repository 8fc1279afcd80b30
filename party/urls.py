from django.urls import path

from . import views

app_name = "party"
urlpatterns = [
    path("dual/", views.dual, name="dual"),
    path("dual/register/", views.dual_register, name="dual_register"),
    path("dual/<int:pk>/end/", views.dual_end, name="dual_end"),
    path("quarter/", views.quarter, name="quarter"),
    path("me/", views.my_record, name="my_record"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/progress/", views.project_progress, name="project_progress"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/plaque/", views.plaque_edit, name="plaque_edit"),
    path("members/<int:pk>/served/", views.served_add, name="served_add"),
    path("members/<int:pk>/served/<int:household_pk>/remove/", views.served_remove, name="served_remove"),
    path("members/<int:pk>/awards/", views.award_record, name="award_record"),
    path("plaque/<int:pk>/", views.plaque, name="plaque"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("evaluations/new/", views.evaluation_create, name="evaluation_create"),
    path("evaluations/<int:pk>/", views.evaluation, name="evaluation"),
    path("evaluations/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("evaluations/<int:pk>/<str:action>/", views.evaluation_act, name="evaluation_act"),
    path("nominations/<int:pk>/vote/", views.vote, name="vote"),
    path("nominations/<int:pk>/<str:decision>/", views.nomination_review, name="nomination_review"),
]
