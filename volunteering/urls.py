from django.urls import path

from . import views

app_name = "volunteering"
urlpatterns = [
    path("", views.activities, name="activities"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("activities/<int:pk>/signup/", views.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/unsignup/", views.activity_unsignup, name="activity_unsignup"),
    path("activities/<int:pk>/roster/", views.roster, name="roster"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/finish/", views.activity_finish, name="activity_finish"),
    path("activities/<int:pk>/venue/", views.venue, name="venue"),
    path("activities/<int:pk>/venue/code/", views.venue_code, name="venue_code"),
    path("signups/<int:pk>/check/<str:direction>/", views.roster_check, name="roster_check"),
    path("signups/<int:pk>/correct/", views.roster_correct, name="roster_correct"),
    path("signups/<int:pk>/remove/", views.roster_remove, name="roster_remove"),
    path("signups/<int:pk>/phone/", views.signup_phone, name="signup_phone"),
    path("mine/", views.mine, name="mine"),
    path("mine/certificates/", views.certificate_issue, name="certificate_issue"),
    path("certificates/<str:code>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("teams/<int:pk>/join/", views.team_join, name="team_join"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("memberships/<int:pk>/phone/", views.membership_phone, name="membership_phone"),
    path("memberships/<int:pk>/<str:action>/", views.membership_act, name="membership_act"),
    path("staff/", views.staff, name="staff"),
    path("staff/teams/", views.team_create, name="team_create"),
    path("staff/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("scan/<str:token>/", views.scan, name="scan"),
    path("verify/", views.verify, name="verify"),
]
