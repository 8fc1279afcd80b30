"""Bad input through the services: a clear LinliError with the right code, and
nothing saved — no appeal, event, attachment, whistle, answer or rating, and
no file written to MEDIA_ROOT."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Role, RoleAssignment
from appeals import services
from appeals.models import Answer, Appeal, AppealEvent, Attachment, Rating, Supervision, Whistle
from appeals.workflow import Action, Channel, Status
from core.errors import Conflict, LinliError, NotAllowed, NotFound, ValidationFailed
from regions.models import Region
from testing.factories import RegionFactory, square, user_with_role
from testing.loop import act
from testing.world import build_world

pytestmark = pytest.mark.django_db

MODELS = (Appeal, AppealEvent, Attachment, Whistle, Answer, Rating, Supervision)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def world(media):
    return build_world()


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def state():
    return {m.__name__: m.objects.count() for m in MODELS}


def png(name="photo.png", size=(8, 8)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def text_as_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", "这不是图片，只是文字。".encode() * 20, content_type="image/jpeg")


def svg_as_png() -> SimpleUploadedFile:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
    return SimpleUploadedFile("photo.png", svg, content_type="image/png")


def submit(world, **overrides):
    lng, lat = world.point_in(0)
    params = dict(actor=world.users["resident"], title="路灯不亮", content="小区门口的路灯坏了一周了，晚上很黑。",
                  category="streetlight", lng=lng, lat=lat, channel=Channel.RESIDENT)
    params.update(overrides)
    return services.appeal_submit(**params)


def refused(call, error=ValidationFailed, code=None):
    """Run a call that must fail, and check it changed nothing at all."""
    before = state()
    with pytest.raises(LinliError) as info:
        call()
    assert isinstance(info.value, error), f"{type(info.value).__name__}: {info.value.message}"
    if code:
        assert info.value.code == code, info.value.message
    assert info.value.message and "%(" not in info.value.message
    assert state() == before
    return info.value


# ---------------------------------------------------------------- submitting

SUBMIT_CASES = {
    "text coordinates": (dict(lng="东经106度", lat="北纬39度"), "bad_coordinates"),
    "NaN": (dict(lng=float("nan"), lat=39.665), "bad_coordinates"),
    "NaN as text": (dict(lng="nan", lat="nan"), "bad_coordinates"),
    "infinite": (dict(lng="inf", lat=39.665), "bad_coordinates"),
    "longitude out of range": (dict(lng=286.805, lat=39.665), "bad_coordinates"),
    "latitude out of range": (dict(lng=106.805, lat=-95), "bad_coordinates"),
    "lat and lng swapped": (dict(lng=39.665, lat=106.805), "bad_coordinates"),
    "only a longitude": (dict(lng=106.805, lat=None), "bad_coordinates"),
    "empty latitude": (dict(lng=106.805, lat=""), "bad_coordinates"),
    "outside every grid (Beijing)": (dict(lng=116.397, lat=39.909), "outside_grids"),
    "just outside the street": (dict(lng=106.8405, lat=39.665), "outside_grids"),
    "no location at all": (dict(lng=None, lat=None), "no_location"),
    "unknown grid code": (dict(lng=None, lat=None, grid_code="150302004999999"), "unknown_grid"),
    "unknown building": (dict(lng=None, lat=None, building_id=987654), "unknown_building"),
    "building id not a number": (dict(lng=None, lat=None, building_id="1 OR 1=1"), "unknown_building"),
    "unknown category": (dict(category="flying_saucer"), "unknown_category"),
    "empty category": (dict(category=""), "unknown_category"),
    "non-leaf category": (dict(category="municipal"), "category_not_leaf"),
    "script in title": (dict(title="<script>alert(1)</script>"), "markup"),
    "html in content": (dict(content='路灯坏了 <img src=x onerror="alert(1)"> 请处理'), "markup"),
    "event handler in content": (dict(content="路灯坏了 onmouseover='alert(1)' 请处理"), "markup"),
    "javascript url in address": (dict(address="javascript:alert(document.cookie)"), "markup"),
    "markup in reporter name": (dict(reporter_name="<b>张三</b>"), "markup"),
    "bad phone": (dict(reporter_phone="12345"), "bad_phone"),
    "phone with letters": (dict(reporter_phone="1381234567a"), "bad_phone"),
    "content missing": (dict(content="   "), "required"),
    "content only control characters": (dict(content="\x00\x01\x02"), "required"),
    "content too short": (dict(content="灯坏"), "too_short"),
    "content too long": (dict(content="灯" * 4001), "too_long"),
    "title too long": (dict(title="长" * 121), "too_long"),
    "unknown channel": (dict(channel="carrier_pigeon"), "invalid"),
    "unknown urgency": (dict(urgency="panic"), "invalid"),
}


@pytest.mark.parametrize("case", list(SUBMIT_CASES))
def test_submit_refuses_bad_input_and_saves_nothing(world, media, case):
    overrides, code = SUBMIT_CASES[case]
    refused(lambda: submit(world, **overrides), code=code)
    assert files_in(media) == []


def test_an_inactive_category_is_unknown(world, media):
    world.category.is_active = False
    world.category.save()
    refused(lambda: submit(world), code="unknown_category")


def test_a_resident_cannot_record_a_hotline_call(world, media):
    refused(lambda: submit(world, channel=Channel.HOTLINE), error=NotAllowed)


def test_anonymous_cannot_submit(world, media):
    from django.contrib.auth.models import AnonymousUser

    refused(lambda: submit(world, actor=AnonymousUser()), error=NotAllowed)


def test_a_png_is_accepted_stored_under_a_random_name(world, media):
    appeal = submit(world, photos=[png("门口.exe.png", size=(40, 30))])
    att = Attachment.objects.get(appeal=appeal)
    assert (att.content_type, att.width, att.height, att.original_name) == ("image/png", 40, 30, "门口.exe.png")
    stored = Path(att.file.path)
    assert stored.is_file() and stored.suffix == ".png" and "门口" not in stored.name
    assert media in stored.parents
    assert att.event.action == "submit"


@pytest.mark.parametrize("make,code", [
    (text_as_jpg, "not_an_image"),
    (svg_as_png, "not_an_image"),
    (lambda: SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"), "not_an_image"),
    (lambda: SimpleUploadedFile("cut.png", png().read()[:40], content_type="image/png"), "not_an_image"),
])
def test_files_that_are_not_pictures_are_refused(world, media, make, code):
    refused(lambda: submit(world, photos=[make()]), code=code)
    assert files_in(media) == []


def test_an_oversize_photo_is_refused(world, media, settings):
    settings.UPLOAD_MAX_BYTES = 200
    big = png(size=(64, 64))
    assert big.size > 200
    err = refused(lambda: submit(world, photos=[big]), code="file_too_large")
    assert "photo.png" in err.message
    assert files_in(media) == []


def test_an_oversize_file_that_hides_its_size_is_refused(world, media, settings):
    settings.UPLOAD_MAX_BYTES = 200

    class Stream(io.BytesIO):
        name = "stream.png"

    big = png(size=(64, 64)).read()
    refused(lambda: submit(world, photos=[Stream(big)]), code="file_too_large")


def test_one_bad_photo_among_good_ones_saves_none_of_them(world, media):
    refused(lambda: submit(world, photos=[png("a.png"), png("b.png"), text_as_jpg()]), code="not_an_image")
    assert files_in(media) == []


def test_too_many_photos(world, media, settings):
    refused(lambda: submit(world, photos=[png(f"{i}.png") for i in range(settings.UPLOAD_MAX_FILES + 1)]),
            code="too_many_files")
    assert files_in(media) == []


# ---------------------------------------------------------------- the loop



def in_state(world, status):
    """A fresh appeal taken to `status` (the unit-held path for whistled and later)."""
    u = world.users
    appeal = submit(world)
    path = {
        "submitted": [],
        "accepted": [(Action.ACCEPT, "street_staff", {})],
        "in_progress": [(Action.ACCEPT, "grid_worker", {}), (Action.HANDLE, "grid_worker", {})],
        "whistled": [(Action.ACCEPT, "street_staff", {}),
                     (Action.WHISTLE, "street_staff", {"lead_unit": world.units[0].pk})],
    }
    steps = path[status] if status in path else path["whistled"] + [(Action.CLAIM, "unit_handler", {})]
    if status in ("verifying", "revisiting"):
        steps += [(Action.ANSWER, "unit_handler", {"note": "已修复"})]
    if status == "revisiting":
        steps += [(Action.PASS, "grid_worker", {})]
    for action, who, kw in steps:
        appeal = act(appeal, action, u[who], **kw)
    assert appeal.status == status
    return appeal


def unchanged(appeal):
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.status, fresh.version, fresh.parent_id, fresh.lead_unit_id) == (
        appeal.status, appeal.version, appeal.parent_id, appeal.lead_unit_id)


NOTE_REQUIRED = [
    ("submitted", Action.REJECT, "grid_worker"),
    ("accepted", Action.ESCALATE, "community_staff"),
    ("in_progress", Action.ESCALATE, "grid_worker"),
    ("in_progress", Action.RESOLVE, "grid_worker"),
    ("whistled", Action.RETURN, "unit_handler"),
    ("claimed", Action.ANSWER, "unit_handler"),
    ("verifying", Action.FAIL, "grid_worker"),
    ("revisiting", Action.CLOSE, "community_staff"),
    ("accepted", Action.SUSPEND, "community_staff"),
]


@pytest.mark.parametrize("status,action,who", NOTE_REQUIRED)
@pytest.mark.parametrize("note,code", [("", "required"), ("   \n ", "required"), ("<b>修好了</b>", "markup")])
def test_a_required_note_must_be_given_and_plain(world, media, status, action, who, note, code):
    appeal = in_state(world, status)
    user = world.users[who]
    refused(lambda: act(appeal, action, user, note=note), code=code)
    unchanged(appeal)


def test_an_unknown_action(world, media):
    appeal = in_state(world, "submitted")
    refused(lambda: act(appeal, "approve", world.users["street_staff"]), code="unknown_action")
    refused(lambda: act(appeal, "", world.users["street_staff"]), code="unknown_action")
    unchanged(appeal)


@pytest.mark.parametrize("ref", ["abc", None, 987654, "1; DROP TABLE appeals_appeal"])
def test_an_unknown_appeal_is_not_found(world, media, ref):
    refused(lambda: act(ref, Action.ACCEPT, world.users["street_staff"]), error=NotFound)


def test_a_garbled_expected_version_is_a_conflict_not_a_crash(world, media):
    appeal = in_state(world, "submitted")
    err = refused(lambda: act(appeal, Action.ACCEPT, world.users["grid_worker"], expected_version="v1<script>"),
                  error=Conflict)
    assert err.status == 409
    unchanged(appeal)


def test_a_deadline_may_be_given_as_iso_text(world, media):
    appeal = in_state(world, "accepted")
    due = (timezone.localtime() + dt.timedelta(days=3)).replace(microsecond=0)
    appeal = act(appeal, Action.WHISTLE, world.users["street_staff"], lead_unit=world.units[0].pk,
                 deadline=due.isoformat())
    assert appeal.resolve_due == due == Whistle.objects.get(appeal=appeal).deadline


def test_merge_needs_a_real_other_appeal(world, media):
    u = world.users
    appeal = in_state(world, "submitted")
    refused(lambda: act(appeal, Action.MERGE, u["grid_worker"]), code="parent_required")
    refused(lambda: act(appeal, Action.MERGE, u["grid_worker"], parent=appeal.pk), code="merge_self")
    refused(lambda: act(appeal, Action.MERGE, u["grid_worker"], parent=987654), code="parent_not_found")
    refused(lambda: act(appeal, Action.MERGE, u["grid_worker"], parent="abc"), code="parent_not_found")
    # An appeal in another grid exists, but the grid worker cannot see it: no hint that it exists.
    elsewhere = submit(world, lng=world.point_in(2)[0], lat=world.point_in(2)[1])
    refused(lambda: act(appeal, Action.MERGE, u["grid_worker"], parent=elsewhere.pk), code="parent_not_found")
    rejected = submit(world)
    act(rejected, Action.REJECT, u["grid_worker"], note="重复")
    refused(lambda: act(appeal, Action.MERGE, u["grid_worker"], parent=rejected.pk), code="merge_rejected")
    unchanged(appeal)


def test_merge_into_an_appeal_whose_root_is_itself(world, media):
    u = world.users
    appeal, child = in_state(world, "submitted"), submit(world)
    act(child, Action.MERGE, u["grid_worker"], parent=appeal.pk)
    appeal.refresh_from_db()
    refused(lambda: act(appeal, Action.MERGE, u["grid_worker"], parent=child.pk), code="merge_self")
    unchanged(appeal)


def test_merge_into_another_street(world, media):
    lng0, lat0 = 106.90, 39.66
    street2 = RegionFactory(code="150302005", name="第二街道", level=Region.Level.STREET, geometry=square(lng0, lat0, 0.01))
    community2 = RegionFactory(code="150302005001", name="第二社区", level=Region.Level.COMMUNITY, parent=street2,
                               geometry=square(lng0, lat0, 0.01))
    RegionFactory(code="150302005001001", name="第二网格", level=Region.Level.GRID, parent=community2,
                  geometry=square(lng0, lat0, 0.01))
    both = user_with_role(Role.STREET_STAFF, region=world.street, username="both_streets")
    RoleAssignment.objects.create(user=both, role=Role.STREET_STAFF, region=street2)
    appeal = in_state(world, "submitted")
    other = submit(world, lng=lng0 + 0.005, lat=lat0 + 0.005)
    assert other.street == street2
    refused(lambda: act(appeal, Action.MERGE, both, parent=other.pk), code="merge_other_street")
    # Street staff of the first street only: the other street's appeal is invisible.
    refused(lambda: act(appeal, Action.MERGE, world.users["street_staff"], parent=other.pk), code="parent_not_found")
    unchanged(appeal)


@pytest.mark.parametrize("kwargs,code", [
    ({}, "unit_required"),
    ({"lead_unit": ""}, "unit_required"),
    ({"lead_unit": 987654}, "unknown_unit"),
    ({"lead_unit": "水务局"}, "unknown_unit"),
    ({"lead_unit": "LEAD", "helper_units": [987654]}, "unknown_unit"),
    ({"lead_unit": "LEAD", "deadline_workdays": 0}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline_workdays": -3}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline_workdays": 61}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline_workdays": "三天"}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline": "PAST"}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline": "next week"}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline": 3}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline": "2026-02-30T09:00:00"}, "bad_deadline"),
    ({"lead_unit": "LEAD", "deadline": dt.date(2020, 1, 1)}, "bad_deadline"),
])
def test_whistle_needs_a_unit_and_a_sensible_deadline(world, media, kwargs, code):
    appeal = in_state(world, "accepted")
    kwargs = dict(kwargs)
    if kwargs.get("lead_unit") == "LEAD":
        kwargs["lead_unit"] = world.units[0].pk
    if kwargs.get("deadline") == "PAST":
        kwargs["deadline"] = timezone.now() - dt.timedelta(hours=1)
    refused(lambda: act(appeal, Action.WHISTLE, world.users["street_staff"], note="请处理", **kwargs), code=code)
    unchanged(appeal)


def test_an_inactive_unit_cannot_be_whistled(world, media):
    appeal = in_state(world, "accepted")
    world.units[1].is_active = False
    world.units[1].save()
    refused(lambda: act(appeal, Action.WHISTLE, world.users["street_staff"], lead_unit=world.units[1].pk),
            code="unknown_unit")
    unchanged(appeal)


@pytest.mark.parametrize("satisfaction", ["", "great", "满意", None])
def test_a_rating_must_be_one_of_the_three(world, media, satisfaction):
    appeal = in_state(world, "revisiting")
    refused(lambda: act(appeal, Action.RATE, world.users["resident"], satisfaction=satisfaction),
            code="bad_satisfaction")
    unchanged(appeal)


def test_a_bad_file_on_a_transition_saves_nothing(world, media):
    appeal = in_state(world, "claimed")
    refused(lambda: act(appeal, Action.ANSWER, world.users["unit_handler"], note="已修复", files=[png(), text_as_jpg()]),
            code="not_an_image")
    unchanged(appeal)
    assert files_in(media) == []


def test_a_refused_transition_writes_no_file_even_with_a_good_photo(world, media):
    appeal = in_state(world, "claimed")
    refused(lambda: act(appeal, Action.ANSWER, world.users["unit_handler_other"], note="已修复", files=[png()]),
            error=NotFound)
    refused(lambda: act(appeal, Action.PASS, world.users["grid_worker"], files=[png()]), error=LinliError)
    unchanged(appeal)
    assert files_in(media) == []


def test_an_answer_with_a_photo_keeps_it_on_the_event(world, media):
    appeal = in_state(world, "claimed")
    act(appeal, Action.ANSWER, world.users["unit_handler"], note="已修复", files=[png("修好后.png")])
    att = Attachment.objects.get(appeal=appeal)
    assert att.event.action == "answer" and Path(att.file.path).is_file()
    assert Status(Appeal.objects.get(pk=appeal.pk).status) == Status.VERIFYING


@pytest.mark.parametrize("ref", ["abc", "", None, "1 OR 1=1", 987654])
def test_opening_or_supervising_a_garbled_appeal_id_is_not_found(world, media, ref):
    from appeals.selectors import get_appeal

    with pytest.raises(NotFound):
        get_appeal(world.users["street_staff"], ref)
    refused(lambda: services.supervise(appeal_id=ref, actor=world.users["street_staff"], note="请加快"), error=NotFound)
