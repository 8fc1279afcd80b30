"""Data that flows in and out: imports, exports and the Open311 GeoReport v2 endpoint."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    """One Excel export of a list: who took which rows out, filtered how, and
    whether personal data left the system unmasked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="export_logs")
    user_name = models.CharField(_("user"), max_length=150)
    list_name = models.CharField(_("list"), max_length=64, db_index=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    masked = models.BooleanField(_("personal data masked"), default=True)
    full_fields = models.JSONField(_("fields exported in full"), default=list, blank=True)
    full_rows = models.PositiveIntegerField(_("rows with full personal data"), default=0)
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_name} {self.list_name} ({self.row_count})"


# ---------------------------------------------------------------- imports


class ImportJob(models.Model):
    """One uploaded file on its way in: checked whole first, then written in
    the background. The file is kept until the job ends; who, what and how
    far are on the row so the page can show a progress bar."""

    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("Residents (居民)")
        HOUSEHOLDS = "households", _("Households (户)")
        PARTY_MEMBERS = "party_members", _("Party members (党员)")
        UNITS = "units", _("Units (单位)")
        WORK_ORDERS = "work_orders", _("12345 work orders (工单)")
        GRIDS = "grids", _("Grids (GeoJSON)")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        CHECKED = "checked", _("Checked, waiting for your decision")
        QUEUED = "queued", _("Waiting to import")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("File not usable")
        FAILED = "failed", _("Stopped by an error")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CHECKING, db_index=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file_size = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs")
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    clean_only = models.BooleanField(_("clean rows only"), default=False)
    total = models.PositiveIntegerField(_("rows"), default=0)
    valid = models.PositiveIntegerField(_("clean rows"), default=0)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}], the first 1000")
    message = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=16, blank=True, help_text="the uploader's language, for messages written later")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        goal = self.valid if self.status in (self.Status.QUEUED, self.Status.RUNNING) else self.total
        return min(100, int(self.done * 100 / goal)) if goal else 0

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.RUNNING)


class WorkOrder(models.Model):
    """A 12345 hotline work order (工单) taken in: its own number is the key
    that keeps a re-imported file from creating the appeal twice."""

    number = models.CharField(_("work-order number"), max_length=64, unique=True)
    appeal = models.OneToOneField("appeals.Appeal", on_delete=models.PROTECT, related_name="work_order")
    received_at = models.DateTimeField(_("received at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders")

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return self.number

# ---------------------------------------------------------------- Open311 GeoReport v2

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedCharField


class Open311Jurisdiction(models.Model):
    """One street served through Open311; `jurisdiction_id` is what clients send (the street code by default)."""

    class ServiceType(models.TextChoices):
        REALTIME = "realtime", _("Real time: the request id is returned at once")
        BATCH = "batch", _("Batch: a token is returned, exchanged later for the request id")

    jurisdiction_id = models.CharField(max_length=100, unique=True)
    street = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="open311_jurisdiction")
    contact = models.CharField(max_length=300, blank=True)
    key_service = models.CharField(max_length=300, blank=True, help_text=_("Where clients ask for an API key"))
    service_notice = models.CharField(max_length=500, blank=True,
                                      help_text=_("Told to every client after a request is created"))
    service_type = models.CharField(max_length=16, choices=ServiceType.choices, default=ServiceType.REALTIME)
    publish_all_channels = models.BooleanField(
        default=False, help_text=_("List appeals from every public channel, not only those received through Open311"))
    posts_per_minute = models.PositiveIntegerField(default=30, help_text=_("Requests one API key may create per minute"))
    is_active = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["jurisdiction_id"]

    def __str__(self):
        return self.jurisdiction_id


class Open311Key(models.Model):
    """An API key for one client system; only its hash is stored. Requests it creates are
    reported by its own service account, so they are never mistaken for a resident's own."""

    jurisdiction = models.ForeignKey(Open311Jurisdiction, on_delete=models.PROTECT, related_name="keys")
    name = models.CharField(max_length=100)
    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open311_key")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "o311_" + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Attribute(models.Model):
    """A question a client must (or may) answer for one category, e.g. a streetlight's pole number."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLE = "singlevaluelist", _("One choice")
        MULTI = "multivaluelist", _("Several choices")

    category = models.ForeignKey("appeals.Category", on_delete=models.CASCADE, related_name="open311_attributes")
    code = models.SlugField(max_length=50)
    variable = models.BooleanField(default=True)
    datatype = models.CharField(max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(default=False)
    datatype_description = models.CharField(max_length=200, blank=True)
    order = models.PositiveIntegerField(default=1)
    description = models.CharField(max_length=300)
    values = models.JSONField(default=list, blank=True, help_text=_('For lists: [{"key": "…", "name": "…"}]'))

    class Meta:
        ordering = ["category", "order", "id"]
        unique_together = [("category", "code")]

    def __str__(self):
        return f"{self.category.code}:{self.code}"


class Open311Request(models.Model):
    """What a client sent with an appeal: the public description, its attribute answers,
    and the submitter's contact details (encrypted, never served back)."""

    appeal = models.OneToOneField("appeals.Appeal", on_delete=models.PROTECT, related_name="open311")
    jurisdiction = models.ForeignKey(Open311Jurisdiction, on_delete=models.PROTECT, related_name="requests")
    key = models.ForeignKey(Open311Key, null=True, on_delete=models.SET_NULL, related_name="requests")
    token = models.CharField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    address_string = models.CharField(max_length=200, blank=True)
    address_id = models.CharField(max_length=40, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    email = EncryptedCharField(blank=True, default="")
    first_name = EncryptedCharField(blank=True, default="")
    last_name = EncryptedCharField(blank=True, default="")
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"open311 {self.token}"
