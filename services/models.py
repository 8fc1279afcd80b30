"""三单制: service orders (点单 → 派单 → 接单), micro-wishes, errands, and the
party members, volunteers and merchants who take them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedCharField, mask_name, mask_phone

from .workflow import Action, Channel, Kind, Status


class Skill(models.Model):
    """What a provider can do and an order needs (水电维修, 助老陪护 …)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=64, blank=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class Provider(models.Model):
    """Someone who takes orders. Party members and volunteers are active on
    registering; a merchant (商家店铺) waits for community staff to approve."""

    class Kind(models.TextChoices):
        PARTY_MEMBER = "party_member", _("Party member")
        VOLUNTEER = "volunteer", _("Volunteer")
        MERCHANT = "merchant", _("Merchant")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    shop_name = models.CharField(max_length=100, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="providers")
    service_area = models.ManyToManyField("regions.Region", blank=True, related_name="providers",
                                          help_text=_("Communities and/or grids the provider serves"))
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    available_days = models.JSONField(default=list, blank=True, help_text=_("Weekdays, 1 = Monday … 7 = Sunday"))
    availability_note = models.CharField(max_length=100, blank=True, help_text=_("e.g. weekday evenings"))
    is_active = models.BooleanField(default=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty: a merchant waiting for approval"))
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.user.display_name
        return f"{self.shop_name} {name}" if self.kind == self.Kind.MERCHANT and self.shop_name else name

    @property
    def is_pending(self) -> bool:
        return self.approved_at is None


class ServiceOrder(models.Model):
    """One 点单: a service, a micro-wish (微心愿) or an errand (代办)."""

    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    title = models.CharField(max_length=120)
    content = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    version = models.PositiveIntegerField(default=1, help_text=_("Optimistic lock: bumped by every transition"))
    status_since = models.DateTimeField(help_text=_("When the order entered its current status"))

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="service_orders")
    requester_name = models.CharField(max_length=64, blank=True)
    requester_phone = EncryptedCharField(blank=True, default="")
    household = models.ForeignKey("regions.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="service_orders")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="service_orders")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=200, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="orders")
    preferred_time = models.CharField(max_length=64, blank=True)
    preferred_date = models.DateField(null=True, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SELF)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    respond_due = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    finish_due = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True, db_index=True)
    done_note = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    thanks = models.TextField(blank=True)

    appeal = models.OneToOneField("appeals.Appeal", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="service_order")
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["status", "respond_due"]),
            models.Index(fields=["status", "finish_due"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                                   name="service_order_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.number or '#'} {self.title}"

    @property
    def requester_phone_masked(self) -> str:
        return mask_phone(self.requester_phone)

    @property
    def requester_name_masked(self) -> str:
        return mask_name(self.requester_name)

    @property
    def is_open(self) -> bool:
        from .workflow import OPEN_STATES

        return self.status in OPEN_STATES

    @property
    def is_late(self) -> bool:
        """Past its accept-by or finish-by time and not yet returned by the sweep."""
        now = timezone.now()
        if self.status == Status.DISPATCHED and self.respond_due:
            return self.respond_due < now
        if self.status == Status.ACCEPTED and self.finish_due:
            return self.finish_due < now
        return False


class ErrandItem(models.Model):
    """One document of an errand's checklist (身份证复印件, 户口本 …)."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=60)
    is_done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class OrderEvent(models.Model):
    """Append-only timeline of an order. `provider` is whom the step concerns
    (the one dispatched, claiming, declining, timing out …): reliability is
    counted from these rows."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=32, blank=True)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"]), models.Index(fields=["provider", "action"])]

    def __str__(self):
        return f"{self.order_id} {self.action} {self.from_status}->{self.to_status}"

    @property
    def action_label(self) -> str:
        labels = {"submit": _("Requested"), "tick": _("Checklist updated")}
        if self.action in labels:
            return str(labels[self.action])
        try:
            return Action(self.action).label
        except ValueError:
            return self.action


class OrderPhoto(models.Model):
    """A checked image (the request, or the proof of the work done)."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(OrderEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    file = models.FileField(upload_to="services/%Y/%m/")
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
