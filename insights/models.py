import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Briefing(models.Model):
    """工作简报: one Word document per scope (a region or a unit), kind and period.

    Generating again for the same scope and period replaces the file and bumps
    `version`, so there is never more than one row to choose from."""

    class Kind(models.TextChoices):
        WEEK = "week", _("Weekly")
        MONTH = "month", _("Monthly")

    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="briefings")
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="briefings")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text=_("First day after the period"))
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="briefings/%Y/%m/", max_length=255)
    size = models.PositiveIntegerField(default=0)
    # The key figures as written into the document, for the list page.
    summary = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text=_("Empty when made by the schedule"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-period_start", "kind", "region__code", "unit__name", "id"]
        constraints = [
            models.CheckConstraint(condition=(Q(region__isnull=True, unit__isnull=False)
                                              | Q(region__isnull=False, unit__isnull=True)),
                                   name="briefing_region_xor_unit"),
            models.UniqueConstraint(fields=["region", "kind", "period_start"], condition=Q(unit__isnull=True),
                                    name="one_briefing_per_region_period"),
            models.UniqueConstraint(fields=["unit", "kind", "period_start"], condition=Q(region__isnull=True),
                                    name="one_briefing_per_unit_period"),
        ]

    def __str__(self):
        return self.title

    @property
    def scope(self):
        return self.region if self.region_id else self.unit

    @property
    def last_day(self):
        return self.period_end - dt.timedelta(days=1)


# ---------------------------------------------------------------- rollups (insights.rollups keeps them current)
#
# Keys are plain integers, not foreign keys: 0 means "all" (the whole city, every
# category, every appeal rather than those whistled to one unit), so a key is
# never NULL and the unique constraints hold for upserts on SQLite and PostgreSQL.

class AppealCounts(models.Model):
    """The appeal counters one rollup row carries. Cohort counters are filed under
    the day the appeal was received; `closed` and `solved_by_whistle` under the
    day it was closed (see insights.figures for each definition)."""

    received = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    responded_in_time = models.IntegerField(default=0)
    accepted_closed = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    received_closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    solved_by_whistle = models.IntegerField(default=0)

    class Meta:
        abstract = True


class WhistleCounts(models.Model):
    """Whistle counters by the day the whistle was blown, and unit answers by the day answered."""

    whistles = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_on_time = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    answers = models.IntegerField(default=0)

    class Meta:
        abstract = True


class AppealDay(AppealCounts):
    """Finest rollup: local day × grid × category × channel; `unit` 0 counts every
    appeal, a unit id counts only the appeals ever whistled to that unit."""

    day = models.DateField()
    street = models.IntegerField()
    community = models.IntegerField()
    grid = models.IntegerField()
    category = models.IntegerField()
    channel = models.CharField(max_length=24)
    unit = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "grid", "category", "channel", "unit"],
                                               name="appeal_day_key")]
        indexes = [models.Index(fields=["unit", "day"]), models.Index(fields=["street", "day"]),
                   models.Index(fields=["community", "day"]), models.Index(fields=["grid", "day"])]


class WhistleDay(WhistleCounts):
    """Finest whistle rollup: local day × grid × category × channel × unit."""

    day = models.DateField()
    street = models.IntegerField()
    community = models.IntegerField()
    grid = models.IntegerField()
    category = models.IntegerField()
    channel = models.CharField(max_length=24)
    unit = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "grid", "category", "channel", "unit"],
                                               name="whistle_day_key")]
        indexes = [models.Index(fields=["unit", "day"]), models.Index(fields=["street", "day"]),
                   models.Index(fields=["community", "day"]), models.Index(fields=["grid", "day"])]


class Grain(models.TextChoices):
    DAY = "d", _("Day")
    MONTH = "m", _("Month")


class AppealRollup(AppealCounts):
    """Coarse rollup summed from AppealDay: per month (every region level, totals,
    by category and by channel) and per day (regions above the grid, totals only)."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    start = models.DateField()
    region = models.IntegerField(default=0)
    unit = models.IntegerField(default=0)
    category = models.IntegerField(default=0)
    channel = models.CharField(max_length=24, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "unit", "grain", "start", "category", "channel"],
                                               name="appeal_rollup_key")]
        # Totals and series read one region's rows of one kind over a range of starts.
        indexes = [models.Index(fields=["region", "unit", "grain", "category", "channel", "start"],
                                name="appeal_rollup_series")]


class WhistleRollup(WhistleCounts):
    """Coarse whistle rollup summed from WhistleDay, per month and per day, by lead unit."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    start = models.DateField()
    region = models.IntegerField(default=0)
    unit = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "grain", "start", "unit"],
                                               name="whistle_rollup_key")]


class PendingResponse(models.Model):
    """Appeals nobody has responded to yet: the part of the response rate that
    depends on the moment it is read (a limit running out) is counted live here."""

    appeal = models.OneToOneField("appeals.Appeal", primary_key=True, on_delete=models.CASCADE, related_name="+")
    street = models.IntegerField()
    community = models.IntegerField()
    grid = models.IntegerField()
    category = models.IntegerField()
    channel = models.CharField(max_length=24)
    created_at = models.DateTimeField()
    response_due = models.DateTimeField(null=True)
    suspended = models.BooleanField(default=False)
