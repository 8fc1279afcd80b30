"""One staff rule for every part of intelligence: residents are refused (pages hide
themselves with a 404, the API says 403), staff pass, the system itself (None) passes."""

import pytest
from django.http import Http404
from django.urls import reverse

from core.errors import NotAllowed
from intelligence import selectors, services
from testing.world import build_world

pytestmark = pytest.mark.django_db


def test_the_staff_rule_is_the_same_on_pages_the_api_and_in_services(client):
    world = build_world()
    resident, staff = world.users["resident"], world.users["grid_worker"]

    assert selectors.is_staff(staff) and not selectors.is_staff(resident)
    selectors.require_staff(None)  # management commands and the worker
    with pytest.raises(NotAllowed):
        selectors.require_staff(resident)
    with pytest.raises(Http404):
        selectors.require_staff(resident, error=Http404)
    with pytest.raises(NotAllowed):
        services.training_run_request(actor=resident)

    client.force_login(resident)
    assert client.get(reverse("intelligence:models")).status_code == 404
    assert client.get("/api/v1/intelligence/models").status_code == 403
    assert client.get("/api/v1/intelligence/models/current").status_code == 403
    client.force_login(staff)
    assert client.get(reverse("intelligence:models")).status_code == 200
    assert client.get("/api/v1/intelligence/models").json() == []
    assert client.get("/api/v1/intelligence/models/current").status_code == 404
