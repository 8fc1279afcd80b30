from django.contrib import admin

from .models import OrderEvent, Provider, ServiceOrder, Skill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort"]
    list_editable = ["name", "name_en", "sort"]


class ReadOnly(admin.ModelAdmin):
    """Every change goes through services.services (workflow, audit, points)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnly):
    list_display = ["number", "kind", "title", "status", "community", "provider", "created_at"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["number", "title"]
    exclude = ["requester_phone"]


@admin.register(Provider)
class ProviderAdmin(ReadOnly):
    list_display = ["user", "kind", "shop_name", "is_active", "approved_at", "created_at"]
    list_filter = ["kind", "is_active"]


admin.site.register(OrderEvent, ReadOnly)
