from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    """Text intelligence trained on the platform's own history: category and unit
    suggestion, duplicates (一事多诉), hot topics (热点) and answer checks."""

    name = "intelligence"
    verbose_name = "Intelligence"

    def ready(self):
        from appeals import hooks

        from . import answers

        hooks.after_transition(answers.on_transition)
        hooks.page_links(answers.page_link)

        from .dup_hooks import duplicate_links

        hooks.page_links(duplicate_links)

        from .category_hooks import category_links, on_submit

        hooks.after_submit(on_submit)
        hooks.page_links(category_links)
