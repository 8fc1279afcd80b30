"""Background work for category suggestion, run by django-tasks' db_worker."""

from django_tasks import task

from . import services


@task()
def train_category_task(run_id: int | None = None) -> str:
    """On demand (a queued run) or on schedule (run_id None: a new run unless the model is recent)."""
    run = services.training_run_execute(run_id)
    return run.status if run is not None else "skipped"
