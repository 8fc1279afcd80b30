"""Sign-up: a seat while seats remain, then the waiting list in order; a freed
seat goes to the first person waiting, who is told."""

import datetime as dt

import pytest

from core.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import Notification
from testing.factories import user_with_role
from testing.world import build_world
from volunteering import selectors, services
from volunteering.models import ActivityEvent, Signup
from volunteering.workflow import ActivityStatus, SignupStatus

from .factories import T_END, T_PUBLISH, T_START, publish, volunteer

pytestmark = pytest.mark.django_db

LATER = T_PUBLISH + dt.timedelta(hours=1)


@pytest.fixture
def world():
    return build_world()


def people(n):
    return [volunteer(f"志愿者{i}", username=f"v{i}") for i in range(n)]


def test_seats_then_waiting_list_in_order(world):
    activity = publish(world, capacity=2)
    a, b, c, d = people(4)
    statuses = [services.signup(actor=u, activity=activity.pk, now=LATER + dt.timedelta(minutes=i)).status
                for i, u in enumerate((a, b, c, d))]
    assert statuses == [SignupStatus.CONFIRMED, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED, SignupStatus.WAITLISTED]
    assert selectors.waitlist_position(selectors.my_signup(c, activity)) == 1
    assert selectors.waitlist_position(selectors.my_signup(d, activity)) == 2
    shown = selectors.get_activity(activity.pk)
    assert (shown.confirmed_count, shown.waitlist_count, shown.seats_left) == (2, 2, 0)


def test_cancelling_a_seat_promotes_the_first_waiting_and_tells_them(world, django_capture_on_commit_callbacks):
    activity = publish(world, capacity=1)
    a, b, c = people(3)
    for i, u in enumerate((a, b, c)):
        services.signup(actor=u, activity=activity.pk, now=LATER + dt.timedelta(minutes=i))
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_cancel(actor=a, activity=activity.pk, now=LATER + dt.timedelta(hours=1))
    assert selectors.my_signup(a, activity).status == SignupStatus.CANCELLED
    assert selectors.my_signup(b, activity).status == SignupStatus.CONFIRMED
    assert selectors.my_signup(c, activity).status == SignupStatus.WAITLISTED
    assert selectors.waitlist_position(selectors.my_signup(c, activity)) == 1
    assert Notification.objects.filter(recipient=b, verb="activity_seat").exists()
    assert not Notification.objects.filter(recipient=c, verb="activity_seat").exists()
    assert ActivityEvent.objects.filter(activity=activity, action="promote", signup__user=b).count() == 1
    # Leaving the waiting list promotes nobody.
    services.signup_cancel(actor=c, activity=activity.pk, now=LATER + dt.timedelta(hours=2))
    assert Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count() == 1


def test_more_seats_on_edit_give_the_waiting_list_its_turn_fewer_than_taken_refused(world):
    activity = publish(world, capacity=1)
    a, b, c = people(3)
    for i, u in enumerate((a, b, c)):
        services.signup(actor=u, activity=activity.pk, now=LATER + dt.timedelta(minutes=i))
    edited = services.activity_edit(actor=world.users["community_staff"], activity=activity.pk, title=activity.title,
                                    place=activity.place, starts_at=T_START, ends_at=T_END, capacity=2,
                                    expected_version=activity.version, now=LATER)
    assert edited.version == activity.version + 1
    assert [selectors.my_signup(u, activity).status for u in (a, b, c)] == [
        SignupStatus.CONFIRMED, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
    with pytest.raises(ValidationFailed) as e:
        services.activity_edit(actor=world.users["community_staff"], activity=activity.pk, title=activity.title,
                               place=activity.place, starts_at=T_START, ends_at=T_END, capacity=1, now=LATER)
    assert e.value.code == "bad_capacity"
    with pytest.raises(Conflict):  # the form was read before the last edit
        services.activity_edit(actor=world.users["community_staff"], activity=activity.pk, title="新标题",
                               place=activity.place, starts_at=T_START, ends_at=T_END, capacity=5,
                               expected_version=activity.version, now=LATER)


def test_one_live_signup_per_person_and_no_signup_when_closed(world):
    activity = publish(world)
    resident = world.users["resident"]
    services.signup(actor=resident, activity=activity.pk, now=LATER)
    with pytest.raises(Conflict) as e:
        services.signup(actor=resident, activity=activity.pk, now=LATER)
    assert e.value.code == "already_signed_up"
    with pytest.raises(InvalidTransition):
        services.signup(actor=world.users["resident2"], activity=activity.pk, now=T_END)
    with pytest.raises(NotFound):
        services.signup(actor=resident, activity=999999, now=LATER)


def test_cancelling_the_activity_tells_everyone_and_closes_sign_up(world, django_capture_on_commit_callbacks):
    activity = publish(world, capacity=1)
    a, b = people(2)
    services.signup(actor=a, activity=activity.pk, now=LATER)
    services.signup(actor=b, activity=activity.pk, now=LATER)
    with pytest.raises(NotAllowed):
        services.activity_cancel(actor=a, activity=activity.pk, reason="下雨", now=LATER)
    with pytest.raises(ValidationFailed):
        services.activity_cancel(actor=world.users["community_staff"], activity=activity.pk, reason="  ", now=LATER)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.activity_cancel(actor=world.users["community_staff"], activity=activity.pk,
                                             reason="暴雨预警，改期", now=LATER)
    assert cancelled.status == ActivityStatus.CANCELLED
    assert Notification.objects.filter(verb="activity_cancelled", body="暴雨预警，改期").count() == 2
    with pytest.raises(InvalidTransition):
        services.signup(actor=world.users["resident"], activity=activity.pk, now=LATER)
    with pytest.raises(InvalidTransition):
        services.activity_finish(actor=world.users["community_staff"], activity=activity.pk, now=T_END)


def test_who_may_publish(world):
    team = services.team_create(actor=world.users["community_staff"], community=world.communities[0].pk,
                                name="党员服务队", kind="party_service", leader=world.users["resident"].pk)
    with pytest.raises(NotAllowed):  # a plain resident
        publish(world, by="resident2")
    with pytest.raises(NotAllowed):  # staff of another community
        publish(world, by="community_staff_other")
    with pytest.raises(NotAllowed):  # a leader must publish for the team
        publish(world, by="resident")
    led = publish(world, by="resident", team=team.pk, community=None)
    assert led.community == world.communities[0] and led.team == team
    other_team = services.team_create(actor=world.users["community_staff_other"], community=world.communities[1].pk,
                                      name="文化宣传队", kind="culture")
    with pytest.raises(NotAllowed):  # not the leader of that team
        publish(world, by="resident", team=other_team.pk, community=None)
    # Whoever runs it: organiser, team leader, community staff; nobody else.
    assert selectors.can_run(world.users["resident"], led)
    assert selectors.can_run(world.users["street_staff"], led)
    assert not selectors.can_run(world.users["resident2"], led)
    assert not selectors.can_run(world.users["community_staff_other"], led)


def test_an_organiser_can_remove_a_signup_a_stranger_cannot(world):
    activity = publish(world, capacity=1)
    a, b = people(2)
    seat = services.signup(actor=a, activity=activity.pk, now=LATER)
    services.signup(actor=b, activity=activity.pk, now=LATER)
    stranger = user_with_role("resident", username="stranger")
    with pytest.raises(NotAllowed):
        services.signup_cancel(actor=stranger, signup=seat.pk, now=LATER)
    services.signup_cancel(actor=world.users["community_staff"], signup=seat.pk, now=LATER)
    assert selectors.my_signup(b, activity).status == SignupStatus.CONFIRMED
