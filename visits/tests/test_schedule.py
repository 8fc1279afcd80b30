"""The visit schedule across months with known due dates (the issue asks for these)."""

import datetime as dt

import pytest

from visits.workflow import (
    SubjectStatus,
    add_months,
    most_frequent,
    next_due,
    schedule_status,
)

D = dt.date


@pytest.mark.parametrize("last, frequency, expected", [
    # weekly and fortnightly count days, across month and year ends
    (D(2024, 1, 29), "weekly", D(2024, 2, 5)),
    (D(2024, 2, 26), "weekly", D(2024, 3, 4)),          # leap February has 29 days
    (D(2023, 2, 26), "weekly", D(2023, 3, 5)),
    (D(2024, 12, 28), "weekly", D(2025, 1, 4)),         # over the year end
    (D(2024, 12, 20), "fortnightly", D(2025, 1, 3)),
    (D(2024, 2, 20), "fortnightly", D(2024, 3, 5)),
    # monthly is a calendar month, kept inside the month
    (D(2024, 1, 31), "monthly", D(2024, 2, 29)),        # leap year
    (D(2023, 1, 31), "monthly", D(2023, 2, 28)),
    (D(2024, 3, 31), "monthly", D(2024, 4, 30)),
    (D(2024, 8, 31), "monthly", D(2024, 9, 30)),
    (D(2024, 12, 31), "monthly", D(2025, 1, 31)),       # over the year end
    (D(2024, 12, 15), "monthly", D(2025, 1, 15)),
    (D(2024, 2, 29), "monthly", D(2024, 3, 29)),
    (D(2024, 11, 30), "bimonthly", D(2025, 1, 30)),
    (D(2023, 12, 31), "bimonthly", D(2024, 2, 29)),
    (D(2024, 11, 30), "quarterly", D(2025, 2, 28)),     # 2025 is not a leap year
    (D(2023, 11, 30), "quarterly", D(2024, 2, 29)),
    (D(2024, 10, 1), "quarterly", D(2025, 1, 1)),
    (D(2024, 8, 31), "half_yearly", D(2025, 2, 28)),
    (D(2027, 8, 31), "half_yearly", D(2028, 2, 29)),
    (D(2024, 7, 15), "half_yearly", D(2025, 1, 15)),
])
def test_next_due_after_a_visit(last, frequency, expected):
    assert next_due(last, frequency, start=D(2020, 1, 1)) == expected


def test_a_new_subject_is_due_at_once_or_from_its_start():
    assert next_due(None, "monthly", start=D(2024, 5, 6)) == D(2024, 5, 6)
    assert next_due(None, "weekly", start=D(2025, 1, 1)) == D(2025, 1, 1)


def test_a_visit_before_the_start_does_not_count():
    assert next_due(D(2024, 4, 1), "monthly", start=D(2024, 5, 6)) == D(2024, 5, 6)
    assert next_due(D(2024, 5, 6), "monthly", start=D(2024, 5, 6)) == D(2024, 6, 6)


def test_a_chain_of_monthly_visits_on_the_due_day_drifts_only_at_short_months():
    """Visiting on each due day from 31 Jan: Feb 29 then the 29th on (the month end is not kept)."""
    day, seen = D(2024, 1, 31), []
    for _ in range(4):
        day = next_due(day, "monthly", start=D(2024, 1, 1))
        seen.append(day)
    assert seen == [D(2024, 2, 29), D(2024, 3, 29), D(2024, 4, 29), D(2024, 5, 29)]


@pytest.mark.parametrize("day, months, expected", [
    (D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2024, 1, 31), 13, D(2025, 2, 28)), (D(2024, 5, 31), 12, D(2025, 5, 31)),
    (D(2024, 12, 1), 1, D(2025, 1, 1)), (D(2024, 6, 30), 0, D(2024, 6, 30)), (D(2024, 3, 31), -1, D(2024, 2, 29)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("due, today, expected", [
    (D(2024, 3, 10), D(2024, 3, 11), SubjectStatus.OVERDUE),   # overdue the day after the due date
    (D(2024, 3, 10), D(2024, 3, 10), SubjectStatus.DUE),       # on the day: due, not overdue
    (D(2024, 3, 10), D(2024, 3, 3), SubjectStatus.DUE),        # within the week
    (D(2024, 3, 10), D(2024, 3, 2), SubjectStatus.OK),
    (D(2025, 1, 2), D(2024, 12, 31), SubjectStatus.DUE),       # across the year end
    (D(2024, 12, 31), D(2025, 1, 1), SubjectStatus.OVERDUE),
    (None, D(2024, 1, 1), SubjectStatus.OK),
])
def test_schedule_status(due, today, expected):
    assert schedule_status(due, today) == expected


def test_several_tags_take_the_most_frequent():
    assert most_frequent(["quarterly", "weekly", "monthly"]) == "weekly"
    assert most_frequent(["half_yearly", "bimonthly"]) == "bimonthly"
    assert most_frequent([]) is None


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError):
        next_due(D(2024, 1, 1), "hourly")
