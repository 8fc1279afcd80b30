from django.urls import path

from . import views_dup, views_hot

app_name = "intelligence"
urlpatterns = [
    path("duplicates/check/", views_dup.dup_check, name="dup_check"),
    path("duplicates/<int:pk>/", views_dup.dup_list, name="dup_list"),
    path("duplicates/<int:pk>/merge/", views_dup.dup_merge, name="dup_merge"),
    path("support/<int:pk>/", views_dup.support, name="support"),
    path("hot/", views_hot.hot_page, name="hot"),
]
