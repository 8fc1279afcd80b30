"""Other apps join the loop through appeals.hooks: a callback moves their record
in the appeal's own transaction, and their links and buttons show on the page."""

import pytest
from django.urls import reverse

from appeals import hooks
from appeals.models import Appeal
from appeals.workflow import Status
from core.errors import LinliError
from testing.loop import act, report
from testing.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def registry(monkeypatch):
    """Empty registries for the test, so installed apps' own hooks stay out of the way."""
    for name in ("AFTER_TRANSITION", "PAGE_LINKS", "CONVERSIONS"):
        monkeypatch.setattr(hooks, name, [])
    return hooks


def test_a_callback_sees_each_transition_with_its_target(world, registry):
    seen = []
    registry.after_transition(lambda **kw: seen.append((kw["action"], kw["target"], kw["actor"].username)))
    appeal = report(world)
    act(appeal, "accept", world.users["grid_worker"])
    assert seen == [("accept", Status.ACCEPTED, "grid0")]


def test_registering_twice_calls_once(world, registry):
    calls = []

    def callback(**kw):
        calls.append(kw["action"])

    registry.after_transition(callback)
    registry.after_transition(callback)
    act(report(world), "accept", world.users["grid_worker"])
    assert calls == ["accept"]


def test_a_failing_callback_rolls_the_transition_back(world, registry):
    """The linked record and the appeal move together or not at all."""

    def refuse(**kw):
        raise LinliError("linked record refused")

    registry.after_transition(refuse)
    appeal = report(world)
    with pytest.raises(LinliError):
        act(appeal, "accept", world.users["grid_worker"])
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED
    assert appeal.events.count() == 1  # only the submit


def test_links_and_conversions_show_on_the_appeal_page(client, world, registry):
    appeal = report(world)
    registry.page_links(lambda a, user: [{"key": "matter", "label": "Linked matter", "text": f"Matter of {a.number}",
                                          "url": "/somewhere/"}])
    registry.conversions(lambda a, user: [{"key": "matter", "label": "Raise as a matter", "help": "For neighbours",
                                           "url": f"/convert/{a.pk}/"}] if user.username == "grid0" else [])
    client.force_login(world.users["grid_worker"])
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert 'data-linked="matter"' in page and f"Matter of {appeal.number}" in page
    assert f'href="/convert/{appeal.pk}/" data-convert="matter"' in page
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert 'data-convert="matter"' not in page and 'data-linked="matter"' in page
    assert Appeal.objects.count() == 1
