from django.core.management.base import BaseCommand

from services.services import sweep_orders


class Command(BaseCommand):
    help = "Return late service orders to dispatch and confirm week-old done ones now (the scheduler does this too)."

    def handle(self, *args, **options):
        counts = sweep_orders()
        self.stdout.write(f"{counts['timeout']} timed out, {counts['auto_confirm']} confirmed automatically")
