"""Service points (服务阵地): 党群服务中心, 驿站, 文明实践站, 议事厅, 调解室, 爱心超市.

Other apps point at `Place` (a meeting in a 议事厅, a mediation in a 调解室), so
this model's first migration is a contract: extend it with new migrations.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    class Kind(models.TextChoices):
        PARTY_CENTER = "party_center", _("Party and public service centre")
        SERVICE_STATION = "service_station", _("Party and public service station")
        RIDER_STATION = "rider_station", _("Red post for riders and outdoor workers")
        CIVILIZATION_STATION = "civilization_station", _("New-era civilization practice station")
        DELIBERATION_HALL = "deliberation_hall", _("Deliberation hall")
        MEDIATION_ROOM = "mediation_room", _("Mediation room")
        CHARITY_SUPERMARKET = "charity_supermarket", _("Charity supermarket")
        OTHER = "other", _("Other service point")

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    # The community it serves; a street-level centre has the street here.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="places")
    address = models.CharField(max_length=200, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text=_("Public contact number of the place"))
    contact_name = models.CharField(max_length=64, blank=True)
    description = models.TextField(blank=True)
    is_public = models.BooleanField(default=True, help_text=_("Shown on the public map"))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["region__code", "kind", "name"]
        unique_together = [("region", "name")]

    def __str__(self):
        return self.name
