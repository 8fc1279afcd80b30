import pytest

from testing.module_data import rolled_back
from testing.world import build_world


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """One small street per test module (each test's own writes roll back after it)."""
    with rolled_back(django_db_blocker):
        yield build_world()


@pytest.fixture
def world(module_world, db):
    return module_world
