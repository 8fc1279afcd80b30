from django.contrib import admin

from .models import Appeal, AppealEvent, Category, CategoryRoute, Supervision, Whistle


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "default_unit", "response_hours", "resolve_workdays", "is_active"]
    list_editable = ["default_unit", "response_hours", "resolve_workdays", "is_active"]


admin.site.register(CategoryRoute)


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the workflow."""

    list_display = ["number", "title", "status", "category", "grid", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["number", "title"]
    exclude = ["reporter_phone"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (AppealEvent, Whistle, Supervision):
    admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {
        "has_change_permission": lambda self, request, obj=None: False,
        "has_delete_permission": lambda self, request, obj=None: False,
    }))
