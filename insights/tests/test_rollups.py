"""Rollups equal the naive figures, field by field, in random worlds driven
through the real appeal loop, and stay equal after further random changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals import services
from appeals.models import Appeal
from appeals.workflow import TRANSITIONS, Action, Channel, Satisfaction, Status
from core.errors import LinliError
from insights import aggregates as A
from insights import figures as F
from insights import rollups
from insights.models import AppealDay, AppealRollup, PendingResponse, WhistleRollup
from testing.factories import CategoryFactory

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2025, 3, 20, 9, 0, tzinfo=TZ)
CHANNELS = [Channel.RESIDENT, Channel.HOTLINE, Channel.PATROL]
UNIT_ACTIONS = {Action.CLAIM, Action.RETURN, Action.ANSWER}


class Rollback(Exception):
    pass


def _fig(values: F.Figures) -> dict:
    return {k: (v.count, v.hits) for k, v in values.items()}


def _breakdown(b: F.Breakdown) -> list:
    return [(r.label, [(c.key, c.count, c.hits) for c in r.cells], r.bar) for r in b.rows]


def _weeks(ws) -> list:
    return [(w.start, w.received.count, w.closed.count, w.received_bar, w.closed_bar) for w in ws]


def _actor(world, appeal, action):
    if action in UNIT_ACTIONS:
        return world.users["unit_handler" if appeal.lead_unit_id == world.units[0].pk else "unit_handler_other"]
    return world.users["street_staff"]


def _step(world, data, appeals, now):
    """One random real action on one random appeal (or a new appeal, or the overdue sweep)."""
    kind = data.draw(st.sampled_from(["submit", "act", "act", "act", "act", "sweep"]))
    if kind == "submit" or not appeals:
        grid = data.draw(st.integers(0, 3))
        channel = data.draw(st.sampled_from(CHANNELS))
        category = data.draw(st.sampled_from(["streetlight", "noise"]))
        user = "resident" if channel == Channel.RESIDENT else "street_staff"
        lng, lat = world.point_in(grid)
        appeals.append(services.appeal_submit(
            actor=world.users[user], content="楼下路灯坏了好几天了", category=category, channel=channel,
            lng=lng, lat=lat, now=now).pk)
        return
    if kind == "sweep":
        services.sweep_overdue(now=now)
        return
    appeal = Appeal.objects.get(pk=data.draw(st.sampled_from(appeals)))
    possible = [a for a, t in TRANSITIONS.items() if appeal.status in t.sources]
    if not possible:
        return
    action = data.draw(st.sampled_from(possible))
    kwargs = {"note": "处理情况说明"}
    if action == Action.MERGE:
        kwargs["parent"] = data.draw(st.sampled_from(appeals))
    if action == Action.WHISTLE:
        kwargs["lead_unit"] = data.draw(st.sampled_from(world.units))
        kwargs["deadline_workdays"] = data.draw(st.integers(1, 3))
    if action == Action.RATE:
        kwargs["satisfaction"] = data.draw(st.sampled_from(list(Satisfaction)))
    try:
        services.appeal_transition(appeal=appeal, action=action, actor=_actor(world, appeal, action), now=now, **kwargs)
    except LinliError:
        pass  # refused and rolled back, like on the page


def _drive(world, data, appeals, now, steps):
    for _i in range(steps):
        now += dt.timedelta(hours=data.draw(st.integers(0, 60)))
        _step(world, data, appeals, now)
    return now


def _periods(data, now):
    today = now.astimezone(TZ).date()
    days = st.integers(-75, 3).map(lambda d: today + dt.timedelta(days=d))
    first = data.draw(st.none() | days)
    last = data.draw(st.none() | days)
    month = today.replace(day=1)
    return [
        F.make_period(first, last, now),
        F.make_period(month, today + dt.timedelta(days=1), now),
        F.make_period((month - dt.timedelta(days=1)).replace(day=1), month, now),
        F.make_period(now - dt.timedelta(hours=30), now, now),  # not whole days: the naive path
    ]


def _check(world, data, now):
    scopes = [None, world.street, *world.communities, *world.grids, *world.units]
    for scope in data.draw(st.lists(st.sampled_from(scopes), min_size=3, max_size=5, unique_by=lambda s: str(s))):
        s = A.as_scope(scope)
        appeals = s.appeals()
        for period in _periods(data, now):
            assert _fig(A.figures(scope, period)) == _fig(F.compute(appeals, period, unit=s.unit)), (scope, period)
            assert _breakdown(A.by_category(scope, period)) == _breakdown(F.by_category(appeals, period))
            assert _breakdown(A.by_channel(scope, period)) == _breakdown(F.by_channel(appeals, period))
            assert _breakdown(A.by_community(scope, period)) == _breakdown(F.by_community(appeals, period))
            assert _breakdown(A.by_unit(scope, period)) == _breakdown(F.by_unit(appeals, period, s.unit))
            naive_grids = F._grouped(appeals, period, F.BY_COMMUNITY_COLUMNS, ["grid_id", "grid__name"],
                                     lambda r: r["grid__name"], "received")
            assert _breakdown(A.by_grid(scope, period))[:] == [
                (r.label, [(c.key, c.count, c.hits) for c in r.cells], r.bar) for r in naive_grids]
        today = now.astimezone(TZ).date()
        assert _weeks(A.by_week(scope, weeks=6, until=today, now=now)) == _weeks(
            F.by_week(appeals, weeks=6, until=today, now=now))
        assert _weeks(A.by_month(scope, months=3, until=today, now=now)) == _weeks(
            A.by_month_naive(appeals, months=3, until=today, now=now))


@pytest.mark.django_db
def test_rollups_equal_naive_figures_after_random_changes(world):
    CategoryFactory(code="noise", name="噪音", parent=world.category.parent)

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
    @given(st.data())
    def run(data):
        try:
            with transaction.atomic():
                appeals: list[int] = []
                now = _drive(world, data, appeals, T0, data.draw(st.integers(4, 25)))
                _check(world, data, now)
                now = _drive(world, data, appeals, now, data.draw(st.integers(1, 12)))
                _check(world, data, now)
                # A rebuild from the raw tables gives the same answers as the rows kept current.
                rollups.rebuild()
                _check(world, data, now)
                raise Rollback
        except Rollback:
            pass

    run()


def _row_set(model, fields):
    return sorted(tuple(r[f] for f in fields) for r in model.objects.values(*fields) if any(
        r[f] for f in fields if f in rollups.APPEAL_FIELDS + rollups.WHISTLE_FIELDS))


@pytest.mark.django_db
def test_rebuild_recreates_the_rows_kept_current(world):
    """Rows maintained change by change are the rows a rebuild makes (zero rows aside)."""
    from testing.loop import act, report

    street = world.users["street_staff"]
    a = report(world, grid=1, now=T0)
    b = report(world, grid=2, now=T0 + dt.timedelta(days=1))
    act(a, "accept", street, now=T0 + dt.timedelta(hours=1))
    act(a, "whistle", street, lead_unit=world.units[0], now=T0 + dt.timedelta(hours=2))
    act(a, "claim", world.users["unit_handler"], now=T0 + dt.timedelta(hours=3))
    act(a, "answer", world.users["unit_handler"], note="已修复", now=T0 + dt.timedelta(days=2))
    act(a, "pass", street, now=T0 + dt.timedelta(days=2, hours=1))
    act(a, "rate", street, satisfaction="satisfied", now=T0 + dt.timedelta(days=3))
    act(b, "reject", street, note="不属于受理范围", now=T0 + dt.timedelta(days=2))
    fields_a = ["region", "unit", "grain", "start", "category", "channel", *rollups.APPEAL_FIELDS]
    fields_w = ["region", "grain", "start", "unit", *rollups.WHISTLE_FIELDS]
    kept = _row_set(AppealRollup, fields_a), _row_set(WhistleRollup, fields_w)
    assert AppealRollup.objects.filter(closed=1).exists()
    call_command("rebuild_rollups", verbosity=0)
    assert (_row_set(AppealRollup, fields_a), _row_set(WhistleRollup, fields_w)) == kept
    assert not PendingResponse.objects.exists()  # both were responded to
    assert AppealDay.objects.filter(unit=world.units[0].pk, closed=1, solved_by_whistle=1).count() == 1


@pytest.mark.django_db
def test_a_refused_change_leaves_the_rollups_alone(world):
    from testing.loop import report

    a = report(world, grid=0, now=T0)
    before = list(AppealRollup.objects.order_by("pk").values())
    with pytest.raises(LinliError):
        services.appeal_transition(appeal=a, action="reject", actor=world.users["street_staff"], note="",
                                   now=T0 + dt.timedelta(hours=1))  # a rejection needs its reason
    assert list(AppealRollup.objects.order_by("pk").values()) == before
    assert Appeal.objects.get(pk=a.pk).status == Status.SUBMITTED
    assert PendingResponse.objects.filter(appeal_id=a.pk).exists()


@pytest.mark.django_db
def test_a_grid_moved_to_another_street_counts_there_from_its_next_change(world):
    """Grid ancestors are looked up afresh for each change: a re-parented grid (or a grid
    id reused after a rolled-back test or a flushed database) must not keep adding to the
    old street's rows."""
    from regions.models import Region
    from testing.factories import RegionFactory
    from testing.loop import report

    report(world, grid=0, now=T0)
    other_street = RegionFactory(code="150302005", name="另一街道", level=Region.Level.STREET)
    other_community = RegionFactory(code="150302005001", name="另一社区", level=Region.Level.COMMUNITY,
                                    parent=other_street)
    grid = world.grids[0]
    grid.parent = other_community
    grid.save()
    report(world, grid=0, now=T0 + dt.timedelta(hours=1))
    period = F.make_period(dt.date(2025, 1, 1), dt.date(2025, 7, 1), T0 + dt.timedelta(days=1))  # whole months
    for scope in (world.street, other_street, other_community):
        assert _fig(A.figures(scope, period)) == _fig(F.compute(A.as_scope(scope).appeals(), period)), scope
    assert A.figures(other_street, period)["received"].count == 1
