from django.contrib import admin

from .models import PartyMember, PartyOrg, PartyPost

admin.site.register(PartyOrg)
admin.site.register(PartyMember)
admin.site.register(PartyPost)
