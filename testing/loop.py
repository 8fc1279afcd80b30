"""Shorthands for tests that drive the appeal loop through the real services."""

import datetime as dt
from zoneinfo import ZoneInfo

from appeals import services
from appeals.workflow import Channel

SHANGHAI = ZoneInfo("Asia/Shanghai")


def report(world, user="resident", grid=0, **kwargs):
    """A streetlight appeal pinned at the centre of `grid`, by `world.users[user]`."""
    lng, lat = world.point_in(grid)
    params = dict(actor=world.users[user], title="路灯不亮", content="小区门口的路灯坏了一周了，晚上很黑。",
                  category="streetlight", lng=lng, lat=lat, channel=Channel.RESIDENT)
    params.update(kwargs)
    return services.appeal_submit(**params)


def act(appeal, action, user, **kwargs):
    return services.appeal_transition(appeal=appeal, action=action, actor=user, **kwargs)


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    """A moment in Shanghai time."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def end_of(y, m, d) -> dt.datetime:
    """How a working-day deadline falling on that date reads."""
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)
