from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"

    def ready(self):
        """Rollups are kept current in the transaction of every change: a new appeal
        (post_save on create, inside appeal_submit's transaction) and every transition;
        skipped inside insights.maintenance.rollups_deferred(), which rebuilds them once."""
        from django.db.models.signals import post_save

        from appeals import hooks

        from . import maintenance

        post_save.connect(maintenance.appeal_saved, sender="appeals.Appeal", dispatch_uid="insights_rollups_submit")
        hooks.after_transition(maintenance.appeal_transitioned)
