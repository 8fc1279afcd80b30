from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """One tree of places: district › street › community › grid › microgrid."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        COMMUNITY = "community", _("Community")
        GRID = "grid", _("Grid")
        MICROGRID = "microgrid", _("Micro-grid")

    DEPTH = {Level.DISTRICT: 0, Level.STREET: 1, Level.COMMUNITY: 2, Level.GRID: 3, Level.MICROGRID: 4}
    # Official code length per level: 6 division + 3 street + 3 community + 3 sequence.
    CODE_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 15, Level.MICROGRID: 18}

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=16, choices=Level.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialised path of ids ("/1/4/17/") so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    geometry = models.JSONField(null=True, blank=True, help_text=_("GeoJSON Polygon or MultiPolygon, WGS84"))
    # Bounding box for a cheap prefilter before the exact polygon test.
    min_lng = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "min_lng", "max_lng"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if path != self.path:
            self.path = path
            Region.objects.filter(pk=self.pk).update(path=path)

    def ancestor(self, level: str) -> "Region | None":
        node = self
        while node is not None and node.level != level:
            node = node.parent
        return node


class Estate(models.Model):
    """小区."""

    name = models.CharField(max_length=100)
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="estates")
    address = models.CharField(max_length=200, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    property_company = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_estates")

    class Meta:
        ordering = ["community__code", "name"]
        unique_together = [("community", "name")]

    def __str__(self):
        return self.name


class Building(models.Model):
    """楼栋; each sits in one grid and may have a building head (楼栋长)."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField(max_length=32)
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="buildings")
    floors = models.PositiveSmallIntegerField(default=6)
    entrances = models.PositiveSmallIntegerField(default=1, help_text=_("Number of 单元"))
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    head = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="headed_buildings")

    class Meta:
        ordering = ["estate__name", "number"]
        unique_together = [("estate", "number")]

    def __str__(self):
        return f"{self.estate.name}{self.number}"


class Household(models.Model):
    """户. A party member's household serving neighbours is a 党员中心户."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households")
    entrance = models.PositiveSmallIntegerField(default=1)
    room = models.CharField(max_length=16)
    is_party_anchor = models.BooleanField(default=False)

    class Meta:
        ordering = ["building", "entrance", "room"]
        unique_together = [("building", "entrance", "room")]

    def __str__(self):
        return f"{self.building} {self.entrance}单元{self.room}"
