"""A bulk load inside rollups_deferred() skips the per-change rollup refresh and
ends with the rollups exactly equal to the naive figures."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest

from insights import aggregates as A
from insights import figures as F
from insights import maintenance
from insights.models import AppealDay, AppealRollup, PendingResponse
from testing.loop import act, report

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MARCH = F.make_period(dt.date(2025, 3, 1), dt.date(2025, 4, 1), T0 + dt.timedelta(days=20))


def _fig(scope) -> dict:
    naive = F.compute(A.as_scope(scope).appeals(), MARCH, unit=A.as_scope(scope).unit)
    return {k: (v.count, v.hits) for k, v in naive.items()}, {
        k: (v.count, v.hits) for k, v in A.figures(scope, MARCH).items()}


def _load(world):
    street = world.users["street_staff"]
    a = report(world, grid=0, now=T0)
    report(world, grid=2, now=T0 + dt.timedelta(hours=3))
    act(a, "accept", street, now=T0 + dt.timedelta(hours=1))
    act(a, "whistle", street, lead_unit=world.units[0], now=T0 + dt.timedelta(hours=2))
    act(a, "claim", world.users["unit_handler"], now=T0 + dt.timedelta(hours=3))
    act(a, "answer", world.users["unit_handler"], note="已修复", now=T0 + dt.timedelta(days=2))


def test_inside_the_block_nothing_is_recounted_and_at_its_end_the_rollups_are_exact(world):
    with maintenance.rollups_deferred():
        _load(world)
        assert maintenance.deferred()
        assert not AppealDay.objects.exists() and not PendingResponse.objects.exists()
    assert not maintenance.deferred()
    assert AppealDay.objects.exists() and PendingResponse.objects.count() == 1  # the one nobody responded to
    for scope in (None, world.street, world.communities[0], world.grids[0], world.units[0]):
        naive, rolled = _fig(scope)
        assert rolled == naive and naive["received"][0] >= 1, scope


def test_nested_blocks_rebuild_once_when_the_outermost_ends(world, monkeypatch):
    rebuilds = []
    monkeypatch.setattr(maintenance.rollups, "rebuild", lambda **kw: rebuilds.append(1))
    with maintenance.rollups_deferred():
        with maintenance.rollups_deferred():
            report(world, grid=0, now=T0)
        assert rebuilds == [] and maintenance.deferred()
    assert rebuilds == [1] and not maintenance.deferred()


def test_a_load_that_fails_half_way_still_leaves_exact_rollups(world):
    with pytest.raises(RuntimeError), maintenance.rollups_deferred():
        report(world, grid=1, now=T0)
        raise RuntimeError("the file ended early")
    naive, rolled = _fig(world.street)
    assert rolled == naive and naive["received"][0] == 1


def test_after_the_block_each_change_is_counted_again_at_once(world):
    with maintenance.rollups_deferred():
        report(world, grid=0, now=T0)
    report(world, grid=0, now=T0 + dt.timedelta(days=1))
    assert AppealRollup.objects.get(region=world.street.pk, unit=0, grain="m", start=dt.date(2025, 3, 1),
                                    category=0, channel="").received == 2


def test_the_switch_belongs_to_the_thread_that_turned_it_on(world):
    seen = []
    with maintenance.rollups_deferred():
        other = threading.Thread(target=lambda: seen.append(maintenance.deferred()))
        other.start()
        other.join()
    assert seen == [False]
