"""Racing contenders against one record, for the "exactly one winner" tests.

Each contender runs in its own thread with its own database connection; a
barrier releases them together. Threads need PostgreSQL or a file-backed
SQLite: the in-memory test database's shared cache fails a second writer at
once instead of making it wait, so `needs_real_locks` skips there.
"""

import threading

import pytest
from django.db import connection, connections

from core.errors import LinliError


def needs_real_locks() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need PostgreSQL or a file-backed SQLite database, not the in-memory test database")


def race(*calls):
    """Run the calls in threads released together; return [(result or None, error or None)]."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = (fn(), None)
        except LinliError as e:
            results[i] = (None, e)
        except Exception as e:  # noqa: BLE001 - reported by the caller's assertion
            results[i] = (None, e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results), "a contender never finished"
    return results
