from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _default_tags(sender, **kwargs):
    from .services import ensure_default_tags

    ensure_default_tags()


class VisitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "visits"
    verbose_name = _("Visits and patrols")

    def ready(self):
        from appeals import hooks

        from . import links

        hooks.page_links(links.appeal_links)
        post_migrate.connect(_default_tags, sender=self, dispatch_uid="visits_default_tags")
