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
    # Added in 0002: opening rules and the optimistic lock of staff edits.
    closes_on_holidays = models.BooleanField(
        default=False, help_text=_("Closed on statutory public holidays (法定节假日), whatever the weekly hours say"))
    hours_note = models.CharField(max_length=200, blank=True, help_text=_("Shown under the hours, e.g. “Ring the bell”"))
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["region__code", "kind", "name"]
        unique_together = [("region", "name")]

    def __str__(self):
        return self.name


class Amenity(models.TextChoices):
    """What a station offers (服务内容); a place offers a set of these."""

    REST = "rest", _("Rest area")
    CHARGING = "charging", _("Phone and e-bike charging (充电)")
    WATER = "water", _("Drinking water")
    HEATING_FOOD = "heating_food", _("Food heating (热饭)")
    TOILET = "toilet", _("Toilet")
    FIRST_AID = "first_aid", _("First aid kit")
    AED = "aed", _("AED defibrillator")
    COOLING_WARMING = "cooling_warming", _("Air conditioning / warming")
    UMBRELLA = "umbrella", _("Umbrella lending")
    REPAIR_KIT = "repair_kit", _("Repair kit")
    WIFI = "wifi", _("Wi-Fi")
    READING = "reading", _("Books and reading")
    CONSULTATION = "consultation", _("Advice and help desk")
    MEETING_ROOM = "meeting_room", _("Meeting room")


# A glyph per amenity for the cards and the map (plain text: no icon font, no CDN).
AMENITY_ICONS = {
    Amenity.REST: "🪑", Amenity.CHARGING: "🔌", Amenity.WATER: "💧", Amenity.HEATING_FOOD: "🍱",
    Amenity.TOILET: "🚻", Amenity.FIRST_AID: "🩹", Amenity.AED: "❤️", Amenity.COOLING_WARMING: "🌡️",
    Amenity.UMBRELLA: "☂️", Amenity.REPAIR_KIT: "🔧", Amenity.WIFI: "📶", Amenity.READING: "📚",
    Amenity.CONSULTATION: "💬", Amenity.MEETING_ROOM: "🏛️",
}



class PlaceAmenity(models.Model):
    """One offering of one place; with hours of its own (`OpeningHours.amenity`) it is
    available only inside them (and only while the place itself is open)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="amenities")
    amenity = models.CharField(max_length=32, choices=Amenity.choices)
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["place_id", "id"]
        constraints = [models.UniqueConstraint(fields=["place", "amenity"], name="places_amenity_once")]

    def __str__(self):
        return f"{self.place}: {self.get_amenity_display()}"

    @property
    def icon(self) -> str:
        return AMENITY_ICONS.get(self.amenity, "•")


class OpeningHours(models.Model):
    """One opening range on one weekday, in minutes after midnight.

    `end_minute` ≤ `start_minute` means the range runs over midnight into the next
    day (22:00–06:00); 0–1440 is the whole day. Rows with an `amenity` are that
    offering's own hours; rows without are the place's."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="hours")
    amenity = models.ForeignKey(PlaceAmenity, null=True, blank=True, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(help_text=_("0 = Monday … 6 = Sunday"))
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["place_id", "amenity_id", "weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="places_hours_weekday"),
            models.CheckConstraint(condition=models.Q(start_minute__lt=1440, end_minute__lte=1440),
                                   name="places_hours_minutes"),
        ]


class SpecialDay(models.Model):
    """An exception for one date: closed, or open only in `ranges` ([[start, end], …] in minutes)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="special_days")
    date = models.DateField()
    is_closed = models.BooleanField(default=True)
    ranges = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["place_id", "date"]
        constraints = [models.UniqueConstraint(fields=["place", "date"], name="places_special_day_once")]

    def __str__(self):
        return f"{self.place} {self.date}"

    @property
    def hours_text(self) -> str:
        from .hours import fmt_ranges

        return fmt_ranges([] if self.is_closed else self.ranges)


class PlaceUse(models.Model):
    """How many people a station served on one day (e.g. riders at a 驿站), as staff count them."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="uses")
    date = models.DateField()
    count = models.PositiveIntegerField()
    note = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["place_id", "-date"]
        constraints = [models.UniqueConstraint(fields=["place", "date"], name="places_use_once")]
