from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mediation"
    verbose_name = _("Mediation")

    def ready(self):
        from appeals import hooks

        from . import links

        hooks.after_transition(links.after_appeal_transition)
        hooks.page_links(links.appeal_page_links)
        hooks.conversions(links.appeal_conversions)
