from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("", views.nearby, name="nearby"),
    path("<int:pk>/", views.detail, name="detail"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create, name="create"),
    path("manage/<int:pk>/", views.edit, name="edit"),
    path("manage/<int:pk>/special-days/", views.special_day, name="special_day"),
    path("manage/<int:pk>/special-days/<int:day_pk>/remove/", views.special_day_remove, name="special_day_remove"),
    path("manage/<int:pk>/uses/", views.use, name="use"),
    path("manage/<int:pk>/<str:op>/", views.set_active, name="set_active"),
]
