import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles are held at a scope: a region, a unit or a party org."""

    RESIDENT = "resident", _("Resident")
    BUILDING_HEAD = "building_head", _("Building head")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_STAFF = "street_staff", _("Street dispatcher")
    UNIT_HANDLER = "unit_handler", _("Department handler")
    PARTY_MEMBER = "party_member", _("Party member")
    ADMIN = "admin", _("Administrator")


# Which kind of scope each role is held at.
REGION_ROLES = {Role.BUILDING_HEAD, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_STAFF}
UNIT_ROLES = {Role.UNIT_HANDLER}
STAFF_ROLES = REGION_ROLES | UNIT_ROLES | {Role.ADMIN}


class User(AbstractUser):
    person = models.OneToOneField("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="user")
    display_name_override = models.CharField(_("display name"), max_length=64, blank=True)

    @property
    def display_name(self) -> str:
        return self.display_name_override or self.get_full_name() or self.username

    def __str__(self):
        return self.display_name


class RoleAssignment(models.Model):
    """A role at a scope. `is_leader` marks the person a 督办 notice also goes to."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    party_org = models.ForeignKey("party.PartyOrg", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    building = models.ForeignKey("regions.Building", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    is_leader = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["role", "region"]), models.Index(fields=["role", "unit"])]

    def __str__(self):
        scope = self.region or self.unit or self.party_org or self.building or "-"
        return f"{self.user} {self.get_role_display()} @ {scope}"


class ApiToken(models.Model):
    """Bearer token for API clients. Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        key = "ll_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key), prefix=key[:8])
        return token, key


class LoginAttempt(models.Model):
    """Failed log-ins, counted per user name and per address for rate limiting."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
