"""Shorthands for visits tests: a small world with households and people,
subjects made and visits recorded through the real services."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from people.models import Person
from regions.models import Household
from testing.factories import BuildingFactory, EstateFactory, PersonFactory
from visits import services
from visits.models import CareTag

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def tag(code="living_alone", frequency=None) -> CareTag:
    services.ensure_default_tags()
    t = CareTag.objects.get(code=code) if CareTag.objects.filter(code=code).exists() else CareTag.objects.create(
        code=code, name=code, frequency=frequency or "monthly")
    if frequency and t.frequency != frequency:
        t.frequency = frequency
        t.save()
    return t


def building(world, grid_index=0, *, number=None):
    grid = world.grids[grid_index]
    estate = EstateFactory(community=grid.parent)
    lng, lat = world.point_in(grid_index)
    return BuildingFactory(estate=estate, grid=grid, lng=lng, lat=lat, **({"number": number} if number else {}))


def household(world, grid_index=0, *, room="101", bld=None) -> Household:
    bld = bld or building(world, grid_index)
    return Household.objects.create(building=bld, room=room)


def person(world, grid_index=0, *, name="王奶奶", phone="13800001111", hh=None, id_number="150302194501011234") -> Person:
    hh = hh or household(world, grid_index)
    return PersonFactory(name=name, phone=phone, household=hh, id_number=id_number)


def subject(world, grid_index=0, *, tags=("living_alone",), actor="grid_worker", now=None, **kwargs):
    p = kwargs.pop("person", None) or person(world, grid_index)
    user = world.users[actor] if isinstance(actor, str) else actor
    for code in tags:
        tag(code)
    return committed(services.subject_save, actor=user, person=p, tags=list(tags), now=now, **kwargs)


def committed(fn, *args, **kwargs):
    """Call a service and run what it queued for after the commit (notifications)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn(*args, **kwargs)


def png(name="photo.png", size=(8, 8), colour=(30, 120, 200)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")
