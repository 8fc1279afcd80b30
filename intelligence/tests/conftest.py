"""One trained answer-check model per test session, kept between sessions.

The shipped model takes 10–15 s to train. It is trained at most once per session
and its pickle kept in the temp folder under a key of everything it depends on
(the fixture, the code that trains it, scikit-learn and numpy), so a later session
loads it in a fraction of a second; any change to those retrains it."""

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import numpy
import pytest
import sklearn

from intelligence import answers, text


def _key() -> str:
    parts = [answers.FIXTURE.read_bytes(), Path(answers.__file__).read_bytes(), Path(text.__file__).read_bytes(),
             sklearn.__version__.encode(), numpy.__version__.encode()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:24]


@pytest.fixture(scope="session")
def shipped_answer_model():
    """(AnswerModel, evaluation) of the shipped fixture, as `answers.shipped_model()` gives it."""
    digest = answers.fixture_digest()
    if digest not in answers._from_fixture:
        cached = Path(tempfile.gettempdir()) / f"linli-answer-model-{_key()}.pickle"
        try:
            answers._from_fixture[digest] = pickle.loads(cached.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            trained = answers.shipped_model()
            partial = cached.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(pickle.dumps(trained, protocol=pickle.HIGHEST_PROTOCOL))
            partial.replace(cached)
    return answers.shipped_model()


@pytest.fixture
def answer_model(db, shipped_answer_model):
    """The shipped answer model installed as version 1, as `train_answer_check --shipped` does."""
    return answers.ensure_answer_model()[0]
