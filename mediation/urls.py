from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("record/", views.record, name="record"),
    path("from-appeal/<int:appeal_pk>/", views.from_appeal, name="from_appeal"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/session/", views.session, name="session"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/mediator/", views.mediator, name="mediator"),
    path("<int:pk>/risk/", views.risk, name="risk"),
    path("<int:pk>/parties/<int:party_id>/phone/", views.reveal_phone, name="reveal_phone"),
    path("<int:pk>/agreements/<int:agreement_id>/signed/", views.signed_copy, name="signed_copy"),
    path("<int:pk>/agreements/<int:agreement_id>/<str:fmt>/", views.agreement_document, name="agreement"),
]
