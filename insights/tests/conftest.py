import pytest
from django.utils import translation

from testing.world import build_world

from .street import build_street


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def street(world):
    return build_street(world)


@pytest.fixture(autouse=True)
def english():
    """Assertions on labels are written against the English msgids."""
    with translation.override("en"):
        yield
