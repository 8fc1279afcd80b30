from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TrainedModel(models.Model):
    """One version of a model the platform trained itself. The blob is the whole
    model, so a rollback is only a switch of `is_current`; evaluations stay with it."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("Category suggestion")
        ANSWER = "answer", _("Answer check")

    class Source(models.TextChoices):
        PLATFORM = "platform", _("Closed appeals on the platform")
        FILES = "files", _("Files given on the command line")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    trained_on = models.PositiveIntegerField(default=0, help_text=_("Number of training examples"))
    labels = models.JSONField(default=list, blank=True)
    evaluation = models.JSONField(default=dict, blank=True)
    blob = models.BinaryField()
    is_current = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="trained_model_kind_version"),
            models.UniqueConstraint(fields=["kind"], condition=Q(is_current=True), name="trained_model_one_current"),
        ]

    def __str__(self):
        return f"{self.kind} v{self.version}"


class Suggestion(models.Model):
    """What the model suggested for an appeal at intake, and whether it routed it itself."""

    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.CASCADE, related_name="suggestions")
    model = models.ForeignKey(TrainedModel, null=True, on_delete=models.SET_NULL, related_name="suggestions")
    category = models.ForeignKey("appeals.Category", null=True, on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField()
    auto_routed = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class Correction(models.Model):
    """A person chose another category than the one suggested; used at the next retraining."""

    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.CASCADE, related_name="category_corrections")
    model = models.ForeignKey(TrainedModel, null=True, on_delete=models.SET_NULL, related_name="corrections")
    suggested = models.ForeignKey("appeals.Category", null=True, on_delete=models.SET_NULL, related_name="+")
    chosen = models.ForeignKey("appeals.Category", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class AnswerCheck(models.Model):
    """The answer check's verdict on one answer (答卷), shown to staff before they verify."""

    answer = models.OneToOneField("appeals.Answer", on_delete=models.CASCADE, related_name="answer_check")
    model = models.ForeignKey(TrainedModel, null=True, on_delete=models.SET_NULL, related_name="answer_checks")
    score = models.FloatField(help_text=_("0 = does not address the appeal, 1 = addresses it"))
    flagged = models.BooleanField(default=False, db_index=True)
    reasons = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(auto_now_add=True)


class RoutingSetting(models.Model):
    """A street's choice whether a confident category suggestion routes a resident's
    report by itself; below the threshold a person decides."""

    street = models.OneToOneField("regions.Region", on_delete=models.CASCADE, related_name="routing_setting")
    auto_route = models.BooleanField(default=False)
    threshold = models.FloatField(default=0.9, help_text=_("Confidence from which a suggestion may route by itself"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.street} ≥ {self.threshold:.2f}"


class TrainingRun(models.Model):
    """One request to train a model from the platform's history, on demand or on schedule;
    it says why no model came out when there were too few examples."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("No model")

    kind = models.CharField(max_length=16, choices=TrainedModel.Kind.choices, default=TrainedModel.Kind.CATEGORY)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    model = models.ForeignKey(TrainedModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")

    class Meta:
        ordering = ["-requested_at", "-id"]
