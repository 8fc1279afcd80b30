"""Factories for the party tests: orgs, members with a home and an account,
and rows of the apps 双报到 reads service from (orders, activities, patrols)."""

import datetime as dt
from decimal import Decimal

import factory

from accounts.models import Role, RoleAssignment
from party.models import PartyMember, PartyOrg
from regions.models import Building, Estate, Household
from testing.factories import PersonFactory, UserFactory


class PartyOrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyOrg

    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = PartyOrg.Kind.BRANCH


class PartyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyMember

    person = factory.SubFactory(PersonFactory)
    org = factory.SubFactory(PartyOrgFactory)


def building_in(world, community_index: int = 0, *, number: str | None = None) -> Building:
    """A building in the first grid of the community (an estate per community, made once)."""
    community = world.communities[community_index]
    estate, _ = Estate.objects.get_or_create(community=community, name=f"{community.name}小区")
    grid = world.grids[community_index * 2]
    number = number or f"{Building.objects.filter(estate=estate).count() + 1}号楼"
    building, _ = Building.objects.get_or_create(estate=estate, number=number, defaults={"grid": grid})
    return building


def household_in(world, community_index: int = 0, *, room: str | None = None, building: Building | None = None) -> Household:
    building = building or building_in(world, community_index, number="1号楼")
    room = room or f"{Household.objects.filter(building=building).count() + 101}"
    household, _ = Household.objects.get_or_create(building=building, entrance=1, room=room)
    return household


def resident_of(world, community_index: int = 0, *, name: str | None = None, username: str | None = None,
                role: str = Role.RESIDENT, **role_scope):
    """A user whose person lives in a household of the community."""
    person = PersonFactory(household=household_in(world, community_index), **({"name": name} if name else {}))
    user = UserFactory(person=person, **({"username": username} if username else {}))
    RoleAssignment.objects.create(user=user, role=role, **role_scope)
    return user


def member_of(world, community_index: int = 0, *, employer=None, account: bool = True, name: str | None = None,
              username: str | None = None, anchor: bool = False, role: str = Role.PARTY_MEMBER,
              **role_scope) -> PartyMember:
    """A party member living in the community; in service when `employer` is given."""
    household = household_in(world, community_index)
    person = PersonFactory(household=household, **({"name": name} if name else {}))
    member = PartyMemberFactory(person=person, employer=employer, anchor_household=household if anchor else None,
                                joined_on=dt.date(2001, 7, 1))
    if anchor:
        Household.objects.filter(pk=household.pk).update(is_party_anchor=True)
    if account:
        user = UserFactory(person=person, **({"username": username} if username else {}))
        RoleAssignment.objects.create(user=user, role=role, **role_scope)
    return member


def user_of(member: PartyMember):
    return member.person.user


# ---------------------------------------------------------------- service from the other apps

def order_done(user, community, at: dt.datetime, title: str = "帮老人换灯泡"):
    """A service order done by the user as provider (services app)."""
    from services.models import Provider, ServiceOrder

    provider, _ = Provider.objects.get_or_create(user=user, defaults={
        "kind": Provider.Kind.PARTY_MEMBER, "is_active": True, "created_at": at - dt.timedelta(days=60)})
    return ServiceOrder.objects.create(kind="service", title=title, content=title, status="done", status_since=at,
                                       community=community, provider=provider, accepted_at=at - dt.timedelta(hours=2),
                                       done_at=at, created_at=at - dt.timedelta(days=1), updated_at=at)


def checked_in(user, community, at: dt.datetime, title: str = "社区环境整治志愿活动", organiser=None):
    """A volunteer activity the user checked in to (volunteering app)."""
    from volunteering.models import Activity, Signup

    activity = Activity.objects.create(community=community, title=title, place="社区广场", starts_at=at,
                                       ends_at=at + dt.timedelta(hours=2), capacity=20, max_hours=Decimal("2.0"),
                                       organiser=organiser or user, created_at=at - dt.timedelta(days=7))
    return Signup.objects.create(activity=activity, user=user, status="confirmed", signed_up_at=at - dt.timedelta(days=3),
                                 confirmed_at=at - dt.timedelta(days=3), checked_in_at=at, check_in_method="qr")


def patrol(world, user, at: dt.datetime, *, channel: str = "patrol", grid: int = 0):
    """An appeal recorded by the user on patrol (appeals app)."""
    from appeals import services as appeal_services

    lng, lat = world.point_in(grid)
    return appeal_services.appeal_submit(actor=user, title="巡查发现井盖破损", content="巡查发现小区东侧井盖破损，存在安全隐患。",
                                         category="streetlight", lng=lng, lat=lat, channel=channel, now=at)
