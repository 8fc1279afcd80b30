import copy

import pytest
from django.utils import translation

from testing.module_data import rolled_back
from testing.world import build_world

from .street import build_street


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def street(world):
    return build_street(world)


@pytest.fixture(scope="module")
def module_street(django_db_setup, django_db_blocker):
    """The hand-counted street built once for a module that reads it (about two seconds of
    appeal transitions); everything is rolled back after the module, and each test's own
    writes after the test. Built in English, like the per-test street."""
    with rolled_back(django_db_blocker), translation.override("en"):
        yield build_street(build_world())


@pytest.fixture
def shared_street(module_street, db):
    """A copy per test, so a test that changes an appeal in memory leaves the next one the original."""
    return copy.deepcopy(module_street)


@pytest.fixture(autouse=True)
def english():
    """Assertions on labels are written against the English msgids."""
    with translation.override("en"):
        yield
