"""Volunteering test data, made through the real services."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Role
from people.models import Person
from testing.factories import user_with_role
from volunteering import services

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# A Saturday morning activity, published the Monday before.
T_PUBLISH = at(2026, 3, 2, 10)
T_START = at(2026, 3, 7, 9)
T_END = at(2026, 3, 7, 11)


def volunteer(name: str = "张桂兰", *, id_number: str = "", phone: str = "", **kwargs):
    """A resident account with a person record (name, optional ID number and phone)."""
    person = Person.objects.create(name=name, id_number=id_number, phone=phone)
    return user_with_role(Role.RESIDENT, person=person, **kwargs)


def publish(world, *, by="community_staff", starts_at=T_START, ends_at=T_END, capacity=3, now=T_PUBLISH, **kwargs):
    params = dict(actor=world.users[by] if isinstance(by, str) else by, community=world.communities[0],
                  title="清洁家园 楼道大扫除", place="工行南小区北门", starts_at=starts_at, ends_at=ends_at,
                  capacity=capacity, now=now)
    params.update(kwargs)
    return services.activity_publish(**params)


def publish_now(world, *, start_in=dt.timedelta(minutes=-30), length=dt.timedelta(hours=2), **kwargs):
    """An activity around the real present, for pages that use the clock."""
    now = timezone.now()
    return publish(world, starts_at=now + start_in, ends_at=now + start_in + length, now=now + start_in - dt.timedelta(days=1),
                   **kwargs)
