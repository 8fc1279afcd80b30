"""Background work for mediation, run by django-tasks' db_worker (daily)."""

from django_tasks import task

from . import services


@task()
def sweep_follow_ups_task() -> dict[str, int]:
    return services.sweep_follow_ups()
