"""Background work for the appeal loop, run by django-tasks' db_worker."""

from django_tasks import task

from . import services


@task()
def sweep_overdue_task() -> int:
    return services.sweep_overdue()
