"""Background work for insights, run by django-tasks' db_worker."""

from django_tasks import task

from . import briefings


@task()
def briefings_task() -> dict[str, int]:
    """Hourly is enough: on Mondays it makes last week's briefings, on the 1st
    last month's, for every street and community; later runs that day skip them."""
    return briefings.run_schedule()
