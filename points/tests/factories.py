"""Factories for the points tests: people who live in a community (through a
household), 爱心超市 items, and points booked through the real services."""

import itertools

import factory

from accounts.models import Role
from people.models import Person
from points import services
from points.models import Reward, Source
from regions.models import Building, Estate, Household, Region
from testing.factories import PersonFactory, user_with_role

_seq = itertools.count(1)


def household_in(community: Region) -> Household:
    grid = Region.objects.filter(parent=community, level=Region.Level.GRID).order_by("code").first()
    n = next(_seq)
    estate, _ = Estate.objects.get_or_create(community=community, name=f"{community.name}小区")
    building = Building.objects.create(estate=estate, number=f"{n}号楼", grid=grid)
    return Household.objects.create(building=building, room=f"{n}01")


def resident_of(community: Region, *, name: str | None = None, phone: str | None = None, username: str | None = None,
                role: str = Role.RESIDENT):
    """A user whose person lives in `community`."""
    n = next(_seq)
    person = PersonFactory(name=name or f"居民{n}", phone=phone or f"139{n:08d}", household=household_in(community))
    return user_with_role(role, username=username or f"res{n}", person=person)


def person_without_household(*, name: str = "流动志愿者"):
    person = Person.objects.create(name=name, phone=f"137{next(_seq):08d}")
    return user_with_role(Role.RESIDENT, username=f"nohome{person.pk}", person=person)


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reward

    name = factory.Sequence(lambda n: f"礼品{n}")
    points = 50
    stock = 10
    is_active = True


def fund(user, amount: int, *, community: Region | None = None, source_id: str | None = None):
    """Give someone points as an award (the way other apps credit)."""
    return services.credit(user=user, amount=amount, source=Source.AWARD, source_id=source_id or f"fund-{next(_seq)}",
                           reason="表彰奖励", community=community)
