"""Opening hours on constructed cases: weekday, weekend, holiday, overnight
ranges, exceptions, 24h, and what staff may type."""

import datetime as dt

import pytest

from core.errors import ValidationFailed
from places import hours as H

from .factories import at

OFFICE = {d: ((510, 720), (840, 1080)) for d in range(5)}  # Mon–Fri 08:30–12:00, 14:00–18:00
# 2024-05-06 is a Monday; 2024-05-11 a Saturday (a 调休 working day, the place still follows its weekday rule).


def schedule(**kw):
    return H.Schedule(weekly=kw.pop("weekly", OFFICE), **kw)


@pytest.mark.parametrize("moment, expected", [
    (at(2024, 5, 6, 8, 29), False),
    (at(2024, 5, 6, 8, 30), True),
    (at(2024, 5, 6, 11, 59), True),
    (at(2024, 5, 6, 12, 0), False),  # the end minute is closed
    (at(2024, 5, 6, 13, 0), False),
    (at(2024, 5, 6, 14, 0), True),
    (at(2024, 5, 10, 17, 59), True),  # Friday
    (at(2024, 5, 12, 10, 0), False),  # Sunday
])
def test_weekdays_and_the_weekend(moment, expected):
    assert H.is_open(schedule(), moment) is expected


def test_next_change_on_a_weekday_and_over_the_weekend():
    s = schedule()
    assert H.next_change(s, at(2024, 5, 6, 9, 0)) == at(2024, 5, 6, 12, 0)
    assert H.next_change(s, at(2024, 5, 6, 12, 30)) == at(2024, 5, 6, 14, 0)
    assert H.next_change(s, at(2024, 5, 10, 18, 0)) == at(2024, 5, 13, 8, 30)  # Friday evening → Monday


def test_an_overnight_range_runs_into_the_next_day():
    s = schedule(weekly={4: ((1320, 360),)})  # Friday 22:00 – Saturday 06:00
    assert H.is_open(s, at(2024, 5, 10, 21, 59)) is False
    assert H.is_open(s, at(2024, 5, 10, 23, 0)) is True
    assert H.is_open(s, at(2024, 5, 11, 5, 59)) is True
    assert H.is_open(s, at(2024, 5, 11, 6, 0)) is False
    assert H.next_change(s, at(2024, 5, 11, 1, 0)) == at(2024, 5, 11, 6, 0)
    assert H.is_open(s, at(2024, 5, 9, 23, 0)) is False  # Thursday night: no range


def test_24h_every_day_never_changes_and_says_so():
    s = schedule(weekly={d: ((0, 1440),) for d in range(7)})
    assert H.is_open(s, at(2024, 5, 12, 3, 0))
    assert H.next_change(s, at(2024, 5, 12, 3, 0)) is None
    assert H.status(s, at(2024, 5, 12, 3, 0)).state == "open_24h"


def test_ranges_touching_over_midnight_merge():
    s = schedule(weekly={0: ((1080, 0),), 1: ((0, 600),)})  # Mon 18:00–24:00, Tue 00:00–10:00
    assert H.next_change(s, at(2024, 5, 6, 20, 0)) == at(2024, 5, 7, 10, 0)


def test_statutory_holidays_close_only_places_that_say_so():
    national_day = dt.date(2024, 10, 1)  # a Tuesday
    moment = at(2024, 10, 1, 10, 0)
    assert H.is_open(schedule(holidays=frozenset({national_day})), moment) is True
    closing = schedule(closes_on_holidays=True, holidays=frozenset({national_day}))
    assert H.is_open(closing, moment) is False
    assert H.is_open(closing, at(2024, 10, 8, 10, 0)) is True


@pytest.mark.django_db
def test_holidays_come_from_the_platform_calendar():
    days = H.holidays_between(dt.date(2024, 9, 28), dt.date(2024, 10, 9))
    assert dt.date(2024, 10, 1) in days and dt.date(2024, 10, 7) in days
    assert dt.date(2024, 10, 8) not in days
    assert dt.date(2024, 9, 29) not in days  # a Sunday made a working day (调休) is no holiday


def test_an_exception_closes_a_day_or_sets_special_hours():
    closed = schedule(special={dt.date(2024, 5, 6): ()})
    assert H.is_open(closed, at(2024, 5, 6, 9, 0)) is False
    assert H.next_change(closed, at(2024, 5, 6, 9, 0)) == at(2024, 5, 7, 8, 30)
    short = schedule(special={dt.date(2024, 5, 12): ((540, 720),)})  # a Sunday opened 09:00–12:00
    assert H.is_open(short, at(2024, 5, 12, 10, 0)) is True
    assert H.is_open(short, at(2024, 5, 12, 13, 0)) is False


def test_an_exception_wins_over_the_holiday_rule():
    day = dt.date(2024, 10, 2)
    s = schedule(closes_on_holidays=True, holidays=frozenset({day}), special={day: ((540, 660),)})
    assert H.is_open(s, at(2024, 10, 2, 10, 0)) is True


def test_a_closed_day_does_not_cut_the_previous_nights_range():
    s = schedule(weekly={0: ((1320, 360),)}, special={dt.date(2024, 5, 7): ()})
    assert H.is_open(s, at(2024, 5, 7, 2, 0)) is True


@pytest.mark.parametrize("moment, state, label_has", [
    (at(2024, 5, 6, 9, 0), "open", "12:00"),
    (at(2024, 5, 6, 7, 0), "opens_later", "08:30"),
    (at(2024, 5, 6, 19, 0), "closed_today", "08:30"),
    (at(2024, 5, 11, 10, 0), "closed_today", "08:30"),
])
def test_status_in_words(moment, state, label_has):
    st = H.status(schedule(), moment)
    assert st.state == state and label_has in st.label


def test_a_place_with_no_hours_is_closed():
    st = H.status(H.Schedule(), at(2024, 5, 6, 9, 0))
    assert (st.open_now, st.state, st.changes_at) == (False, "closed", None)


@pytest.mark.parametrize("text, expected", [
    ("08:30-12:00, 14:00-18:00", [(510, 720), (840, 1080)]),
    ("14:00-18:00，08:30-12:00", [(510, 720), (840, 1080)]),
    ("8：00 至 12：00", [(480, 720)]),
    ("22:00-06:00", [(1320, 360)]),
    ("18:00-24:00", [(1080, 0)]),
    ("24h", [(0, 1440)]), ("全天", [(0, 1440)]), ("00:00-24:00", [(0, 1440)]),
    ("", []), ("休息", []),
])
def test_reading_hours(text, expected):
    assert H.parse_ranges(text) == expected


@pytest.mark.parametrize("text, code", [
    ("25:00-26:00", "bad_time"), ("08:60-09:00", "bad_time"), ("24:00-06:00", "bad_time"),
    ("08:00-12:00, 11:00-13:00", "overlapping_hours"), ("20:00-02:00, 23:00-23:30", "overlapping_hours"),
    ("08:00-08:00", "bad_hours"), ("早上八点", "bad_hours"),
    ("08:00-09:00, 09:00-10:00, 10:00-11:00, 11:00-12:00, 12:00-13:00, 13:00-14:00, 14:00-15:00", "bad_hours"),
])
def test_bad_hours_are_refused_with_a_clear_message(text, code):
    with pytest.raises(ValidationFailed) as e:
        H.parse_ranges(text)
    assert e.value.code == code and e.value.message


def test_overnight_overlap_with_the_next_day_is_refused_also_over_the_weeks_end():
    with pytest.raises(ValidationFailed) as e:
        H.parse_week({0: "22:00-06:00", 1: "05:00-09:00"})
    assert e.value.code == "overlapping_hours"
    with pytest.raises(ValidationFailed):
        H.parse_week({6: "22:00-06:00", 0: "05:30-09:00"})
    assert H.parse_week({6: "22:00-06:00", 0: "06:00-09:00"})[0] == [(360, 540)]
