"""Enqueue periodic tasks for the db_worker. django-tasks has no scheduler of
its own; this loop is stateless (it only enqueues), so several may run safely
because the sweeps are idempotent."""

import signal
import time

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

SCHEDULE = [
    # (dotted task, every N seconds)
    ("appeals.tasks.sweep_overdue_task", 300),
    ("volunteering.tasks.sweep_activities_task", 300),
    ("services.tasks.sweep_orders_task", 300),
    ("visits.tasks.sweep_visits_task", 3600),
    ("mediation.tasks.sweep_follow_ups_task", 3600),
    ("deliberation.tasks.sweep_matters_task", 3600),
    ("integrations.tasks.sweep_import_jobs_task", 3600),
    ("insights.tasks.briefings_task", 3600),
    ("intelligence.tasks.train_category_task", 7 * 86400),  # weekly retraining from closed appeals
]


class Command(BaseCommand):
    help = "Enqueue periodic background tasks (overdue sweeps) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue each task once and exit")

    def handle(self, *args, once=False, **options):
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last: dict[str, float] = {}
        while running:
            now = time.monotonic()
            for dotted, every in SCHEDULE:
                if now - last.get(dotted, -every) >= every:
                    import_string(dotted).enqueue()
                    last[dotted] = now
                    self.stdout.write(f"enqueued {dotted}")
            if once:
                return
            time.sleep(5)
