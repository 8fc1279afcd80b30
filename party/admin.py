from django.contrib import admin

from .models import (
    Award,
    CoBuildingProject,
    DualReport,
    Evaluation,
    Nomination,
    PartyMember,
    PartyOrg,
    PartyPost,
    ProjectUpdate,
)

admin.site.register(PartyOrg)
admin.site.register(PartyPost)


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["person", "org", "employer", "anchor_household", "is_public"]
    raw_id_fields = ["person", "anchor_household", "served_households"]


class ReadOnly(admin.ModelAdmin):
    """Workflow records change only through party.services, which keeps their events and audit rows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DualReport)
class DualReportAdmin(ReadOnly):
    list_display = ["kind", "member", "unit", "community", "status", "registered_at", "ended_at"]
    list_filter = ["kind", "status", "community"]


@admin.register(CoBuildingProject)
class CoBuildingProjectAdmin(ReadOnly):
    list_display = ["title", "unit", "community", "status", "progress", "due_date"]
    list_filter = ["status", "community"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnly):
    list_display = ["title", "kind", "community", "status", "nominate_until", "vote_until"]
    list_filter = ["kind", "status"]


@admin.register(Award)
class AwardAdmin(ReadOnly):
    list_display = ["title", "person", "community", "awarded_on", "evaluation"]


admin.site.register(ProjectUpdate, ReadOnly)
admin.site.register(Nomination, ReadOnly)
