"""Background work for category suggestion, run by django-tasks' db_worker."""

from django_tasks import task

from . import services


@task()
def train_category_task(run_id: int | None = None) -> str:
    """On demand (a queued run) or on schedule (run_id None: a new run)."""
    return services.training_run_execute(run_id).status
