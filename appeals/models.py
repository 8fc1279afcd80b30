from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedCharField, mask_phone

from .workflow import Action, Channel, Level, Satisfaction, Status, Urgency


class Category(models.Model):
    """Category tree; each leaf carries its default unit and time limits (限时办理)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=64, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    default_unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     help_text=_("Empty: handled by the community itself"))
    response_hours = models.PositiveIntegerField(default=24)
    resolve_workdays = models.PositiveIntegerField(default=5)
    urgent_response_hours = models.PositiveIntegerField(default=2)
    urgent_resolve_workdays = models.PositiveIntegerField(default=1)
    sort = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def limits(self, urgency: str) -> tuple[int, int]:
        if urgency == Urgency.URGENT:
            return self.urgent_response_hours, self.urgent_resolve_workdays
        return self.response_hours, self.resolve_workdays


class CategoryRoute(models.Model):
    """Per-region override of a category's default unit."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routes")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="category_routes")
    unit = models.ForeignKey("people.Unit", on_delete=models.CASCADE, related_name="+")

    class Meta:
        unique_together = [("category", "region")]


class Appeal(models.Model):
    """诉求: one problem raised by anyone, through any channel."""

    number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    title = models.CharField(max_length=120)
    content = models.TextField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="appeals")
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(max_length=24, choices=Channel.choices, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    suspended_from = models.CharField(max_length=16, choices=Status.choices, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.GRID)

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals")
    reporter_name = models.CharField(max_length=64, blank=True)
    reporter_phone = EncryptedCharField(blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    address = models.CharField(max_length=200, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="appeals")
    building = models.ForeignKey("regions.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals")

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates",
                               help_text=_("The appeal this one was merged into"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text=_("Staff member handling it in the grid or community"))
    lead_unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="led_appeals")

    rework_count = models.PositiveIntegerField(default=0)
    reopen_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, help_text=_("Optimistic lock: bumped by every transition"))

    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True, help_text=_("Last resolve or answer"))
    handled_on_time = models.BooleanField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    response_due = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    paused_response_seconds = models.IntegerField(null=True, blank=True)
    paused_resolve_workdays = models.IntegerField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["street", "status"]),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["category", "created_at"]),
            # Duplicate lookup (intelligence.duplicates): a community's appeals in a time window.
            models.Index(fields=["community", "created_at"], name="appeal_community_created"),
            # The overdue figure and lists: a few thousand flagged rows among millions. A plain index
            # on the flag is never used (the ORM writes the test as a bare column, no equality).
            models.Index(fields=["status"], condition=Q(is_overdue=True), name="appeal_overdue_open"),
        ]

    def __str__(self):
        return f"{self.number or '#'} {self.title}"

    @property
    def reporter_phone_masked(self) -> str:
        return mask_phone(self.reporter_phone)

    @property
    def is_open(self) -> bool:
        from .workflow import OPEN_STATES

        return self.status in OPEN_STATES


class AppealSupport(models.Model):
    """附议 / 我也遇到: someone else has the same problem. One per person and appeal;
    with the merged duplicates it is the support a hot topic counts."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["appeal", "user"], name="one_support_per_person")]


class Attachment(models.Model):
    """A checked image; stored under a random name and only served as an image."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey("AppealEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(upload_to="appeals/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class AppealEvent(models.Model):
    """Append-only timeline: every transition, who, in which role, when, from, to."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at"]), models.Index(fields=["action", "at"])]

    def __str__(self):
        return f"{self.appeal_id} {self.action} {self.from_status}->{self.to_status}"

    @property
    def action_label(self) -> str:
        try:
            return Action(self.action).label
        except ValueError:
            return self.action


class Whistle(models.Model):
    """吹哨: the street sends an appeal to one lead unit and helpers, with a deadline."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for claim")
        CLAIMED = "claimed", _("Claimed")
        RETURNED = "returned", _("Returned")
        ANSWERED = "answered", _("Answered")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="whistles")
    lead_unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="whistles_led")
    helper_units = models.ManyToManyField("people.Unit", blank=True, related_name="whistles_helped")
    deadline = models.DateTimeField()
    instructions = models.TextField(blank=True)
    whistled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Answer(models.Model):
    """答卷 (by a unit) or the grid/community's own resolution report."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="answers")
    whistle = models.ForeignKey(Whistle, null=True, blank=True, on_delete=models.PROTECT, related_name="answers")
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField()
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class Rating(models.Model):
    """回访: the resident's satisfaction, given by themselves or recorded by staff on a call."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="ratings")
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices)
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class Supervision(models.Model):
    """督办: a notice on an overdue or stuck appeal, to its holder and their leader."""

    class Kind(models.TextChoices):
        RESPONSE = "response", _("Response overdue")
        RESOLVE = "resolve", _("Resolution overdue")
        MANUAL = "manual", _("Supervised by a leader")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="supervisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    due_at = models.DateTimeField(null=True, blank=True)
    status_at_creation = models.CharField(max_length=16, choices=Status.choices)
    level = models.CharField(max_length=16, choices=Level.choices)
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="supervisions")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "kind", "due_at"], name="one_supervision_per_deadline",
                                    condition=models.Q(kind__in=["response", "resolve"])),
        ]
