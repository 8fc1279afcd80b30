import csv
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core import calendar
from core.models import CalendarYear


class Command(BaseCommand):
    help = ("Import a year's holidays and adjusted working days (调休) from CSV with columns "
            "date,is_workday,name — only the exceptions are needed; other days follow the weekend rule.")

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("file")

    def handle(self, *args, year, file, **options):
        days = {}
        try:
            with open(file, encoding="utf-8-sig", newline="") as fh:
                for lineno, row in enumerate(csv.DictReader(fh), start=2):
                    try:
                        day = dt.date.fromisoformat(row["date"].strip())
                        flag = row["is_workday"].strip().lower()
                    except (KeyError, ValueError, AttributeError):
                        raise CommandError(f"line {lineno}: need date (YYYY-MM-DD), is_workday, name")
                    if flag not in {"0", "1", "true", "false", "yes", "no"}:
                        raise CommandError(f"line {lineno}: is_workday must be 1/0/true/false")
                    if day.year != year:
                        raise CommandError(f"line {lineno}: {day} is not in {year}")
                    days[day] = (flag in {"1", "true", "yes"}, (row.get("name") or "").strip())
        except OSError as exc:
            raise CommandError(str(exc))
        calendar.set_year(year, days, CalendarYear.Source.IMPORT, note=file[-200:])
        self.stdout.write(self.style.SUCCESS(f"{year}: {len(days)} exceptions imported"))
