"""Commands an operator may run on a fresh clone before anything else: bring the
database up to date first, quietly, so `train_classifier` and `classify` just work."""

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def ensure_migrated():
    """Migrate when this app's tables are missing or behind; other apps' pending
    migrations are the operator's business (and never run inside a transaction here)."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if any(migration.app_label == "intelligence" for migration, _backwards in plan):
        call_command("migrate", interactive=False, verbosity=0)
