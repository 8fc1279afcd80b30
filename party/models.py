from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .workflow import DualStatus, EvaluationStatus, NominationStatus, ProjectStatus


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
    served_households = models.ManyToManyField("regions.Household", blank=True, related_name="serving_anchors",
                                               help_text=_("Households the anchor looks after, kept by community staff"))
    # What the public identity plaque (亮身份) may show: only with the member's own consent.
    pledge = models.TextField(blank=True, default="", help_text=_("Public service pledge (承诺)"))
    is_public = models.BooleanField(default=False, help_text=_("The member chose to show their plaque publicly"))

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



# ---------------------------------------------------------------- 双报到


class DualReport(models.Model):
    """双报到: an in-service member, or their employer unit, registers with a
    residential community. A member reports to one community at a time; a
    unit may pair with several communities, once each."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("In-service member")
        UNIT = "unit", _("Unit")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    member = models.ForeignKey(PartyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="dual_reports")
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="dual_reports")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="dual_reports")
    registered_at = models.DateTimeField(db_index=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    status = models.CharField(max_length=8, choices=DualStatus.choices, default=DualStatus.ACTIVE, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="member", member__isnull=False, unit__isnull=True)
                           | Q(kind="unit", unit__isnull=False, member__isnull=True)),
                name="party_dualreport_kind_matches_subject"),
            models.UniqueConstraint(fields=["member"], condition=Q(kind="member", status="active"),
                                    name="party_dualreport_one_active_per_member"),
            models.UniqueConstraint(fields=["unit", "community"], condition=Q(kind="unit", status="active"),
                                    name="party_dualreport_one_active_per_unit_community"),
        ]
        indexes = [models.Index(fields=["community", "kind", "status"])]

    def __str__(self):
        subject = self.member if self.kind == self.Kind.MEMBER else self.unit
        return f"{subject} → {self.community}"

    @property
    def subject_name(self) -> str:
        return str(self.member.person) if self.kind == self.Kind.MEMBER else str(self.unit)


class DualReportEvent(models.Model):
    """Append-only: registering and ending, with who and when."""

    report = models.ForeignKey(DualReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]


# ---------------------------------------------------------------- 共建项目


class CoBuildingProject(models.Model):
    """共建项目: what a unit pledged to do with a community, and how far it got."""

    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="co_building_projects")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="co_building_projects")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    target = models.CharField(max_length=300, blank=True, help_text=_("What counts as done"))
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    pledged_at = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-pledged_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="party_project_progress_max_100")]

    def __str__(self):
        return self.title


class ProjectUpdate(models.Model):
    """One progress report: the project's own timeline."""

    project = models.ForeignKey(CoBuildingProject, on_delete=models.CASCADE, related_name="updates")
    progress = models.PositiveSmallIntegerField()
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    note = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


# ---------------------------------------------------------------- evaluations and awards


class Evaluation(models.Model):
    """评选 (先锋党员, 最美庭院, 好媳妇 …): residents nominate and vote, staff approve and close."""

    class Kind(models.TextChoices):
        PIONEER_MEMBER = "pioneer_member", _("Pioneer party member (先锋党员)")
        BEAUTIFUL_COURTYARD = "beautiful_courtyard", _("Most beautiful courtyard (最美庭院)")
        GOOD_DAUGHTER_IN_LAW = "good_daughter_in_law", _("Good daughter-in-law (好媳妇)")
        CIVILISED_FAMILY = "civilised_family", _("Civilised family (文明家庭)")
        CUSTOM = "custom", _("Other")

    title = models.CharField(max_length=100)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    description = models.TextField(blank=True)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="evaluations")
    nominate_until = models.DateTimeField()
    vote_until = models.DateTimeField()
    winners = models.PositiveSmallIntegerField(default=3)
    votes_per_voter = models.PositiveSmallIntegerField(default=1)
    award_points = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.NOMINATING,
                              db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Nomination(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="nominations")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="nominations")
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=NominationStatus.choices, default=NominationStatus.PENDING,
                              db_index=True)
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    review_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "person"], name="party_nomination_once_per_person")]

    def __str__(self):
        return f"{self.evaluation}: {self.person}"


class Vote(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="votes")
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["nomination", "voter"], name="party_vote_once_per_nomination")]
        indexes = [models.Index(fields=["evaluation", "voter"])]


class EvaluationEvent(models.Model):
    """Append-only timeline of an evaluation and its nominations."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="events")
    nomination = models.ForeignKey(Nomination, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Award(models.Model):
    """An honour: won in an evaluation, or recorded directly by staff (evaluation empty)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="awards")
    title = models.CharField(max_length=100)
    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="awards")
    awarded_on = models.DateField(db_index=True)
    community = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="awards")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-awarded_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "person"], condition=Q(evaluation__isnull=False),
                                               name="party_award_once_per_evaluation")]

    def __str__(self):
        return f"{self.title} {self.person}"
