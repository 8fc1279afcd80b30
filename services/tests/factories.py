"""Shorthands for service-order tests: providers made directly (the registration
rules are tested on their own), orders made and moved by the real services."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from services import services
from services.models import Provider, Skill
from testing.factories import user_with_role

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def make_provider(user=None, *, username=None, kind=Provider.Kind.VOLUNTEER, area=(), skills=(), lng=None, lat=None,
                  active=True, created_at=None) -> Provider:
    """A provider serving `area` (regions) with `skills` (codes)."""
    if user is None:
        user = user_with_role(Role.RESIDENT, **({"username": username} if username else {}))
    now = created_at or timezone.now()
    provider = Provider.objects.create(user=user, kind=kind, lng=lng, lat=lat, is_active=active,
                                       approved_at=now if active else None, created_at=now)
    provider.skills.set(Skill.objects.filter(code__in=list(skills)))
    provider.service_area.set(list(area))
    return provider


def ask(world, user="resident", *, kind="service", in_community=0, **kwargs):
    """An order asked by `world.users[user]` for `world.communities[in_community]`."""
    params = dict(actor=world.users[user] if isinstance(user, str) else user, kind=kind,
                  content="厨房水龙头一直滴水，麻烦来修一下。", title="水龙头漏水",
                  community=world.communities[in_community].code)
    if kind == "errand":
        params.setdefault("items", ["身份证复印件", "户口本"])
    params.update(kwargs)
    with TestCase.captureOnCommitCallbacks(execute=True):  # notifications are written on commit
        return services.order_submit(**params)


def act(order, action, user, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.order_transition(order, action, user, **kwargs)


def committed(fn, *args, **kwargs):
    """Call a service and run what it queued for after the commit (notifications)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn(*args, **kwargs)


def png(name="photo.png", size=(8, 8), colour=(200, 30, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")
