"""Background work for service orders, run by django-tasks' db_worker."""

from django_tasks import task

from . import services


@task()
def sweep_orders_task() -> dict[str, int]:
    return services.sweep_orders()
