"""Background work for deliberation, run by django-tasks' db_worker."""

from django_tasks import task

from . import services


@task()
def sweep_matters_task() -> dict[str, int]:
    """Close small matters done and unrated for a week, and rating rounds past their end."""
    return services.sweep()
