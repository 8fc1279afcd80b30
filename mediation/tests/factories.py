"""Shorthands for mediation tests: disputes made and moved by the real services,
with their on-commit notifications written."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from mediation import services

SHANGHAI = ZoneInfo("Asia/Shanghai")

NEIGHBOURS = [{"name": "王大爷", "phone": "13900001111", "role": "applicant"},
              {"name": "李阿姨", "phone": "13900002222", "role": "respondent"}]


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def committed(fn, *args, **kwargs):
    """Call a service and run what it queued for after the commit (notifications)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn(*args, **kwargs)


def record(world, user="grid_worker", *, grid=0, **kwargs):
    """A quiet neighbours' dispute (low risk) recorded by `world.users[user]` in `world.grids[grid]`."""
    params = dict(actor=world.users[user] if isinstance(user, str) else user, title="楼上漏水",
                  description="楼上卫生间漏水到楼下，双方协商赔偿未果。", dispute_type="neighbour", source="grid",
                  parties=[dict(p) for p in NEIGHBOURS], grid=world.grids[grid])
    params.update(kwargs)
    return committed(services.dispute_record, **params)


def act(dispute, action, user, **kwargs):
    return committed(services.dispute_transition, dispute=dispute, action=action, actor=user, **kwargs)


def png(name="signed.png", size=(8, 8)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (250, 250, 250)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def pdf(name="signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")


def to_state(world, status: str, *, user="community_staff", now=None, **record_kwargs):
    """A dispute driven through the real services to `status`."""
    staff = world.users[user]
    kw = {"now": now} if now else {}
    d = record(world, **record_kwargs, **kw)
    if status == "recorded":
        return d
    if status == "withdrawn":
        return act(d, "withdraw", staff, note="双方自行和解", **kw)
    d = act(d, "accept", staff, mediator_name="张调解", mediator_kind="peoples_mediator", **kw)
    if status == "accepted":
        return d
    d = act(d, "start", staff, **kw)
    if status == "mediating":
        return d
    if status in ("referred", "feedback_received"):
        d = act(d, "refer", staff, partner="court", note="涉及房屋产权，转法院诉调", **kw)
        if status == "feedback_received":
            d = act(d, "feedback", staff, result="returned", note="法院建议继续调解", **kw)
        return d
    d = act(d, "agree", staff, facts="楼上漏水致楼下天花板受损。", terms="楼上赔偿800元并修复防水。", **kw)
    if status == "agreed":
        return d
    d = act(d, "sign", staff, signed_copy=png(), **kw)
    if status == "following_up":
        return d
    committed(services.follow_up_record, actor=staff, dispute=d, holds=True, note="协议已履行", **kw)
    d = act(d, "close", staff, **kw)
    assert status == "closed", status
    return d
