from django.contrib import admin

from .models import Person, Unit, UnitPost


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "gender", "phone_masked", "household"]
    search_fields = ["name"]
    exclude = ["id_number", "phone"]


admin.site.register(Unit)
admin.site.register(UnitPost)
