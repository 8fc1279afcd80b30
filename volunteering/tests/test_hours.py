"""Hours come from real check-in and check-out times, clipped to the activity's
window, capped by its most hours, in tenths rounded down; points are credited
once, and a correction reverses them and credits again."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidTransition, NotAllowed, ValidationFailed
from core.models import AuditLog
from points import services as points
from points.models import PointsEntry, PointsRule, Reward
from testing.world import build_world
from volunteering import services
from volunteering.models import Signup
from volunteering.services import credited_hours
from volunteering.tasks import sweep_activities_task
from volunteering.workflow import ActivityStatus, Method

from .factories import T_END, T_PUBLISH, T_START, at, publish, publish_now, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def scene(world):
    activity = publish(world, capacity=5, max_hours="1.5")  # 09:00–11:00, at most 1.5 h
    person = volunteer("张桂兰", username="zhang")
    services.signup(actor=person, activity=activity.pk, now=T_PUBLISH)
    return activity, person


def check(world, activity, person, direction, when):
    record = Signup.objects.get(activity=activity, user=person)
    return services.organiser_check(actor=world.users["community_staff"], signup=record.pk, direction=direction,
                                    now=when)


def entries(person):
    return list(PointsEntry.objects.filter(account__user=person).order_by("id").values_list("kind", "amount", "source_id"))


@pytest.mark.parametrize("arrive, leave, expected", [
    (at(2026, 3, 7, 9, 10), at(2026, 3, 7, 10, 10), "1.0"),    # inside the window
    (at(2026, 3, 7, 8, 0), at(2026, 3, 7, 9, 20), "0.3"),      # early arrival does not count
    (at(2026, 3, 7, 10, 30), at(2026, 3, 7, 13, 0), "0.5"),    # staying late does not count
    (at(2026, 3, 7, 9, 0), at(2026, 3, 7, 9, 5), "0.0"),       # five minutes: under a tenth
    (at(2026, 3, 7, 9, 0), at(2026, 3, 7, 10, 23), "1.3"),     # 1 h 23 min: rounded down
    (at(2026, 3, 7, 8, 30), at(2026, 3, 7, 11, 30), "1.5"),    # capped by the activity
    (at(2026, 3, 7, 11, 10), at(2026, 3, 7, 11, 50), "0.0"),   # after the end
])
def test_hours_are_the_overlap_with_the_window_capped_and_rounded_down(scene, arrive, leave, expected):
    activity, _person = scene
    assert credited_hours(activity, arrive, leave) == Decimal(expected)


def test_check_out_credits_points_once(world, scene):
    activity, person = scene
    PointsRule.objects.create(region=world.communities[0], key="activity_hour", points=20)
    check(world, activity, person, "in", at(2026, 3, 7, 9, 5))
    result = check(world, activity, person, "out", at(2026, 3, 7, 10, 17))
    assert result.signup.hours == Decimal("1.2")
    assert entries(person) == [("credit", 24, str(result.signup.pk))]
    again = check(world, activity, person, "out", at(2026, 3, 7, 10, 50))
    assert not again.recorded
    assert Signup.objects.get(pk=result.signup.pk).hours == Decimal("1.2")
    assert len(entries(person)) == 1


def test_no_points_when_the_hours_round_to_nothing(world, scene):
    activity, person = scene
    check(world, activity, person, "in", at(2026, 3, 7, 9, 0))
    result = check(world, activity, person, "out", at(2026, 3, 7, 9, 3))
    assert result.signup.hours == Decimal("0.0")
    assert entries(person) == []


def test_a_correction_reverses_the_credit_and_credits_again(world, scene, django_capture_on_commit_callbacks):
    activity, person = scene
    check(world, activity, person, "in", at(2026, 3, 7, 9, 30))
    first = check(world, activity, person, "out", at(2026, 3, 7, 10, 0)).signup
    assert entries(person) == [("credit", 5, str(first.pk))]  # 0.5 h × 10 (the default rule)

    with django_capture_on_commit_callbacks(execute=True):
        fixed = services.correct_times(actor=world.users["community_staff"], signup=first.pk,
                                       checked_in_at="2026-03-07T09:00", checked_out_at="2026-03-07 10:12",
                                       note="忘记扫码，组织者补录", now=at(2026, 3, 7, 12))
    assert fixed.hours == Decimal("1.2") and fixed.corrections == 1
    assert fixed.check_in_method == Method.ORGANISER
    assert entries(person) == [("credit", 5, str(first.pk)), ("credit", 12, f"{first.pk}:1"),
                               ("reversal", -5, str(first.pk))]
    log = AuditLog.objects.get(action="volunteering.correct_times")
    assert log.note == "忘记扫码，组织者补录" and log.before["hours"] == "0.5" and log.after["hours"] == "1.2"

    services.correct_times(actor=world.users["community_staff"], signup=first.pk, checked_in_at="2026-03-07T09:00",
                           checked_out_at="2026-03-07T10:00", note="再次核对", now=at(2026, 3, 7, 12))
    assert sum(a for _k, a, _s in entries(person)) == 10
    assert person.points_account.balance == 10


def test_corrections_are_checked(world, scene):
    activity, person = scene
    record = Signup.objects.get(activity=activity, user=person)
    kwargs = dict(actor=world.users["community_staff"], signup=record.pk, now=at(2026, 3, 7, 12))
    with pytest.raises(ValidationFailed):  # no reason
        services.correct_times(checked_in_at="2026-03-07T09:00", checked_out_at="2026-03-07T10:00", note="", **kwargs)
    with pytest.raises(ValidationFailed) as e:  # reversed
        services.correct_times(checked_in_at="2026-03-07T10:00", checked_out_at="2026-03-07T09:00", note="x", **kwargs)
    assert e.value.code == "bad_times"
    with pytest.raises(ValidationFailed):  # far outside the activity
        services.correct_times(checked_in_at="2026-03-01T09:00", checked_out_at="2026-03-07T10:00", note="x", **kwargs)
    with pytest.raises(ValidationFailed):  # not a time
        services.correct_times(checked_in_at="yesterday", note="x", **kwargs)
    with pytest.raises(NotAllowed):
        services.correct_times(actor=person, signup=record.pk, checked_in_at="2026-03-07T09:00", note="x",
                               now=at(2026, 3, 7, 12))
    assert Signup.objects.get(pk=record.pk).checked_in_at is None


def test_hours_cannot_be_lowered_below_points_already_spent(world, scene):
    activity, person = scene
    check(world, activity, person, "in", at(2026, 3, 7, 9, 0))
    record = check(world, activity, person, "out", at(2026, 3, 7, 10, 30)).signup  # 1.5 h → 15 points
    reward = Reward.objects.create(community=world.communities[0], name="洗衣液", points=12, stock=3)
    points.redeem(actor=world.users["community_staff"], user=person, reward=reward)
    with pytest.raises(ValidationFailed) as e:
        services.correct_times(actor=world.users["community_staff"], signup=record.pk, checked_in_at="2026-03-07T09:00",
                               checked_out_at="2026-03-07T09:12", note="提前离开", now=at(2026, 3, 7, 12))
    assert e.value.code == "insufficient_points"
    record.refresh_from_db()
    assert record.hours == Decimal("1.5") and record.corrections == 0


def test_finishing_checks_out_whoever_is_still_in_at_the_end(world, scene):
    activity, person = scene
    other = volunteer("王秀英", username="wang")
    services.signup(actor=other, activity=activity.pk, now=T_PUBLISH)
    check(world, activity, person, "in", at(2026, 3, 7, 9, 45))
    with pytest.raises(InvalidTransition):  # not started yet: cancel instead
        services.activity_finish(actor=world.users["community_staff"], activity=activity.pk,
                                 now=T_START - dt.timedelta(minutes=5))
    finished = services.activity_finish(actor=world.users["community_staff"], activity=activity.pk,
                                        now=at(2026, 3, 7, 12))
    assert finished.status == ActivityStatus.FINISHED
    record = Signup.objects.get(activity=activity, user=person)
    assert record.checked_out_at == T_END and record.check_out_method == Method.AUTO
    assert record.hours == Decimal("1.2")
    assert Signup.objects.get(activity=activity, user=other).hours is None  # never came


def test_the_sweep_finishes_activities_two_hours_after_their_end(world, scene):
    activity, person = scene
    check(world, activity, person, "in", at(2026, 3, 7, 9, 0))
    assert services.sweep_activities(now=T_END + dt.timedelta(hours=1)) == 0
    assert services.sweep_activities(now=T_END + dt.timedelta(hours=2)) == 1
    assert services.sweep_activities(now=T_END + dt.timedelta(hours=3)) == 0
    record = Signup.objects.get(activity=activity, user=person)
    assert record.checked_out_at == T_END and record.hours == Decimal("1.5")
    assert entries(person) == [("credit", 15, str(record.pk))]


def test_the_task_runs_the_sweep(world):
    activity = publish_now(world, start_in=dt.timedelta(hours=-5), length=dt.timedelta(hours=1))
    sweep_activities_task.enqueue()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.FINISHED


# ---------------------------------------------------------------- the roster page

def test_the_organiser_checks_people_in_and_out_and_corrects_on_the_roster(client, world):
    activity = publish_now(world)
    person = volunteer("赵雪梅", username="zhao", phone="13912345678")
    record = services.signup(actor=person, activity=activity.pk, now=timezone.now() - dt.timedelta(hours=1))
    client.force_login(world.users["community_staff"])
    page = client.get(f"/volunteering/activities/{activity.pk}/roster/")
    html = page.content.decode()
    assert page.status_code == 200 and "zhao" in html and "139****5678" in html and "13912345678" not in html

    assert client.post(f"/volunteering/signups/{record.pk}/check/in/").status_code == 302
    assert client.post(f"/volunteering/signups/{record.pk}/check/out/").status_code == 302
    record.refresh_from_db()
    assert record.check_in_method == Method.ORGANISER and record.checked_out_at is not None

    bad = client.post(f"/volunteering/signups/{record.pk}/correct/",
                      {f"s{record.pk}-checked_in_at": "2020-01-01T09:00", f"s{record.pk}-note": "补录"})
    assert bad.status_code == 400
    assert "Times must lie between" in bad.content.decode() and "2020-01-01T09:00" in bad.content.decode()

    phone = client.post(f"/volunteering/signups/{record.pk}/phone/", HTTP_HX_REQUEST="true")
    assert "13912345678" in phone.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(record.pk)).count() == 1

    client.force_login(person)
    assert client.get(f"/volunteering/activities/{activity.pk}/roster/").status_code == 404
    assert client.post(f"/volunteering/signups/{record.pk}/check/in/").status_code == 404
    refused = client.post(f"/volunteering/signups/{record.pk}/phone/", HTTP_HX_REQUEST="true")
    assert "13912345678" not in refused.content.decode() and "not allowed" in refused.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(record.pk)).count() == 1
