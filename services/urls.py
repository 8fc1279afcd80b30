from django.urls import path

from . import views

app_name = "services"
urlpatterns = [
    path("ask/", views.ask, name="ask"),
    path("mine/", views.mine, name="mine"),
    path("wall/", views.wall, name="wall"),
    path("board/", views.board, name="board"),
    path("jobs/", views.jobs, name="jobs"),
    path("provider/", views.provider, name="provider"),
    path("workbench/", views.workbench, name="workbench"),
    path("providers/", views.providers, name="providers"),
    path("providers/<int:pk>/<str:op>/", views.provider_action, name="provider_action"),
    path("from-appeal/<int:appeal_pk>/", views.from_appeal, name="from_appeal"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/dispatch/", views.dispatch_panel, name="dispatch"),
    path("<int:pk>/items/<int:item_id>/", views.tick, name="tick"),
    path("<int:pk>/phone/", views.reveal_phone, name="reveal_phone"),
]
