from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["region", "unit", "party_org", "building"]


@admin.register(User)
class LinliUserAdmin(UserAdmin):
    inlines = [RoleInline]
    fieldsets = UserAdmin.fieldsets + (("Linli", {"fields": ("person", "display_name_override")}),)
    raw_id_fields = ["person"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix"]
