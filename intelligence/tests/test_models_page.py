"""The models page offers a rollback only when there is an earlier version to go back to."""

import pickle

import pytest
from django.urls import reverse

from intelligence import services
from intelligence.models import TrainedModel
from testing.world import build_world

pytestmark = pytest.mark.django_db


class Stored:
    """What `model_install` keeps of a trained model (the page never unpickles it)."""

    labels_, trained_on = ["t1", "t2"], 30

    def dumps(self):
        return pickle.dumps({"stands for": "a category model"})


def _install():
    return services.model_install(classifier=Stored(), source=TrainedModel.Source.FILES,
                                  evaluation={"macro_f1": 0.8, "accuracy": 0.9})


def test_rollback_is_offered_only_when_there_is_an_earlier_version(client):
    world = build_world()
    client.force_login(world.users["street_staff"])
    url = reverse("intelligence:models")

    assert "data-rollback" not in client.get(url).content.decode()  # no model at all
    _install()
    only = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-version="1" data-current' in only
    assert "data-rollback" not in only and "回退" not in only

    _install()
    two = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "data-rollback" in two and "从第 2 版回退" in two

    services.model_rollback(actor=world.users["street_staff"])  # version 1 is current again: nothing before it
    back = client.get(url).content.decode()
    assert 'data-version="1" data-current' in back and "data-rollback" not in back
