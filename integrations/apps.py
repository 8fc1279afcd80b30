from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Imports, exports and Open311")

    def ready(self):
        from appeals import hooks

        from .open311.hooks import open311_link
        from .services import work_order_after_transition

        hooks.after_transition(work_order_after_transition)
        hooks.page_links(open311_link)
