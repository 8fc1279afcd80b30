"""The calendar table itself: lazy seeding, administrator years, and two
requests seeding the same year at once. (Deadline arithmetic across the 2026
holidays is in appeals/tests/test_deadlines.py.)"""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction

from core import calendar
from core.models import CalendarDay, CalendarYear


@pytest.mark.django_db
def test_an_administrator_year_is_not_overwritten_by_the_package():
    calendar.set_year(2026, {dt.date(2026, 2, 14): (False, "本地调整")}, source=CalendarYear.Source.ADMIN)
    calendar.ensure_years([2026])
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.ADMIN
    assert calendar.is_workday(dt.date(2026, 2, 14)) is False   # the package says it is a working day
    assert calendar.is_workday(dt.date(2026, 2, 16)) is True    # not given: weekday rule, the admin owns the year


@pytest.mark.django_db
def test_years_the_package_does_not_know_are_reported_not_invented():
    assert calendar.load_year_from_package(2027) is False
    assert calendar.load_year_from_package(2003) is False
    calendar.ensure_years([2003, 2026, 2027])
    assert calendar.missing_years([2003, 2026, 2027]) == [2003, 2027]
    assert calendar.is_workday(dt.date(2027, 1, 1)) is True      # a Friday, by the weekend rule


@pytest.mark.django_db
def test_set_year_replaces_the_whole_year():
    calendar.ensure_years([2026])
    calendar.set_year(2026, {}, source=CalendarYear.Source.IMPORT)
    assert CalendarDay.objects.filter(date__year=2026).count() == 365
    assert calendar.is_workday(dt.date(2026, 10, 1)) is True     # the import said nothing: plain Thursday
    assert calendar.is_workday(dt.date(2026, 2, 14)) is False    # plain Saturday


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_seeding_the_same_year_at_once_both_succeed():
    """The first deadline of a year is computed by two people at once: the
    second must not fail on the rows the first is still writing."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need PostgreSQL or a file-backed SQLite database, not the in-memory test database")
    loaded = threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                calendar.ensure_years([2026])
                loaded.set()
                time.sleep(0.5)  # still seeding, not yet committed, when the second one arrives
        except Exception as e:  # noqa: BLE001
            errors.append(e)
            loaded.set()
        finally:
            connections.close_all()

    def second():
        try:
            loaded.wait(10)
            with transaction.atomic():
                due = calendar.add_workdays(dt.datetime(2026, 9, 30, 10, tzinfo=dt.timezone.utc), 1)
                assert due.date() == dt.date(2026, 10, 8)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert CalendarDay.objects.filter(date__year=2026).count() == 365
    assert CalendarYear.objects.filter(year=2026).count() == 1
