from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedCharField, blind_index, mask_id_number, mask_phone


class Person(models.Model):
    """A resident or any other natural person. ID number and phone are
    encrypted at rest; the *_index columns allow exact look-up."""

    class Gender(models.TextChoices):
        MALE = "m", _("Male")
        FEMALE = "f", _("Female")

    name = models.CharField(max_length=64)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    id_number = EncryptedCharField(blank=True, default="")
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedCharField(blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    household = models.ForeignKey("regions.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.id_number_index = blind_index(self.id_number)
        self.phone_index = blind_index(self.phone)
        super().save(*args, **kwargs)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)


class Unit(models.Model):
    """A body that receives work: department, utility, police, property company, …"""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Functional department")
        UTILITY = "utility", _("Utility company")
        POLICE = "police", _("Police station")
        PROPERTY = "property", _("Property company")
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
        RESIDENT_UNIT = "resident_unit", _("Resident unit")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    street = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="units",
                               help_text=_("Street the unit serves; empty for district-wide units"))
    phone = models.CharField(max_length=32, blank=True, help_text=_("Public service number"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class UnitPost(models.Model):
    """A person's post in a unit; with party.PartyPost it records 交叉任职."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="unit_posts")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=64)

    class Meta:
        unique_together = [("person", "unit", "title")]

    def __str__(self):
        return f"{self.unit} {self.title} {self.person}"
