"""Background work for imports, run by django-tasks' db_worker."""

from django_tasks import task

from . import services


@task()
def check_import_task(job_id: int) -> str:
    return services.import_check(job_id).status


@task()
def run_import_task(job_id: int) -> str:
    return services.import_run(job_id).status


@task()
def sweep_import_jobs_task() -> dict[str, int]:
    return services.sweep_import_jobs()
