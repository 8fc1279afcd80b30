from django.urls import path

from . import views

app_name = "deliberation"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("raise/", views.raise_matter, name="raise"),
    path("workbench/", views.workbench, name="workbench"),
    path("from-appeal/<int:appeal_pk>/", views.from_appeal, name="from_appeal"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/cosign/", views.cosign, name="cosign"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/tasks/", views.task_add, name="task_add"),
    path("tasks/<int:task_pk>/act/<str:action>/", views.task_act, name="task_act"),
    path("tasks/<int:task_pk>/whistle/", views.task_whistle, name="task_whistle"),
    path("photos/<int:pk>/", views.check_photo, name="photo"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/<str:op>/", views.meeting_act, name="meeting_act"),
    path("meetings/<int:pk>/minutes.<str:fmt>", views.meeting_export, name="meeting_export"),
]
