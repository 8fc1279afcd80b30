from django.urls import path

from . import views, views_dup, views_hot

app_name = "intelligence"
urlpatterns = [
    path("duplicates/check/", views_dup.dup_check, name="dup_check"),
    path("duplicates/<int:pk>/", views_dup.dup_list, name="dup_list"),
    path("duplicates/<int:pk>/merge/", views_dup.dup_merge, name="dup_merge"),
    path("support/<int:pk>/", views_dup.support, name="support"),
    path("hot/", views_hot.hot_page, name="hot"),
    path("suggest/", views.suggest, name="suggest"),
    path("appeals/<int:pk>/category/", views.appeal_category, name="appeal_category"),
    path("models/", views.models_page, name="models"),
    path("models/<int:version>/", views.model_detail, name="model_detail"),
    path("models/train/", views.train, name="train"),
    path("models/rollback/", views.rollback, name="rollback"),
    path("routing/<int:street_id>/", views.routing, name="routing"),
]
