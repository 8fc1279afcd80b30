from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    path("new/", views.report, name="report"),
    path("mine/", views.mine, name="mine"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("workbench/", views.workbench, name="workbench"),
    path("unit/", views.unit_workbench, name="unit_workbench"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/supervise/", views.supervise, name="supervise"),
    path("<int:pk>/phone/", views.reveal_phone, name="reveal_phone"),
]
