"""矛盾纠纷调解: disputes, risk, mediators, sessions, agreements and follow-up."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedCharField, blind_index, mask_name, mask_phone

from .workflow import (
    STATUS_COLOURS,
    Action,
    DisputeType,
    Level,
    MediatorKind,
    Partner,
    PartyRole,
    ReferralResult,
    Risk,
    Source,
    Status,
)


class Dispute(models.Model):
    """One 矛盾纠纷, from whatever source, held at the lowest level that can settle it."""

    number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    title = models.CharField(max_length=120)
    description = models.TextField()
    dispute_type = models.CharField(max_length=16, choices=DisputeType.choices, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices, db_index=True)
    source_ref = models.CharField(max_length=64, blank=True, help_text=_("The referring body's case number, if any"))
    source_appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="disputes")
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="disputes")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=200, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.GRID)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECORDED, db_index=True)
    status_since = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, help_text=_("Optimistic lock: bumped by every transition"))

    risk_level = models.CharField(max_length=8, choices=Risk.choices, default=Risk.LOW, db_index=True)
    risk_rule_level = models.CharField(max_length=8, choices=Risk.choices, default=Risk.LOW,
                                       help_text=_("What the risk rules say, before any change by hand"))
    risk_reasons = models.JSONField(default=list, blank=True)
    risk_note = models.TextField(blank=True, help_text=_("Why staff set the level by hand"))
    risk_alerted_at = models.DateTimeField(null=True, blank=True)

    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    mediation_started_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    follow_up_due = models.DateField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["risk_level", "status"]),
            models.Index(fields=["status", "follow_up_due"]),
        ]

    def __str__(self):
        return f"{self.number or '#'} {self.title}"

    @property
    def is_open(self) -> bool:
        from .workflow import OPEN_STATES

        return self.status in OPEN_STATES

    @property
    def colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "grey")

    @property
    def is_high_risk(self) -> bool:
        return self.risk_level == Risk.HIGH


class Party(models.Model):
    """当事人. The phone is encrypted; the blind index finds repeated incidents."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(max_length=64)
    phone = EncryptedCharField(blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="dispute_parties")
    role = models.CharField(max_length=16, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name_plural = "parties"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.phone_index = blind_index(self.phone)
        super().save(*args, **kwargs)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class Mediator(models.Model):
    """A member of the dispute's 1+3+N team: an account or an outside name."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="mediators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="mediations")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=MediatorKind.choices)
    is_lead = models.BooleanField(default=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["-is_lead", "id"]

    def __str__(self):
        return self.name


class Session(models.Model):
    """One sitting of the mediation (调解会), perhaps in a 调解室."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField()
    place = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="mediation_sessions")
    location = models.CharField(max_length=200, blank=True)
    attendees = models.CharField(max_length=400, blank=True)
    notes = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["held_at", "id"]

    @property
    def where(self) -> str:
        return self.place.name if self.place_id else self.location


class Referral(models.Model):
    """A hand-over to a linkage partner (诉调、警调、访调、志愿调) and what came back."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="referrals")
    partner = models.CharField(max_length=16, choices=Partner.choices)
    partner_name = models.CharField(max_length=100, blank=True)
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField()
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    referred_at = models.DateTimeField()
    feedback = models.TextField(blank=True)
    result = models.CharField(max_length=16, choices=ReferralResult.choices, blank=True)
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    feedback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-referred_at", "-id"]

    @property
    def is_waiting(self) -> bool:
        return self.feedback_at is None


class Agreement(models.Model):
    """调解协议书: generated from these fields; the signed scan comes back as a file."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    sequence = models.PositiveSmallIntegerField(default=1)
    facts = models.TextField()
    terms = models.TextField()
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    generated_at = models.DateTimeField()
    signed_file = models.FileField(upload_to="mediation/%Y/%m/", blank=True)
    signed_content_type = models.CharField(max_length=32, blank=True)
    signed_size = models.PositiveIntegerField(default=0)
    signed_original_name = models.CharField(max_length=200, blank=True)
    signed_uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sequence", "-id"]
        unique_together = [("dispute", "sequence")]

    @property
    def number(self) -> str:
        return f"{self.dispute.number}-{self.sequence}"

    @property
    def is_signed(self) -> bool:
        return bool(self.signed_file)


class FollowUp(models.Model):
    """回访: does the agreement hold?"""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    agreement = models.ForeignKey(Agreement, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="follow_ups")
    visited_at = models.DateTimeField()
    holds = models.BooleanField()
    note = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["visited_at", "id"]


class DisputeEvent(models.Model):
    """Append-only timeline: transitions, risk changes, sessions, follow-ups."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dispute", "at"]), models.Index(fields=["action", "at"])]

    def __str__(self):
        return f"{self.dispute_id} {self.action} {self.from_status}->{self.to_status}"

    @property
    def action_label(self) -> str:
        labels = {"record": _("Recorded"), "risk": _("Risk level changed"), "session": _("Session recorded"),
                  "follow_up": _("Follow-up visit"), "mediator": _("Mediator added"),
                  "agreement": _("Agreement drawn up"),
                  "appeal": _("The source appeal moved"), "follow_up_overdue": _("Follow-up visit overdue")}
        if self.action in labels:
            return str(labels[self.action])
        try:
            return Action(self.action).label
        except ValueError:
            return self.action
