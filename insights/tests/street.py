"""A hand-counted street for the figures, built only through appeals.services.

Period: March 2026 (Asia/Shanghai). T = Monday 2 March 09:00; the figures are
read at NOW = T + 20 days. Response limit 24 h, resolution limit 5 working days.

    a1  rejected at T+1h                         (responded in time)
    a2  rejected at T+30h                        (responded late)
    a3  merged into a4 at T+2h                   (responded in time; not accepted)
    a4  handled by the grid, closed satisfied    (on time)
    a5  whistled to unit 0, closed basic         (on time, solved by whistle)
    a6  handled by the grid, resolved late, closed satisfied
    a7  whistled to unit 0, rated dissatisfied → reopened → answered again → closed satisfied
    a8  accepted, suspended
    a9  handled, failed verification (rework), overdue
    a10 whistled to unit 0, returned, whistled to unit 1, answered, verifying
    a11 received NOW-2h, still waiting within its response limit
    a12 received 25 Feb (before the period), closed satisfied 3 March
    a13 in community 2: accepted, overdue
    a14 handled, rated dissatisfied at T+19d → back in progress (reopen)
"""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from appeals import services
from appeals.workflow import Action, Channel

TZ = ZoneInfo("Asia/Shanghai")
T = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
NOW = T + dt.timedelta(days=20)
START, END = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
H, D = dt.timedelta(hours=1), dt.timedelta(days=1)


def report(world, *, at, grid=0, user="resident"):
    lng, lat = world.point_in(grid)
    return services.appeal_submit(actor=world.users[user], title="路灯不亮", content="小区门口的路灯坏了一周了，晚上很黑。",
                                  category="streetlight", lng=lng, lat=lat, channel=Channel.RESIDENT, now=at)


def run(world, appeal, steps):
    """steps: (action, user key, time, extra kwargs)."""
    for action, user, at, kwargs in steps:
        appeal = services.appeal_transition(appeal=appeal, action=action, actor=world.users[user], now=at, **kwargs)
    return appeal


def grid_close(world, appeal, *, start, resolve_at, rate_at, satisfaction="satisfied"):
    return run(world, appeal, [
        (Action.ACCEPT, "grid_worker", start + H, {}),
        (Action.HANDLE, "grid_worker", start + 2 * H, {}),
        (Action.RESOLVE, "grid_worker", resolve_at, {"note": "已修复"}),
        (Action.PASS, "grid_worker", resolve_at + H, {}),
        (Action.RATE, "resident", rate_at, {"satisfaction": satisfaction}),
    ])


def build_street(world) -> SimpleNamespace:
    """The fourteen appeals above; returns the world and the appeals by name."""
    u0, u1 = world.units[0].pk, world.units[1].pk
    a = {}
    a["a1"] = run(world, report(world, at=T), [(Action.REJECT, "grid_worker", T + H, {"note": "不属于受理范围"})])
    a["a2"] = run(world, report(world, at=T), [(Action.REJECT, "grid_worker", T + 30 * H, {"note": "重复无效"})])
    a["a4"] = report(world, at=T)
    a["a3"] = run(world, report(world, at=T), [])
    a["a4"] = run(world, a["a4"], [(Action.ACCEPT, "grid_worker", T + H, {})])
    a["a3"] = run(world, a["a3"], [(Action.MERGE, "grid_worker", T + 2 * H, {"parent": a["a4"].pk})])
    a["a4"] = run(world, a["a4"], [
        (Action.HANDLE, "grid_worker", T + 2 * H, {}),
        (Action.RESOLVE, "grid_worker", T + D, {"note": "已修复"}),
        (Action.PASS, "grid_worker", T + D + H, {}),
        (Action.RATE, "resident", T + 2 * D, {"satisfaction": "satisfied"}),
    ])
    a["a5"] = run(world, report(world, at=T), [
        (Action.ACCEPT, "street_staff", T + H, {}),
        (Action.WHISTLE, "street_staff", T + 2 * H, {"lead_unit": u0, "note": "请尽快处理"}),
        (Action.CLAIM, "unit_handler", T + 3 * H, {}),
        (Action.ANSWER, "unit_handler", T + D, {"note": "已更换灯泡"}),
        (Action.PASS, "grid_worker", T + D + 2 * H, {}),
        (Action.RATE, "resident", T + 2 * D, {"satisfaction": "basic"}),
    ])
    a["a6"] = grid_close(world, report(world, at=T), start=T, resolve_at=T + 10 * D, rate_at=T + 11 * D)
    a["a7"] = run(world, report(world, at=T), [
        (Action.ACCEPT, "street_staff", T + H, {}),
        (Action.WHISTLE, "street_staff", T + 2 * H, {"lead_unit": u0}),
        (Action.CLAIM, "unit_handler", T + 3 * H, {}),
        (Action.ANSWER, "unit_handler", T + D, {"note": "已处理"}),
        (Action.PASS, "grid_worker", T + D + H, {}),
        (Action.RATE, "resident", T + 2 * D, {"satisfaction": "dissatisfied", "note": "晚上还是不亮"}),
        (Action.ANSWER, "unit_handler", T + 3 * D, {"note": "再次维修"}),
        (Action.PASS, "grid_worker", T + 3 * D + H, {}),
        (Action.RATE, "resident", T + 4 * D, {"satisfaction": "satisfied"}),
    ])
    a["a8"] = run(world, report(world, at=T), [
        (Action.ACCEPT, "grid_worker", T + H, {}),
        (Action.SUSPEND, "community_staff", T + 2 * H, {"note": "等待业主委员会表决"}),
    ])
    a["a9"] = run(world, report(world, at=T), [
        (Action.ACCEPT, "grid_worker", T + H, {}),
        (Action.HANDLE, "grid_worker", T + 2 * H, {}),
        (Action.RESOLVE, "grid_worker", T + D, {"note": "已修复"}),
        (Action.FAIL, "grid_worker", T + D + H, {"note": "现场未修好"}),
    ])
    a["a10"] = run(world, report(world, at=T), [
        (Action.ACCEPT, "street_staff", T + H, {}),
        (Action.WHISTLE, "street_staff", T + 2 * H, {"lead_unit": u0}),
        (Action.RETURN, "unit_handler", T + 3 * H, {"note": "不属于本单位"}),
        (Action.WHISTLE, "street_staff", T + 4 * H, {"lead_unit": u1}),
        (Action.CLAIM, "unit_handler_other", T + 5 * H, {}),
        (Action.ANSWER, "unit_handler_other", T + 2 * D, {"note": "已修复水管"}),
    ])
    a["a11"] = report(world, at=NOW - 2 * H)
    feb = dt.datetime(2026, 2, 25, 9, 0, tzinfo=TZ)
    a["a12"] = grid_close(world, report(world, at=feb), start=feb, resolve_at=feb + D,
                          rate_at=dt.datetime(2026, 3, 3, 10, 0, tzinfo=TZ))
    a["a13"] = run(world, report(world, at=T, grid=2), [(Action.ACCEPT, "grid_worker_other", T + H, {})])
    a["a14"] = grid_close(world, report(world, at=T), start=T, resolve_at=T + D, rate_at=T + 19 * D,
                          satisfaction="dissatisfied")
    services.sweep_overdue(now=NOW)
    return SimpleNamespace(world=world, appeals=a)


def module_street_fixtures():
    """`street` and `world` fixtures for a test module that only reads the hand-counted street:
    built once per module (conftest.module_street), a copy per test. `make test` sends a whole
    file to one xdist worker, so once per run."""
    import pytest

    @pytest.fixture
    def street(shared_street):
        return shared_street

    @pytest.fixture
    def world(street):
        return street.world

    return street, world
