"""Suite-wide test set-up."""

import importlib

from django.db.models.signals import post_migrate


def _reseed_skills(sender, app_config, using="default", apps=None, **kwargs):
    """A flush (after every transactional or browser test) empties every table, the skills the
    data migration services/0002_skills seeded included; post_migrate follows every flush, so
    seed them again: the tests after it, on the same worker, find the database as migrate left it."""
    if app_config.label != "services":
        return
    from django.apps import apps as global_apps
    from django.db import connections

    seed = importlib.import_module("services.migrations.0002_skills").seed
    seed(apps or global_apps, connections[using].schema_editor)


post_migrate.connect(_reseed_skills, dispatch_uid="linli_tests_reseed_skills")
