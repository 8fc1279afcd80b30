"""Bad input gives a clear message and saves nothing — through the services,
the pages (status 4xx, the form kept) and the API; never a 500."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from core.errors import ValidationFailed
from testing.world import build_world
from volunteering.models import Activity, ActivityEvent

from .factories import T_END, T_START, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


BAD = [
    ({"starts_at": T_END, "ends_at": T_START}, "bad_times", "must end after it starts"),
    ({"capacity": 0}, "bad_capacity", "between 1 and 1000"),
    ({"capacity": "many"}, "bad_number", "whole number"),
    ({"title": "<b>扫除</b>"}, "markup", "HTML"),
    ({"place": ""}, "required", "Please fill in"),
    ({"starts_at": "next saturday"}, "bad_time", "date and time"),
    ({"max_hours": "5"}, "bad_hours", "cannot be more than"),
    ({"max_hours": "abc"}, "bad_hours", "number of hours"),
    ({"max_hours": "1e999"}, "bad_hours", "number of hours"),
    ({"max_hours": "NaN"}, "bad_hours", "number of hours"),
    ({"lng": "nan", "lat": "inf"}, "bad_location", "outside the valid range"),
    ({"max_hours": "0"}, "bad_hours", "at least 0.1"),
    ({"ends_at": T_START + dt.timedelta(hours=30)}, "bad_times", "at most 24 hours"),
    ({"lng": "106.8", "lat": ""}, "bad_location", "longitude and latitude"),
    ({"lng": "500", "lat": "39"}, "bad_location", "outside the valid range"),
    ({"starts_at": dt.datetime(2026, 2, 1, 9), "ends_at": dt.datetime(2026, 2, 1, 11)}, "bad_times", "in the future"),
]


@pytest.mark.parametrize("change, code, words", BAD)
def test_publishing_bad_input_is_refused_clearly(world, change, code, words):
    with pytest.raises(ValidationFailed) as e:
        publish(world, **change)
    assert e.value.code == code and words in e.value.message
    assert not Activity.objects.exists() and not ActivityEvent.objects.exists()


def _form(**change):
    start = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    data = {"community": "", "team": "", "title": "敬老院慰问", "place": "社区养老服务站",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "capacity": "8", "max_hours": "",
            "description": "", "lng": "", "lat": ""}
    data.update(change)
    return data


def test_the_publish_form_keeps_what_was_typed_and_says_what_is_wrong(client, world):
    client.force_login(world.users["community_staff"])
    data = _form(community=world.communities[0].pk, capacity="0")
    response = client.post("/volunteering/staff/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "between 1 and 1000" in html and "敬老院慰问" in html and "社区养老服务站" in html
    data = _form(community=world.communities[0].pk, ends_at=data["starts_at"][:11] + "08:00")
    response = client.post("/volunteering/staff/", data)
    assert response.status_code == 400 and "must end after it starts" in response.content.decode()
    assert not Activity.objects.exists()

    response = client.post("/volunteering/staff/", _form(community=world.communities[0].pk))
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/volunteering/activities/{activity.pk}/roster/"
    assert activity.capacity == 8 and str(activity.max_hours) == "2.0"


def test_the_workbench_is_only_for_staff_and_team_leaders(client, world):
    client.force_login(world.users["resident"])
    assert client.get("/volunteering/staff/").status_code == 404
    assert client.post("/volunteering/staff/", _form(community=world.communities[0].pk)).status_code == 404
    assert not Activity.objects.exists()
    client.force_login(world.users["community_staff"])
    assert client.get("/volunteering/staff/").status_code == 200


def test_editing_and_cancelling_on_the_roster_refuse_bad_input(client, world):
    activity = publish(world, starts_at=timezone.now() + dt.timedelta(days=2),
                       ends_at=timezone.now() + dt.timedelta(days=2, hours=2), now=timezone.now())
    client.force_login(world.users["community_staff"])
    data = {"title": activity.title, "place": activity.place, "starts_at": "2026-13-45T09:00", "ends_at": "x",
            "capacity": "3", "version": activity.version}
    response = client.post(f"/volunteering/activities/{activity.pk}/edit/", data)
    assert response.status_code == 400 and "date and time" in response.content.decode()
    response = client.post(f"/volunteering/activities/{activity.pk}/cancel/", {"reason": "", "version": activity.version})
    assert response.status_code == 400 and "Please fill in" in response.content.decode()
    stale = client.post(f"/volunteering/activities/{activity.pk}/cancel/", {"reason": "下雨", "version": "0"})
    assert stale.status_code == 409 and "Someone else" in stale.content.decode()
    activity.refresh_from_db()
    assert activity.status == "published"
    assert client.post(f"/volunteering/activities/{activity.pk}/cancel/",
                       {"reason": "下雨", "version": activity.version}).status_code == 302


def test_odd_requests_to_pages_do_not_fail(client, world):
    activity = publish(world, starts_at=timezone.now() + dt.timedelta(days=2),
                       ends_at=timezone.now() + dt.timedelta(days=2, hours=2), now=timezone.now())
    client.force_login(world.users["resident"])
    assert client.get("/volunteering/activities/999999/").status_code == 404
    assert client.get("/volunteering/?scope=evil&q=" + "x" * 500 + "&page=zz").status_code == 200
    assert client.get("/volunteering/teams/?community=abc").status_code == 200
    assert client.get("/volunteering/activities/%d/" % activity.pk).status_code == 200
    assert client.get(f"/volunteering/activities/{activity.pk}/signup/").status_code == 405
    assert client.post(f"/volunteering/activities/{activity.pk}/unsignup/", follow=True).status_code == 200
    # Through htmx the refusal comes back as a fragment for the page to show.
    assert client.post(f"/volunteering/activities/{activity.pk}/signup/", HTTP_HX_REQUEST="true").status_code == 204
    again = client.post(f"/volunteering/activities/{activity.pk}/signup/", HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and "already signed up" in again.content.decode()
    assert client.post("/volunteering/signups/999999/correct/").status_code == 404
    assert client.get("/volunteering/certificates/NOPE.pdf").status_code == 404
    assert client.get("/volunteering/verify/?code=" + "<script>" * 10).status_code == 200
    assert client.post("/volunteering/staff/revoke/", {"code": "", "reason": ""}, follow=True).status_code == 200


def test_the_api_refuses_bad_input_with_the_error_shape(client, world):
    _, key = ApiToken.issue(world.users["community_staff"], "test")
    headers = {"Authorization": f"Bearer {key}"}
    day = (timezone.localdate() + dt.timedelta(days=30)).isoformat()  # a fixed date turns into the past
    body = {"community": world.communities[0].pk, "title": "扫除", "place": "北门",
            "starts_at": f"{day}T11:00:00+08:00", "ends_at": f"{day}T09:00:00+08:00", "capacity": 3}
    response = client.post("/api/v1/activities", body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "bad_times"
    body.update(ends_at=f"{day}T13:00:00+08:00", capacity=0)
    response = client.post("/api/v1/activities", body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "bad_capacity"
    body.update(capacity="lots")
    response = client.post("/api/v1/activities", body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and "capacity" in response.json()["message"]
    body.update(capacity=3, title="<script>alert(1)</script>")
    response = client.post("/api/v1/activities", body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "markup"
    response = client.post("/api/v1/checkin", {"token": 12}, content_type="application/json", headers=headers)
    assert response.status_code == 400
    response = client.post("/api/v1/me/certificates", {"period_start": "yesterday"}, content_type="application/json",
                           headers=headers)
    assert response.status_code == 400
    assert not Activity.objects.exists()
