"""Bulk loads without recounting the rollups at every appeal change.

Every appeal change normally refreshes its rollup rows in its own transaction
(insights.rollups.refresh_appeal). A bulk load of thousands of changes (the
demo world, a migration of old cases) recounts the same day rows again and
again; inside `rollups_deferred()` the per-change refresh is skipped and the
rollups are rebuilt once, from the raw tables, when the outermost block ends —
also when it ends with an error, so the figures never stay behind the data.

The switch is per thread: a web request served beside the load keeps its own
per-change refresh.
"""

import threading
from contextlib import contextmanager

from . import rollups

_state = threading.local()


def deferred() -> bool:
    """True inside `rollups_deferred()` on this thread."""
    return getattr(_state, "depth", 0) > 0


@contextmanager
def rollups_deferred():
    """Skip the per-change rollup refresh inside the block; rebuild once at its end."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            rollups.rebuild()


def appeal_saved(sender, instance, created, **kwargs):
    if not deferred():
        rollups.appeal_saved(sender, instance, created, **kwargs)


def appeal_transitioned(**kwargs):
    if not deferred():
        rollups.appeal_transitioned(**kwargs)
