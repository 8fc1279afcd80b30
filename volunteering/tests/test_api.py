"""Volunteering through /api/v1/ with Bearer tokens: the same operations as the
pages, data made by the services."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from testing.world import build_world
from volunteering import services
from volunteering.models import HoursCertificate, Signup
from volunteering.tokens import make_token

from .factories import publish, publish_now, volunteer

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


class Api:
    def __init__(self, client, user=None):
        self.client = client
        self.headers = {}
        if user is not None:
            _, key = ApiToken.issue(user, "test")
            self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(API + path, data or {}, content_type="application/json", headers=self.headers)

    def delete(self, path):
        return self.client.delete(API + path, headers=self.headers)


def test_teams_list_and_join(client, world):
    team = services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                                name="助残助老服务队", kind="disability_elderly")
    api = Api(client, world.users["resident"])
    listed = api.get("/teams")
    assert listed.status_code == 200
    item = listed.json()["items"][0]
    assert item["name"] == "助残助老服务队" and item["kind"] == "disability_elderly" and item["my_status"] is None
    assert item["community"]["code"] == world.communities[0].code

    joined = api.post(f"/teams/{team.pk}/join", {"note": "退休教师"})
    assert joined.status_code == 201 and joined.json()["status"] == "pending"
    assert api.get("/teams").json()["items"][0]["my_status"] == "pending"
    again = api.post(f"/teams/{team.pk}/join")
    assert again.status_code == 409 and again.json()["code"] == "already_member"
    assert api.post("/teams/999999/join").status_code == 404


def test_activities_signup_waitlist_and_cancel(client, world):
    activity = publish(world, starts_at=timezone.now() + dt.timedelta(days=1),
                       ends_at=timezone.now() + dt.timedelta(days=1, hours=2), capacity=1, now=timezone.now())
    first, second = Api(client, world.users["resident"]), Api(client, world.users["resident2"])
    listed = first.get("/activities")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert listed.json()["items"][0]["seats_left"] == 1

    seat = first.post(f"/activities/{activity.pk}/signup")
    assert seat.status_code == 201 and seat.json()["status"] == "confirmed"
    wait = second.post(f"/activities/{activity.pk}/signup")
    assert wait.status_code == 201 and wait.json()["status"] == "waitlisted" and wait.json()["waitlist_position"] == 1
    dup = second.post(f"/activities/{activity.pk}/signup")
    assert dup.status_code == 409 and dup.json()["code"] == "already_signed_up"

    detail = second.get(f"/activities/{activity.pk}").json()
    assert detail["my_signup"]["status"] == "waitlisted" and detail["seats_left"] == 0 and not detail["can_run"]

    gone = first.delete(f"/activities/{activity.pk}/signup")
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert second.get(f"/activities/{activity.pk}").json()["my_signup"]["status"] == "confirmed"
    assert first.delete(f"/activities/{activity.pk}/signup").status_code == 404
    assert first.get("/activities/999999").status_code == 404


def test_checkin_by_token_and_my_hours_and_certificate(client, world):
    activity = publish_now(world, start_in=dt.timedelta(minutes=-90), length=dt.timedelta(hours=2))
    person = volunteer("张桂兰", username="zhang")
    services.signup(actor=person, activity=activity.pk, now=activity.starts_at - dt.timedelta(hours=1))
    api = Api(client, person)

    checked = api.post("/checkin", {"token": make_token(activity.pk, "in")})
    assert checked.status_code == 200
    assert checked.json()["direction"] == "in" and checked.json()["recorded"] is True
    assert checked.json()["activity"]["id"] == activity.pk
    assert api.post("/checkin", {"token": make_token(activity.pk, "in")}).json()["recorded"] is False

    expired = api.post("/checkin", {"token": make_token(activity.pk, "out", now=timezone.now() - dt.timedelta(minutes=3))})
    assert expired.status_code == 400 and expired.json()["code"] == "expired_code"
    forged = api.post("/checkin", {"token": make_token(activity.pk, "out")[:-3] + "abc"})
    assert forged.status_code == 400 and forged.json()["code"] == "bad_code"

    # Checked in half an hour late; check-out now credits the hour since.
    Signup.objects.filter(user=person).update(checked_in_at=activity.starts_at + dt.timedelta(minutes=30))
    out = api.post("/checkin", {"token": make_token(activity.pk, "out")})
    assert out.status_code == 200 and out.json()["signup"]["hours"] == 1.0

    hours = api.get("/me/hours").json()
    assert hours["total_hours"] == 1.0 and hours["items"][0]["activity_id"] == activity.pk

    issued = api.post("/me/certificates", {})
    assert issued.status_code == 201
    code = issued.json()["code"]
    assert issued.json()["total_hours"] == 1.0 and issued.json()["pdf_url"].endswith(f"/{code}.pdf")

    public = Api(client)  # no credentials at all
    checked = public.get(f"/certificates/{code.lower()}")
    assert checked.status_code == 200
    assert checked.json()["valid"] is True and checked.json()["holder"] == "张*兰" and checked.json()["total_hours"] == 1.0
    assert "user" not in checked.json() and "id_number" not in str(checked.json())
    assert public.get("/certificates/ABCDEFGHJK").status_code == 404


def test_no_seat_no_checkin_and_outsiders_get_401(client, world):
    activity = publish_now(world)
    api = Api(client, world.users["resident"])
    refused = api.post("/checkin", {"token": make_token(activity.pk, "in")})
    assert refused.status_code == 403 and refused.json()["code"] == "no_signup"
    anonymous = Api(client)
    assert anonymous.get("/activities").status_code == 401
    assert anonymous.post("/checkin", {"token": make_token(activity.pk, "in")}).status_code == 401
    assert anonymous.post("/me/certificates").status_code == 401
    assert Api(client, world.users["resident"]).post("/me/certificates").json()["code"] == "no_hours"
    assert not HoursCertificate.objects.exists()


def test_staff_publish_cancel_and_finish_through_the_api(client, world):
    staff = Api(client, world.users["community_staff"])
    start = timezone.now() + dt.timedelta(days=1)
    made = staff.post("/activities", {"community": world.communities[0].pk, "title": "文化宣传 政策宣讲",
                                      "place": "社区广场", "starts_at": start.isoformat(),
                                      "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "capacity": 20,
                                      "max_hours": 1.5})
    assert made.status_code == 201 and made.json()["max_hours"] == 1.5 and made.json()["can_run"] is True
    pk = made.json()["id"]
    assert Api(client, world.users["resident"]).post(f"/activities/{pk}/cancel", {"reason": "x"}).status_code == 403
    early = staff.post(f"/activities/{pk}/finish")
    assert early.status_code == 409
    stale = staff.post(f"/activities/{pk}/cancel", {"reason": "场地冲突", "expected_version": 99})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    cancelled = staff.post(f"/activities/{pk}/cancel", {"reason": "场地冲突"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "场地冲突"
