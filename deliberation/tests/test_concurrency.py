"""Two people acting on one matter at once: exactly one wins, the other gets a
clear 409 (or, for a co-sign, the "already co-signed" message), and the
timeline has one event. The winner holds its transaction open a moment so the
loser really waits for the row lock. Runs on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_deliberation \\
        .venv/bin/pytest deliberation/tests/test_concurrency.py -q
"""

import time

import pytest

from core.errors import Conflict, InvalidTransition, ValidationFailed
from deliberation import services
from deliberation.models import CoSign, Matter, MatterEvent, MatterRating
from testing.concurrency import needs_real_locks, race

from .factories import build, raise_matter, to_rating

HOLD_SECONDS = 0.3


@pytest.fixture
def slow(monkeypatch, transactional_db):
    needs_real_locks()
    original = services._event

    def slowed(*args, **kwargs):
        time.sleep(HOLD_SECONDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_event", slowed)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_sort_one_matter_at_once(slow):
    w = build()
    matter = raise_matter(w)
    results = race(lambda: services.matter_transition(matter.pk, "sort_big", w.users["staff"]),
                   lambda: services.matter_transition(matter.pk, "sort_small", w.users["street"]))
    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], (Conflict, InvalidTransition)) and losses[0].status == 409
    assert MatterEvent.objects.filter(matter=matter, action__in=["sort_big", "sort_small"]).count() == 1
    assert Matter.objects.get(pk=matter.pk).version == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_neighbour_co_signs_twice_at_once(slow):
    w = build()
    matter = raise_matter(w)
    results = race(lambda: services.matter_cosign(matter=matter.pk, actor=w.users["neighbour"]),
                   lambda: services.matter_cosign(matter=matter.pk, actor=w.users["neighbour"]))
    errors = [e for r, e in results if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], ValidationFailed) and errors[0].code == "already_cosigned"
    assert CoSign.objects.filter(matter=matter).count() == 1 == Matter.objects.get(pk=matter.pk).cosign_count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rating_and_closing_the_round_at_once(slow):
    w = build()
    matter = raise_matter(w)
    to_rating(w, matter)
    results = race(lambda: services.matter_rate(matter=matter.pk, actor=w.users["neighbour"], satisfaction="satisfied"),
                   lambda: services.matter_transition(matter.pk, "close_rating", w.users["staff"]))
    matter = Matter.objects.get(pk=matter.pk)
    rated = MatterRating.objects.filter(matter=matter).count()
    # Either the rating came first and counted, or the round closed first and the late rating was refused.
    assert matter.status == "closed"
    assert (rated, sum(1 for _r, e in results if e is not None)) in ((1, 0), (0, 1))
