import json

from django.core.management.base import BaseCommand, CommandError

from core.errors import ValidationFailed
from regions.services import import_regions


class Command(BaseCommand):
    help = "Import streets, communities and grids from a GeoJSON FeatureCollection (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                collection = json.load(fh)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}")
        try:
            result = import_regions(collection)
        except ValidationFailed as exc:
            for line in exc.details.get("errors", []):
                self.stderr.write(line)
            raise CommandError(exc.message)
        self.stdout.write(self.style.SUCCESS(f"created {result.created}, updated {result.updated}"))
