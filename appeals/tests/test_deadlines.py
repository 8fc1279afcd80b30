"""Time limits (限时办理): working days on the Chinese calendar with its 调休,
response limits in clock hours, and what happens past the calendar's data.

Expected dates are worked out by hand below from the State Council's 2026
schedule; `test_the_package_agrees_with_the_schedule_used_here` checks those
facts against chinese-calendar itself, so a wrong assumption fails loudly
there rather than silently in the arithmetic tests.
"""

import datetime as dt

import pytest

from appeals import services
from appeals.models import Whistle
from appeals.workflow import Action, Channel, Status
from core import calendar
from core.models import CalendarDay, CalendarYear
from testing.world import build_world
from testing.loop import act, at, end_of

pytestmark = pytest.mark.django_db







# The 2026 schedule these tests rely on (国办发明电〔2025〕7号), as (date, is_workday).
SCHEDULE_2026 = [
    (dt.date(2026, 2, 14), True),    # Saturday, adjusted working day before the Spring Festival
    *[(dt.date(2026, 2, d), False) for d in range(15, 24)],  # 春节 15–23 February
    (dt.date(2026, 2, 24), True),
    (dt.date(2026, 2, 28), True),    # Saturday, adjusted working day after it
    (dt.date(2026, 3, 1), False),    # an ordinary Sunday
    (dt.date(2026, 9, 19), False),   # an ordinary Saturday
    (dt.date(2026, 9, 20), True),    # Sunday, adjusted working day for National Day
    *[(dt.date(2026, 9, d), False) for d in (25, 26, 27)],  # 中秋 25–27 September
    *[(dt.date(2026, 10, d), False) for d in range(1, 8)],  # 国庆 1–7 October
    (dt.date(2026, 10, 8), True),
    (dt.date(2026, 10, 10), True),   # Saturday, adjusted working day
    (dt.date(2026, 10, 11), False),
    (dt.date(2026, 12, 31), True),
]


def test_the_package_agrees_with_the_schedule_used_here():
    import chinese_calendar

    assert [(d, chinese_calendar.is_workday(d)) for d, _ in SCHEDULE_2026] == SCHEDULE_2026
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2027, 1, 4))


def test_the_table_is_seeded_lazily_from_the_package():
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    assert [(d, calendar.is_workday(d)) for d, _ in SCHEDULE_2026] == SCHEDULE_2026
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.CHINESE_CALENDAR
    assert CalendarDay.objects.filter(date__year=2026).count() == 365
    assert CalendarDay.objects.get(date=dt.date(2026, 2, 14)).name == "Spring Festival"


@pytest.mark.parametrize("start,days,due", [
    # Spring Festival 2026
    (at(2026, 2, 13), 1, end_of(2026, 2, 14)),      # Friday → the adjusted Saturday
    (at(2026, 2, 13), 2, end_of(2026, 2, 24)),      # then nine days off
    (at(2026, 2, 12), 5, end_of(2026, 2, 26)),      # 13, 14, 24, 25, 26
    (at(2026, 2, 14), 1, end_of(2026, 2, 24)),      # received on the adjusted Saturday itself
    (at(2026, 2, 18), 1, end_of(2026, 2, 24)),      # received during the holiday
    (at(2026, 2, 24), 4, end_of(2026, 2, 28)),      # 25, 26, 27, Saturday 28
    (at(2026, 2, 24), 5, end_of(2026, 3, 2)),       # Sunday 1 March is a rest day
    # Mid-autumn and National Day 2026
    (at(2026, 9, 18), 1, end_of(2026, 9, 20)),      # Saturday off, Sunday 20 worked
    (at(2026, 9, 24), 1, end_of(2026, 9, 28)),      # 中秋 Friday to Sunday
    (at(2026, 9, 30), 1, end_of(2026, 10, 8)),
    (at(2026, 9, 30), 3, end_of(2026, 10, 10)),     # 8, 9, Saturday 10
    (at(2026, 9, 30), 4, end_of(2026, 10, 12)),     # Sunday 11 is off
    (at(2026, 9, 29), 5, end_of(2026, 10, 12)),     # 30, 8, 9, 10, 12
    # Zero days: the end of the day of receipt
    (at(2026, 10, 3), 0, end_of(2026, 10, 3)),
])
def test_add_workdays_across_the_2026_holidays(start, days, due):
    assert calendar.add_workdays(start, days) == due


def test_the_day_of_receipt_is_the_local_date_not_the_utc_one():
    # 17:00 UTC on 13 February is 01:00 on Saturday 14 February in Shanghai.
    start = dt.datetime(2026, 2, 13, 17, 0, tzinfo=dt.timezone.utc)
    assert calendar.add_workdays(start, 1) == end_of(2026, 2, 24)
    assert calendar.add_workdays(start - dt.timedelta(hours=2), 1) == end_of(2026, 2, 14)


@pytest.mark.parametrize("start,end,n", [
    (at(2026, 2, 13), at(2026, 2, 26), 4),   # 14, 24, 25, 26
    (at(2026, 9, 30), at(2026, 10, 12), 4),  # 8, 9, 10, 12
    (at(2026, 10, 1), at(2026, 10, 7), 0),
    (at(2026, 10, 12), at(2026, 10, 9), 0),  # end before start
])
def test_workdays_between(start, end, n):
    assert calendar.workdays_between(start, end) == n


def test_a_deadline_into_an_unknown_year_falls_back_to_weekends_and_says_so():
    # chinese-calendar 1.11 stops at 2026: 1 January 2027 (a Friday) counts as a working day.
    due = calendar.add_workdays(at(2026, 12, 30), 5)
    assert due == end_of(2027, 1, 6)  # 31 Dec, Fri 1 Jan, Mon 4, Tue 5, Wed 6
    assert calendar.missing_years([2026, 2027]) == [2027]
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    # Far beyond any data: still an answer, never an exception.
    assert calendar.add_workdays(at(2031, 3, 7), 60) == end_of(2031, 5, 30)  # a Friday plus twelve weeks
    assert calendar.missing_years([2031]) == [2031]


def test_an_administrator_imported_year_changes_the_result():
    before = calendar.add_workdays(at(2026, 12, 30), 5)
    # Import only the exceptions: New Year's Day off, and a made-up adjusted Saturday 9 January.
    calendar.set_year(2027, {dt.date(2027, 1, 1): (False, "元旦"), dt.date(2027, 1, 9): (True, "调休")},
                      source=CalendarYear.Source.IMPORT, note="国办发明电")
    assert calendar.missing_years([2026, 2027]) == []
    assert CalendarDay.objects.filter(date__year=2027).count() == 365
    after = calendar.add_workdays(at(2026, 12, 30), 5)
    assert (before, after) == (end_of(2027, 1, 6), end_of(2027, 1, 7))  # 31, 4, 5, 6, 7
    assert calendar.add_workdays(at(2027, 1, 8), 1) == end_of(2027, 1, 9)
    assert calendar.workdays_between(at(2026, 12, 31), at(2027, 1, 11)) == 7  # 4, 5, 6, 7, 8, Saturday 9, 11


# ---------------------------------------------------------------- through the services

@pytest.fixture
def world():
    return build_world()


def submit(world, now, **kwargs):
    lng, lat = world.point_in(0)
    params = dict(actor=world.users["resident"], content="小区门口的路灯坏了一周了，晚上很黑。", category="streetlight",
                  lng=lng, lat=lat, channel=Channel.RESIDENT, now=now)
    params.update(kwargs)
    return services.appeal_submit(**params)




def test_the_response_limit_is_in_clock_hours_even_over_a_holiday(world):
    world.category.urgent_response_hours = 2
    world.category.save()
    appeal = submit(world, at(2026, 2, 17, 21, 30))  # 春节 holiday, late evening
    assert appeal.response_due == at(2026, 2, 18, 21, 30)  # 24 hours later, holiday or not
    urgent = submit(world, at(2026, 2, 17, 23, 30), urgency="urgent")
    assert urgent.response_due == at(2026, 2, 18, 1, 30)


def test_accepting_sets_the_resolve_limit_in_working_days(world):
    appeal = submit(world, at(2026, 9, 30, 9))
    appeal = act(appeal, Action.ACCEPT, world.users["grid_worker"], now=at(2026, 9, 30, 10))
    assert appeal.resolve_due == end_of(2026, 10, 13)  # 8, 9, Saturday 10, 12, 13
    assert appeal.responded_at == at(2026, 9, 30, 10)


def test_a_whistle_deadline_in_working_days_crosses_the_spring_festival(world):
    u = world.users
    appeal = submit(world, at(2026, 2, 12, 9))
    appeal = act(appeal, Action.ACCEPT, u["street_staff"], now=at(2026, 2, 12, 10))
    appeal = act(appeal, Action.WHISTLE, u["street_staff"], lead_unit=world.units[0].pk, deadline_workdays=3,
                 now=at(2026, 2, 13, 16))
    assert appeal.resolve_due == end_of(2026, 2, 25)  # Saturday 14, 24, 25
    assert Whistle.objects.get(appeal=appeal).deadline == end_of(2026, 2, 25)


def test_answering_on_the_last_day_is_on_time_and_a_day_later_is_not(world):
    u = world.users
    results = []
    for answered in (at(2026, 2, 25, 23, 0), at(2026, 2, 26, 9, 0)):
        appeal = submit(world, at(2026, 2, 12, 9))
        act(appeal, Action.ACCEPT, u["street_staff"], now=at(2026, 2, 12, 10))
        act(appeal, Action.WHISTLE, u["street_staff"], lead_unit=world.units[0].pk, deadline_workdays=3,
            now=at(2026, 2, 13, 16))
        act(appeal, Action.CLAIM, u["unit_handler"], now=at(2026, 2, 14, 9))
        appeal = act(appeal, Action.ANSWER, u["unit_handler"], note="已修复", now=answered)
        results.append(appeal.handled_on_time)
    assert results == [True, False]


def test_overdue_is_judged_by_the_working_day_deadline(world):
    u = world.users
    appeal = submit(world, at(2026, 9, 30, 9))
    act(appeal, Action.ACCEPT, u["grid_worker"], now=at(2026, 9, 30, 10))  # due end of 13 October
    assert services.sweep_overdue(now=at(2026, 10, 13, 23, 0)) == 0
    assert services.sweep_overdue(now=at(2026, 10, 14, 0, 30)) == 1
    appeal.refresh_from_db()
    assert appeal.is_overdue and appeal.status == Status.ACCEPTED


def test_a_deadline_into_2027_through_the_service_does_not_crash(world):
    appeal = submit(world, at(2026, 12, 30, 9))
    appeal = act(appeal, Action.ACCEPT, world.users["grid_worker"], now=at(2026, 12, 30, 10))
    assert appeal.resolve_due == end_of(2027, 1, 6)
    assert calendar.missing_years([2027]) == [2027]
