"""Background work for volunteering, run by django-tasks' db_worker."""

from django_tasks import task

from . import services


@task()
def sweep_activities_task() -> int:
    """Finish activities that ended more than two hours ago, checking out whoever is still checked in."""
    return services.sweep_activities()
