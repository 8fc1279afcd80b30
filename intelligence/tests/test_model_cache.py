"""One per-process cache serves every kind of model: a version is unpickled once,
a new version or a rollback is seen at the next call."""

import pickle

import pytest

from intelligence import selectors, services
from intelligence.models import TrainedModel

pytestmark = pytest.mark.django_db

KIND = TrainedModel.Kind.ANSWER


class Blob:
    """Stands for a trained model: what `model_install` stores is its `dumps()`."""

    labels_ = []

    def __init__(self, name):
        self.name, self.trained_on = name, 1

    def dumps(self):
        return pickle.dumps({"name": self.name})


def test_each_version_is_loaded_once_and_a_rollback_is_seen_at_the_next_call():
    calls = []

    def loads(blob):
        calls.append(blob)
        return pickle.loads(blob)

    assert selectors.current_loaded(KIND, loads) == (None, None)
    services.model_install(classifier=Blob("first"), source="files", evaluation={}, kind=KIND)
    row, model = selectors.current_loaded(KIND, loads)
    assert (row.version, model) == (1, {"name": "first"})
    assert selectors.current_loaded(KIND, loads)[1] is model and len(calls) == 1

    services.model_install(classifier=Blob("second"), source="files", evaluation={}, kind=KIND)
    assert selectors.current_loaded(KIND, loads)[1] == {"name": "second"} and len(calls) == 2

    services.model_rollback(actor=None, kind=KIND)
    row, model = selectors.current_loaded(KIND, loads)
    assert (row.version, model) == (1, {"name": "first"}) and len(calls) == 3


def test_a_new_row_with_the_blob_already_loaded_is_not_unpickled_again():
    calls = []

    def loads(blob):
        calls.append(blob)
        return pickle.loads(blob)

    services.model_install(classifier=Blob("same"), source="files", evaluation={}, kind=KIND)
    first = selectors.current_loaded(KIND, loads)
    services.model_install(classifier=Blob("same"), source="files", evaluation={}, kind=KIND)
    second = selectors.current_loaded(KIND, loads)
    assert second[0].version == 2 and second[1] is first[1] and len(calls) == 1
