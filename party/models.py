from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyOrg(models.Model):
    """Second tree: 党工委 › 党委 › 党总支 › 党支部 › 党小组, linked to places or units."""

    class Kind(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", _("Working committee (党工委)")
        COMMITTEE = "committee", _("Committee (党委)")
        GENERAL_BRANCH = "general_branch", _("General branch (党总支)")
        BRANCH = "branch", _("Branch (党支部)")
        GROUP = "group", _("Group (党小组)")

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    is_hybrid = models.BooleanField(default=False, help_text=_("兼合式党支部: members from several employers"))
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="party_orgs")
    estate = models.ForeignKey("regions.Estate", null=True, blank=True, on_delete=models.SET_NULL, related_name="party_orgs")
    building = models.ForeignKey("regions.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="party_orgs")
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="party_orgs")

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class PartyMember(models.Model):
    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="party_membership")
    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="members")
    joined_on = models.DateField(null=True, blank=True)
    employer = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="employed_members",
                                 help_text=_("For in-service members (在职党员)"))
    anchor_household = models.ForeignKey("regions.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="anchor_members", help_text=_("党员中心户 this member runs"))

    def __str__(self):
        return str(self.person)


class PartyPost(models.Model):
    """书记、委员 … a person may hold several posts across orgs and units (交叉任职)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="party_posts")
    org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=64)

    class Meta:
        unique_together = [("person", "org", "title")]

    def __str__(self):
        return f"{self.org} {self.title} {self.person}"
