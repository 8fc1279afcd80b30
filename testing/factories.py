"""factory_boy factories shared by every app's tests."""

import factory
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from appeals.models import Category
from people.models import Person, Unit
from regions.models import Building, Estate, Region


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat], [lng + size, lat + size],
                                                [lng, lat + size], [lng, lat]]]}


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"{150302000000000 + n}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = Region.Level.GRID

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        geometry = kwargs.get("geometry")
        if geometry:
            from shapely.geometry import shape

            g = shape(geometry)
            kwargs.setdefault("min_lng", g.bounds[0])
            kwargs.setdefault("min_lat", g.bounds[1])
            kwargs.setdefault("max_lng", g.bounds[2])
            kwargs.setdefault("max_lat", g.bounds[3])
            kwargs.setdefault("centroid_lng", g.centroid.x)
            kwargs.setdefault("centroid_lat", g.centroid.y)
        return super()._create(model_class, *args, **kwargs)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"职能部门{n}")
    kind = Unit.Kind.DEPARTMENT


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"cat_{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
    response_hours = 24
    resolve_workdays = 5


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"居民{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")
    date_joined = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role: str, *, region=None, unit=None, building=None, is_leader=False, **kwargs) -> User:
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(user=user, role=role, region=region, unit=unit, building=building, is_leader=is_leader)
    return user


class EstateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estate

    name = factory.Sequence(lambda n: f"小区{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    number = factory.Sequence(lambda n: f"{n}号楼")


__all__ = ["Role"]
