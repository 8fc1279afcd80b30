"""议事协商: matters raised by residents, the six-step loop, meetings and minutes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.crypto import mask_name

from .workflow import (
    STEP_OF,
    MatterRole,
    MeetingKind,
    MeetingStatus,
    Party,
    Satisfaction,
    Size,
    Source,
    Status,
    TaskStatus,
)


class Matter(models.Model):
    """议题: one matter raised for the community to deliberate on."""

    number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    title = models.CharField(max_length=120)
    content = models.TextField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.RESIDENT)
    source_appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="deliberation_matters")
    raiser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="raised_matters", help_text=_("The resident who raised it, if any"))
    raiser_name = models.CharField(max_length=64, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text=_("Who recorded it"))
    household = models.ForeignKey("regions.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="matters")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="matters")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    size = models.CharField(max_length=8, choices=Size.choices, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RAISED, db_index=True)
    version = models.PositiveIntegerField(default=1, help_text=_("Optimistic lock: bumped by every transition"))
    status_since = models.DateTimeField()
    round = models.PositiveSmallIntegerField(default=1, help_text=_("Rating round; a poor rating starts the next"))

    contact_member = models.ForeignKey("party.PartyMember", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="contact_matters", help_text=_("包联 party member of a small matter"))
    contact_rule = models.CharField(max_length=16, blank=True, help_text=_("Which 包联 rule chose the member"))
    done_note = models.TextField(blank=True)
    decision_text = models.TextField(blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    decline_reason = models.TextField(blank=True)
    cosign_count = models.PositiveIntegerField(default=0)

    rating_until = models.DateTimeField(null=True, blank=True)
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices, blank=True,
                                    help_text=_("Result of the latest closed rating round"))
    satisfaction_rate = models.FloatField(null=True, blank=True)

    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    sorted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["status", "rating_until"])]

    def __str__(self):
        return f"{self.number or '#'} {self.title}"

    def get_absolute_url(self):
        return reverse("deliberation:detail", args=[self.pk])

    @property
    def step(self) -> int:
        """The six-step position residents see (1–6); small matters run their own four."""
        from .workflow import SMALL_STEP_OF

        if self.size == Size.SMALL:
            return SMALL_STEP_OF.get(self.status, 1)
        return STEP_OF.get(self.status, 1)

    @property
    def is_open(self) -> bool:
        from .workflow import OPEN_STATES

        return self.status in OPEN_STATES

    @property
    def raiser_name_masked(self) -> str:
        return mask_name(self.raiser_name)


class CoSign(models.Model):
    """附议: a neighbour supports the matter. Once per person."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="cosigns")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "user"], name="deliberation_cosign_once")]


class MatterEvent(models.Model):
    """Append-only timeline of a matter (transitions, tasks, checks, ratings)."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, blank=True, choices=MatterRole.choices)
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Meeting(models.Model):
    """联席议事: a meeting (e.g. the weekly 红色议事日) in a 议事厅 with matters on its agenda."""

    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=MeetingKind.choices, default=MeetingKind.RED_DAY)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="meetings")
    place = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings")
    venue = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED, db_index=True)
    version = models.PositiveIntegerField(default=1)
    host = models.CharField(max_length=64, blank=True, help_text=_("Who chairs it"))
    recorder = models.CharField(max_length=64, blank=True, help_text=_("Who takes the minutes"))
    minutes = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def where(self) -> str:
        if self.place_id and self.venue:
            return f"{self.place.name} {self.venue}"
        return self.place.name if self.place_id else self.venue


class Invitation(models.Model):
    """One invited party at a meeting, and whether it came (attendance)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    party = models.CharField(max_length=16, choices=Party.choices)
    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attended = models.BooleanField(null=True, help_text=_("Empty until attendance is taken"))

    class Meta:
        ordering = ["party", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "party", "name"], name="deliberation_invite_once")]

    def __str__(self):
        return f"{self.get_party_display()} {self.name}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="agenda_items")
    sort = models.PositiveSmallIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sort", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "matter"], name="deliberation_agenda_once")]


class Decision(models.Model):
    """The meeting's decision on one agenda matter, with the votes recorded."""

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="decision")
    text = models.TextField()
    votes_for = models.PositiveIntegerField()
    votes_against = models.PositiveIntegerField()
    votes_abstain = models.PositiveIntegerField()
    passed = models.BooleanField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class Task(models.Model):
    """部门办事: one piece of work of a decided matter, with an owner and a deadline.
    It can become a whistle to its unit through the appeal loop (`appeal`)."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="tasks")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    title = models.CharField(max_length=120)
    detail = models.TextField(blank=True)
    owner_unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="deliberation_tasks")
    deadline = models.DateField()
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    note = models.TextField(blank=True, help_text=_("Latest progress note"))
    appeal = models.OneToOneField("appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="deliberation_task")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="deliberation_task_progress_max_100"),
            models.CheckConstraint(condition=Q(owner_unit__isnull=False) | Q(owner_user__isnull=False),
                                   name="deliberation_task_has_owner"),
        ]

    def __str__(self):
        return self.title

    @property
    def owner_name(self) -> str:
        return self.owner_unit.name if self.owner_unit_id else self.owner_user.display_name

    @property
    def shown_progress(self) -> int:
        return 100 if self.status == TaskStatus.DONE else self.progress


class Check(models.Model):
    """党员监事: a party member's progress check on a matter."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="checks")
    member = models.ForeignKey("party.PartyMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)
    round = models.PositiveSmallIntegerField(default=1)
    note = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]


class CheckPhoto(models.Model):
    check_record = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="deliberation/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)


class MatterRating(models.Model):
    """居民评事: one resident's rating in one round."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "round", "user"], name="deliberation_rate_once")]
