"""Many people taking the last seat at once: never more confirmed than the
capacity, the others on the waiting list in order. Each contender runs in its
own thread and connection (testing.concurrency.race); run on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_volunteering \\
        .venv/bin/python -m pytest volunteering/tests/test_concurrency.py -q
"""

import time

import pytest

from core.errors import Conflict
from testing.concurrency import needs_real_locks, race
from testing.world import build_world
from volunteering import services
from volunteering.models import Signup
from volunteering.workflow import SignupStatus

from .factories import T_PUBLISH, publish, volunteer

HOLD_SECONDS = 0.2


@pytest.fixture
def slow_seats(monkeypatch, transactional_db):
    """Whoever holds the activity's lock keeps it a little longer, so the others really wait for it."""
    needs_real_locks()
    original = services._lock_activity

    def slowed(activity):
        locked = original(activity)
        time.sleep(HOLD_SECONDS)
        return locked

    monkeypatch.setattr(services, "_lock_activity", slowed)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_people_take_the_last_seats_at_once(slow_seats):
    world = build_world()
    activity = publish(world, capacity=2)
    services.signup(actor=volunteer("先到者", username="early"), activity=activity.pk, now=T_PUBLISH)
    people = [volunteer(f"志愿者{i}", username=f"racer{i}") for i in range(6)]

    results = race(*[lambda u=u: services.signup(actor=u, activity=activity.pk, now=T_PUBLISH) for u in people])

    assert all(error is None for _r, error in results), results
    confirmed = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED)
    waiting = Signup.objects.filter(activity=activity, status=SignupStatus.WAITLISTED)
    assert confirmed.count() == 2 and waiting.count() == 5
    assert sum(1 for r, _e in results if r.status == SignupStatus.CONFIRMED) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_person_signing_up_twice_at_once_gets_one_signup(slow_seats):
    world = build_world()
    activity = publish(world, capacity=5)
    person = volunteer("手快的人", username="double")

    results = race(*[lambda: services.signup(actor=person, activity=activity.pk, now=T_PUBLISH)] * 2)

    errors = [e for _r, e in results if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], Conflict) and errors[0].status == 409
    assert Signup.objects.filter(activity=activity, user=person).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_seats_freed_at_once_promote_two_different_people(slow_seats):
    world = build_world()
    activity = publish(world, capacity=2)
    holders = [volunteer(f"持座{i}", username=f"holder{i}") for i in range(2)]
    waiting = [volunteer(f"候补{i}", username=f"waiting{i}") for i in range(3)]
    for u in holders + waiting:
        services.signup(actor=u, activity=activity.pk, now=T_PUBLISH)

    results = race(*[lambda u=u: services.signup_cancel(actor=u, activity=activity.pk, now=T_PUBLISH) for u in holders])

    assert all(error is None for _r, error in results), results
    confirmed = set(Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).values_list("user_id", flat=True))
    assert confirmed == {waiting[0].pk, waiting[1].pk}
