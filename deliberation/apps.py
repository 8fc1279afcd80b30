from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deliberation"
    verbose_name = _("Deliberation")

    def ready(self):
        from appeals import hooks as appeal_hooks

        from . import hooks

        appeal_hooks.after_transition(hooks.after_transition)
        appeal_hooks.page_links(hooks.page_links)
        appeal_hooks.conversions(hooks.conversions)
