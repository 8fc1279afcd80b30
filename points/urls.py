from django.urls import path

from . import views

app_name = "points"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("counter/", views.counter, name="counter"),
    path("counter/redeem/", views.redeem, name="redeem"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/edit/", views.reward_edit, name="reward_edit"),
    path("catalogue/<int:pk>/active/", views.reward_active, name="reward_active"),
    path("catalogue/<int:pk>/stock/", views.reward_stock, name="reward_stock"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:region_id>/", views.rules_save, name="rules_save"),
    path("adjust/", views.adjust, name="adjust"),
    path("people/<int:user_id>/", views.ledger, name="ledger"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
]
