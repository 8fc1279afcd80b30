from django.core.management.base import BaseCommand

from appeals.services import sweep_overdue


class Command(BaseCommand):
    help = "Mark overdue appeals and raise 督办 supervisions now (the scheduler does this every few minutes)."

    def handle(self, *args, **options):
        self.stdout.write(f"{sweep_overdue()} new supervision(s)")
