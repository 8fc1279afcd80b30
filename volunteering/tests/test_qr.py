"""The venue code: a phone that scans a genuine, fresh code checks its owner in
or out; forged, expired, foreign or seatless scans are refused with a clear
message and record nothing."""

import datetime as dt
import json

import pytest
import segno
from django.core import signing
from django.utils import timezone

from core.errors import InvalidTransition, NotAllowed
from testing.world import build_world
from volunteering import services, tokens, views
from volunteering.models import ActivityEvent, Signup
from volunteering.tokens import BadCode, ExpiredCode, make_token
from volunteering.workflow import Method

from .factories import T_END, T_PUBLISH, T_START, at, publish, publish_now, volunteer

pytestmark = pytest.mark.django_db

ARRIVE = at(2026, 3, 7, 8, 55)
LEAVE = at(2026, 3, 7, 10, 40)


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def scene(world):
    activity = publish(world, capacity=2)
    person = volunteer("张桂兰", username="zhang")
    services.signup(actor=person, activity=activity.pk, now=T_PUBLISH)
    return activity, person


def signup_of(person, activity) -> Signup:
    return Signup.objects.get(user=person, activity=activity)


def test_a_fresh_code_checks_in_and_out_and_hours_follow(scene):
    activity, person = scene
    result = services.scan(actor=person, token=make_token(activity.pk, "in", now=ARRIVE), now=ARRIVE + dt.timedelta(seconds=20))
    assert result.recorded and result.direction == "in"
    s = signup_of(person, activity)
    assert s.checked_in_at == ARRIVE + dt.timedelta(seconds=20) and s.check_in_method == Method.QR

    result = services.scan(actor=person, token=make_token(activity.pk, "out", now=LEAVE), now=LEAVE)
    s = signup_of(person, activity)
    assert result.recorded and s.checked_out_at == LEAVE and s.check_out_method == Method.QR
    assert str(s.hours) == "1.6"  # 09:00 (start; arrived earlier) to 10:40


def test_scanning_twice_keeps_the_first_time(scene):
    activity, person = scene
    services.scan(actor=person, token=make_token(activity.pk, "in", now=ARRIVE), now=ARRIVE)
    later = ARRIVE + dt.timedelta(minutes=30)
    again = services.scan(actor=person, token=make_token(activity.pk, "in", now=later), now=later)
    assert not again.recorded
    assert signup_of(person, activity).checked_in_at == ARRIVE
    assert ActivityEvent.objects.filter(activity=activity, action="check_in").count() == 1


def test_an_expired_code_is_refused(scene):
    activity, person = scene
    old = make_token(activity.pk, "in", now=ARRIVE)
    with pytest.raises(ExpiredCode) as e:
        services.scan(actor=person, token=old, now=ARRIVE + dt.timedelta(seconds=tokens.MAX_AGE + 1))
    assert "expired" in e.value.message and e.value.status == 400
    # Just inside the two minutes it still works.
    services.scan(actor=person, token=old, now=ARRIVE + dt.timedelta(seconds=tokens.MAX_AGE - 1))
    assert signup_of(person, activity).checked_in_at is not None


def _payload_swapped(token: str, activity_id: int) -> str:
    payload, stamp, sig = token.split(":")
    forged = signing.b64_encode(json.dumps({"a": activity_id, "d": "in"}, separators=(",", ":")).encode()).decode()
    return f"{forged}:{stamp}:{sig}"


@pytest.mark.parametrize("forge", [
    "tampered signature", "another activity", "wrong salt", "default salt", "garbage", "empty", "future",
])
def test_forged_codes_are_refused(scene, world, forge):
    activity, person = scene
    other = publish(world, title="另一个活动")
    services.signup(actor=person, activity=other.pk, now=T_PUBLISH)
    genuine = make_token(activity.pk, "in", now=ARRIVE)
    token = {
        "tampered signature": genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        "another activity": _payload_swapped(genuine, other.pk),
        "wrong salt": signing.TimestampSigner(salt="something.else").sign_object({"a": activity.pk, "d": "in"}),
        "default salt": signing.dumps({"a": activity.pk, "d": "in"}),
        "garbage": "not-a-token:at:all",
        "empty": "",
        "future": make_token(activity.pk, "in", now=ARRIVE + dt.timedelta(hours=1)),
    }[forge]
    with pytest.raises(BadCode) as e:
        services.scan(actor=person, token=token, now=ARRIVE)
    assert "not a valid check-in code" in e.value.message
    assert not Signup.objects.filter(user=person, checked_in_at__isnull=False).exists()


def test_a_code_with_a_bad_payload_but_a_genuine_signature_is_still_refused(scene):
    activity, person = scene
    signer = tokens._Signer(ARRIVE)
    for obj in ({"a": str(activity.pk), "d": "in"}, {"a": activity.pk, "d": "sideways"}, ["a", 1]):
        with pytest.raises(BadCode):
            services.scan(actor=person, token=signer.sign_object(obj), now=ARRIVE)


def test_no_seat_no_check_in(scene, world):
    activity, _person = scene
    stranger = world.users["resident2"]
    with pytest.raises(NotAllowed) as e:
        services.scan(actor=stranger, token=make_token(activity.pk, "in", now=ARRIVE), now=ARRIVE)
    assert e.value.code == "no_signup"
    # A third person when two seats are taken waits, and cannot check in either.
    services.signup(actor=world.users["resident"], activity=activity.pk, now=T_PUBLISH)
    services.signup(actor=stranger, activity=activity.pk, now=T_PUBLISH)
    with pytest.raises(NotAllowed) as e:
        services.scan(actor=stranger, token=make_token(activity.pk, "in", now=ARRIVE), now=ARRIVE)
    assert e.value.code == "waitlisted"


def test_outside_the_window_and_after_finishing_refused(scene, world):
    activity, person = scene
    early = T_START - dt.timedelta(hours=1, minutes=1)
    with pytest.raises(InvalidTransition):
        services.scan(actor=person, token=make_token(activity.pk, "in", now=early), now=early)
    late = T_END + dt.timedelta(hours=2, minutes=1)
    with pytest.raises(InvalidTransition):
        services.scan(actor=person, token=make_token(activity.pk, "in", now=late), now=late)
    services.scan(actor=person, token=make_token(activity.pk, "in", now=ARRIVE), now=ARRIVE)
    services.activity_finish(actor=world.users["community_staff"], activity=activity.pk, now=T_END)
    with pytest.raises(InvalidTransition):
        services.scan(actor=person, token=make_token(activity.pk, "out", now=T_END), now=T_END)


def test_out_before_in_is_refused(scene):
    activity, person = scene
    with pytest.raises(InvalidTransition) as e:
        services.scan(actor=person, token=make_token(activity.pk, "out", now=ARRIVE), now=ARRIVE)
    assert "check in first" in e.value.message


# ---------------------------------------------------------------- the screen and the phone

def test_the_venue_screen_shows_a_code_that_a_phone_can_use(client, world, monkeypatch):
    activity = publish_now(world)
    person = volunteer("赵雪梅", username="zhao")
    services.signup(actor=person, activity=activity.pk, now=timezone.now() - dt.timedelta(hours=1))
    made = []

    def recording(*args, **kwargs):
        made.append(tokens.make_token(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(views, "make_token", recording)
    client.force_login(world.users["community_staff"])
    page = client.get(f"/volunteering/activities/{activity.pk}/venue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 30s"' in html
    # The picture on the screen is the QR code of the absolute scan URL of the token just made.
    scan_url = f"http://testserver/volunteering/scan/{made[-1]}/"
    assert segno.make(scan_url, error="m").svg_inline(scale=8, border=2, dark="#000", light="#fff", omitsize=True) in html
    assert tokens.read_token(made[-1]) == (activity.pk, "in")
    fragment = client.get(f"/volunteering/activities/{activity.pk}/venue/code/?direction=out", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<svg" in fragment.content.decode()
    assert tokens.read_token(made[-1]) == (activity.pk, "out")

    client.force_login(person)
    confirm = client.get(scan_url)
    assert confirm.status_code == 200 and "Check me in" in confirm.content.decode()
    assert signup_of(person, activity).checked_in_at is None  # looking is not checking in
    done = client.post(scan_url)
    assert done.status_code == 200 and "Checked in" in done.content.decode()
    assert signup_of(person, activity).checked_in_at is not None


def test_the_venue_screen_is_for_whoever_runs_the_activity(client, world):
    activity = publish_now(world)
    for who in ("resident", "community_staff_other"):
        client.force_login(world.users[who])
        assert client.get(f"/volunteering/activities/{activity.pk}/venue/").status_code == 404
        assert client.get(f"/volunteering/activities/{activity.pk}/venue/code/").status_code == 404


def test_scanning_logged_out_goes_through_the_login_and_back(client, world):
    activity = publish_now(world)
    url = f"/volunteering/scan/{make_token(activity.pk, 'in')}/"
    response = client.get(url)
    assert response.status_code == 302 and "next=" in response["Location"]


def test_the_phone_page_explains_a_bad_or_old_code(client, world):
    activity = publish_now(world)
    person = volunteer("赵雪梅", username="zhao")
    services.signup(actor=person, activity=activity.pk, now=timezone.now() - dt.timedelta(hours=1))
    client.force_login(person)
    old = make_token(activity.pk, "in", now=timezone.now() - dt.timedelta(minutes=5))
    for method in (client.get, client.post):
        response = method(f"/volunteering/scan/{old}/")
        assert response.status_code == 400 and "expired" in response.content.decode()
        response = method("/volunteering/scan/forged:token:here/")
        assert response.status_code == 400 and "not a valid check-in code" in response.content.decode()
    assert signup_of(person, activity).checked_in_at is None
