"""积分: an append-only ledger, the rules that price service in points, and
the 爱心超市 where points are spent.

The ledger (`PointsEntry`) is the truth: a balance is the sum of an account's
entries. `PointsAccount.balance` is a running copy kept in the same
transaction as every entry, so that the account row can be locked (one writer
per person at a time) and the "never negative" rule checked by the database.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where points come from or go to. With `source_id` it names the one
    business event an entry belongs to, so a source credits at most once."""

    ORDER = "order", _("Service order")
    ACTIVITY = "activity", _("Volunteer activity")
    AWARD = "award", _("Award")
    REDEMPTION = "redemption", _("Redemption")
    ADJUSTMENT = "adjustment", _("Adjustment by staff")


class PointsAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="points_account")
    balance = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(balance__gte=0), name="points_balance_not_negative")]

    def __str__(self):
        return f"{self.user} {self.balance}"


class LedgerIsAppendOnly(Exception):
    """Raised when code tries to edit or delete a ledger entry: corrections are reversals."""


class EntryQuerySet(models.QuerySet):
    """Bulk `update()` and `delete()` would bypass the model's guards, so they are refused too."""

    def update(self, **kwargs):
        raise LedgerIsAppendOnly("points entries are never edited; book a reversal")

    def delete(self):
        raise LedgerIsAppendOnly("points entries are never deleted; book a reversal")

    def _raw_delete(self, using):
        raise LedgerIsAppendOnly("points entries are never deleted; book a reversal")


class PointsEntry(models.Model):
    class Kind(models.TextChoices):
        CREDIT = "credit", _("Credit")
        DEBIT = "debit", _("Debit")
        REVERSAL = "reversal", _("Reversal")

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.IntegerField(help_text=_("Signed: positive adds points, negative spends them"))
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    source_id = models.CharField(max_length=64)
    # "<source>:<source_id>" for credits and debits, "reversal:<entry id>" for reversals: unique, so
    # the same order, activity sign-up, award or redemption can never be booked twice.
    source_key = models.CharField(max_length=100, unique=True)
    reason = models.CharField(max_length=200)
    community = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    balance_after = models.IntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by_name = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [models.Index(fields=["account", "created_at"]), models.Index(fields=["source", "created_at"]),
                   models.Index(fields=["community", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="points_entry_not_zero"),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="points_entry_balance_not_negative"),
            # A reversal names the entry it takes back; nothing else does.
            models.CheckConstraint(
                condition=(models.Q(kind="reversal", reverses__isnull=False)
                           | (~models.Q(kind="reversal") & models.Q(reverses__isnull=True))),
                name="points_reversal_names_its_entry"),
        ]

    def __str__(self):
        return f"{self.amount:+d} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise LedgerIsAppendOnly("points entries are never edited; book a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("points entries are never deleted; book a reversal")


class PointsRule(models.Model):
    """Points a community gives, set by its staff. A street's rule applies to
    its communities that set none; without either the default below applies."""

    class Key(models.TextChoices):
        ORDER_SERVICE = "order_service", _("Per service order completed")
        ORDER_WISH = "order_wish", _("Per micro-wish fulfilled")
        ORDER_ERRAND = "order_errand", _("Per errand completed")
        ACTIVITY_HOUR = "activity_hour", _("Per volunteer hour")

    DEFAULTS = {Key.ORDER_SERVICE: 10, Key.ORDER_WISH: 10, Key.ORDER_ERRAND: 10, Key.ACTIVITY_HOUR: 10}

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="points_rules")
    key = models.CharField(max_length=32, choices=Key.choices)
    points = models.PositiveIntegerField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "key"], name="points_rule_once_per_region")]

    def __str__(self):
        return f"{self.region} {self.key}={self.points}"


class Reward(models.Model):
    """An item of a community's 爱心超市, priced in points, with stock on hand."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="rewards")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    points = models.PositiveIntegerField()
    stock = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["points", "name"]
        constraints = [models.CheckConstraint(condition=models.Q(stock__gte=0), name="reward_stock_not_negative"),
                       models.CheckConstraint(condition=models.Q(points__gt=0), name="reward_costs_points")]

    def __str__(self):
        return self.name


class Redemption(models.Model):
    """One hand-over at the counter. Its whole workflow is `TRANSITIONS`: a
    redemption is done when booked, and may be cancelled once; the ledger's
    debit and its reversal are the event rows of both steps."""

    class Status(models.TextChoices):
        DONE = "done", _("Handed over")
        CANCELLED = "cancelled", _("Cancelled")

    # (from status, action) → to status
    TRANSITIONS = {(Status.DONE, "cancel"): Status.CANCELLED}

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(default=1)
    points = models.PositiveIntegerField(help_text=_("Total points spent"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DONE)
    entry = models.OneToOneField(PointsEntry, null=True, on_delete=models.PROTECT, related_name="redemption")
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="redemption_quantity_positive")]

    def __str__(self):
        return f"{self.reward} ×{self.quantity}"
