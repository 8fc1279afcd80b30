"""走访 of vulnerable residents, 敲门行动 campaigns and daily grid patrols."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .workflow import (
    CampaignStatus,
    CampaignTarget,
    FindingStatus,
    Frequency,
    KnockResult,
    Mode,
    PatrolStatus,
    SubjectStatus,
    most_frequent,
)


class CareTag(models.Model):
    """A kind of vulnerability (独居老人, 残疾人, 低保户 …) with its default visit frequency."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=64, blank=True)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    sort = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class CareSubject(models.Model):
    """A person under care: their tags set how often the grid worker visits."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="care_subject")
    household = models.ForeignKey("regions.Household", on_delete=models.PROTECT, related_name="care_subjects")
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="care_subjects")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    tags = models.ManyToManyField(CareTag, related_name="subjects")
    frequency_override = models.CharField(max_length=16, choices=Frequency.choices, blank=True,
                                          help_text=_("Empty: the most frequent of the tags"))
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="care_subjects", help_text=_("Empty: any grid worker of the grid"))
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=SubjectStatus.choices, db_index=True)
    next_due = models.DateField(null=True, blank=True, db_index=True)
    last_visit_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["next_due", "id"]
        indexes = [models.Index(fields=["grid", "status"]), models.Index(fields=["community", "status"])]

    def __str__(self):
        return self.person.name

    @property
    def frequency(self) -> str | None:
        if self.frequency_override:
            return self.frequency_override
        return most_frequent(t.frequency for t in self.tags.all())

    @property
    def frequency_label(self) -> str:
        f = self.frequency
        return Frequency(f).label if f else ""


class Visit(models.Model):
    """One visit (入户走访, a call or a video call) and what it found."""

    subject = models.ForeignKey(CareSubject, on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="visits")
    visitor_name = models.CharField(max_length=150)
    visited_at = models.DateTimeField(db_index=True)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.HOME)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    findings = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True)
    due_on = models.DateField(null=True, blank=True, help_text=_("The due date this visit answered"))
    on_time = models.BooleanField(default=True)
    next_due = models.DateField(null=True, blank=True)
    appeal = models.OneToOneField("appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="from_visit")
    service_order = models.OneToOneField("services.ServiceOrder", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="from_visit")
    dispute = models.OneToOneField("mediation.Dispute", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="from_visit")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-visited_at", "-id"]

    def __str__(self):
        return f"{self.subject} {self.visited_at:%Y-%m-%d}"


class Campaign(models.Model):
    """敲门行动: knock on every door of a set of households within a period."""

    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text=_("Empty: the whole community"))
    target = models.CharField(max_length=8, choices=CampaignTarget.choices, default=CampaignTarget.ALL)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT,
                              db_index=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.title


class Knock(models.Model):
    """One household of a campaign and what the last knock found."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="knocks")
    household = models.ForeignKey("regions.Household", on_delete=models.PROTECT, related_name="knocks")
    result = models.CharField(max_length=16, choices=KnockResult.choices, blank=True, default="")
    note = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    knocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="knocks")
    knocked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    appeal = models.OneToOneField("appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="from_knock")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["household__building__estate__name", "household__building__number", "household__entrance",
                    "household__room", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="visits_knock_once_per_household")]

    def __str__(self):
        return f"{self.campaign_id} {self.household}"


class Patrol(models.Model):
    """One daily patrol (日常巡查) of a grid by its grid worker."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols")
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="patrols")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=PatrolStatus.choices, default=PatrolStatus.OPEN, db_index=True)
    started_at = models.DateTimeField(db_index=True)
    start_lng = models.FloatField(null=True, blank=True)
    start_lat = models.FloatField(null=True, blank=True)
    start_in_grid = models.BooleanField(null=True, help_text=_("Whether the check-in point lies in the grid"))
    ended_at = models.DateTimeField(null=True, blank=True)
    end_lng = models.FloatField(null=True, blank=True)
    end_lat = models.FloatField(null=True, blank=True)
    route = models.JSONField(default=list, blank=True, help_text=_("[[lng, lat, ISO time], …]"))
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["worker"], condition=models.Q(status="open"),
                                               name="visits_one_open_patrol_per_worker")]

    def __str__(self):
        return f"{self.grid} {self.started_at:%Y-%m-%d}"


class PatrolFinding(models.Model):
    """Something seen on patrol; reported, it becomes an appeal of channel patrol."""

    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, related_name="findings")
    note = models.TextField()
    category = models.ForeignKey("appeals.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=FindingStatus.choices, default=FindingStatus.NOTED, db_index=True)
    appeal = models.OneToOneField("appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="from_finding")
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.note[:40]


class Photo(models.Model):
    """A checked image of a visit or a patrol finding."""

    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    finding = models.ForeignKey(PatrolFinding, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="visits/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Event(models.Model):
    """Append-only timeline of every visits record (subject, campaign, knock, patrol, finding)."""

    machine = models.CharField(max_length=16)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, blank=True)
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["machine", "object_id"])]

    def __str__(self):
        return f"{self.machine}:{self.object_id} {self.action}"
