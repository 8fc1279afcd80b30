from django.contrib import admin

from .models import Building, Estate, Household, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]


admin.site.register(Estate)
admin.site.register(Building)
admin.site.register(Household)
