"""Background work for visits, run by django-tasks' db_worker (daily)."""

from django_tasks import task

from . import services


@task()
def sweep_visits_task() -> dict[str, int]:
    """Subjects fall due and overdue, grid workers hear of overdue visits once a day, forgotten patrols close."""
    return services.sweep()
