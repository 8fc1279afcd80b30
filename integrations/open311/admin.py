"""Admin for Open311 configuration: jurisdictions and the attributes a category asks for.
Keys are issued on the staff page (the raw key is shown once there), so here they are read-only."""

from django.contrib import admin

from ..models import Open311Attribute, Open311Jurisdiction, Open311Key


@admin.register(Open311Jurisdiction)
class Open311JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction_id", "street", "service_type", "publish_all_channels", "posts_per_minute", "is_active")
    raw_id_fields = ("street",)


@admin.register(Open311Attribute)
class Open311AttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "code", "datatype", "required", "order", "description")
    list_filter = ("datatype", "required")
    raw_id_fields = ("category",)


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "jurisdiction", "created_at", "last_used_at", "revoked_at")
    readonly_fields = tuple(f.name for f in Open311Key._meta.fields)

    def has_add_permission(self, request):
        return False
