"""Recompute every figure rollup from the raw appeal tables (after bulk loads or repairs)."""

import time

from django.core.management.base import BaseCommand

from insights import rollups


class Command(BaseCommand):
    help = "Recompute the figure rollups (AppealDay, WhistleDay, AppealRollup, WhistleRollup, PendingResponse)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        say = self.stdout.write if options["verbosity"] > 1 else None
        counts = rollups.rebuild(verbose=say)
        if options["verbosity"]:
            self.stdout.write(f"{counts} in {time.perf_counter() - started:.1f} s")
