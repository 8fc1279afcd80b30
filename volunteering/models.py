"""志愿服务: teams, activities with seats and a waiting list, attendance by QR
code or by the organiser, the hours it earns, and hours certificates.

Other apps read these models (figures, 双报到); every write goes through
`volunteering.services`.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .workflow import (
    LIVE_MEMBERSHIP,
    LIVE_SIGNUP,
    ActivityStatus,
    MembershipStatus,
    Method,
    SignupStatus,
    TeamKind,
)


class VolunteerTeam(models.Model):
    """志愿服务队, e.g. the five teams of seed 003 (党员服务、综治维稳、助残助老、文化宣传、清洁家园)."""

    Kind = TeamKind

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=TeamKind.choices)
    custom_kind = models.CharField(_("kind (own name)"), max_length=40, blank=True)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="volunteer_teams")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="led_volunteer_teams")
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["community_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="volunteer_team_name_once")]

    def __str__(self):
        return self.name

    @property
    def kind_label(self) -> str:
        if self.kind == TeamKind.CUSTOM and self.custom_kind:
            return self.custom_kind
        return str(TeamKind(self.kind).label) if self.kind in TeamKind.values else self.kind


class TeamMembership(models.Model):
    Status = MembershipStatus

    team = models.ForeignKey(VolunteerTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_memberships")
    status = models.CharField(max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.PENDING)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], condition=Q(status__in=sorted(LIVE_MEMBERSHIP)),
                                               name="volunteer_membership_live_once")]
        indexes = [models.Index(fields=["team", "status"])]

    def __str__(self):
        return f"{self.user} @ {self.team}"


class TeamEvent(models.Model):
    """Append-only history of a team and its memberships."""

    team = models.ForeignKey(VolunteerTeam, on_delete=models.CASCADE, related_name="events")
    membership = models.ForeignKey(TeamMembership, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Activity(models.Model):
    """志愿活动: a time and place, a number of seats, and the most hours it can earn."""

    Status = ActivityStatus

    team = models.ForeignKey(VolunteerTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="volunteer_activities")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("seats"))
    max_hours = models.DecimalField(_("most hours credited"), max_digits=5, decimal_places=1)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organised_activities")
    status = models.CharField(max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.PUBLISHED,
                              db_index=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    cancel_reason = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_has_a_seat"),
            models.CheckConstraint(condition=Q(max_hours__gt=0), name="activity_max_hours_positive"),
        ]

    def __str__(self):
        return self.title

    @property
    def length_hours(self) -> Decimal:
        return hours_between(self.starts_at, self.ends_at)


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Whole tenths of an hour, rounded down: 1 h 20 min is 1.3, never 1.4."""
    seconds = max(0, int((end - start).total_seconds()))
    return Decimal(seconds // 360) / 10


class Signup(models.Model):
    """One person's place at one activity: a seat or a place in the queue, and
    then their real arrival and departure."""

    Status = SignupStatus
    Method = Method

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_signups")
    status = models.CharField(max_length=16, choices=SignupStatus.choices)
    signed_up_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True, db_index=True)
    check_in_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    check_out_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    hours = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    credited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # How often the organiser corrected the times, and the points source of the credit standing now.
    corrections = models.PositiveIntegerField(default=0)
    points_source_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["signed_up_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "user"], condition=Q(status__in=sorted(LIVE_SIGNUP)),
                                               name="volunteer_signup_live_once")]
        indexes = [models.Index(fields=["activity", "status"]), models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user} @ {self.activity}"


class ActivityEvent(models.Model):
    """Append-only history of an activity and its sign-ups: the roster's timeline."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events")
    signup = models.ForeignKey(Signup, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class HoursCertificate(models.Model):
    """志愿服务时长证明: a frozen copy of what was counted, checkable by its code."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hours_certificates")
    code = models.CharField(max_length=16, unique=True)
    issued_at = models.DateTimeField(db_index=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    total_hours = models.DecimalField(max_digits=7, decimal_places=1)
    items = models.JSONField(default=list)
    # Frozen at issue: the name and the masked ID number printed, and the issuing community.
    holder_name = models.CharField(max_length=64)
    id_number_masked = models.CharField(max_length=32, blank=True)
    community = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoke_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return self.code


class CertificateLookup(models.Model):
    """Failed public look-ups of certificate codes, per (hashed) address, to slow down guessing."""

    client = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
