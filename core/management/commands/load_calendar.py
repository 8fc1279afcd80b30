import datetime as dt

from django.core.management.base import BaseCommand

from core import calendar


class Command(BaseCommand):
    help = "Load working-day calendars from the chinese-calendar package (default: last 3 years to next year)."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int)

    def handle(self, *args, years, **options):
        this = dt.date.today().year
        for year in years or range(this - 3, this + 2):
            if calendar.load_year_from_package(year):
                self.stdout.write(f"{year}: loaded from chinese-calendar")
            else:
                self.stdout.write(self.style.WARNING(
                    f"{year}: not known to chinese-calendar; import it with import_calendar, until then weekends-only"))
