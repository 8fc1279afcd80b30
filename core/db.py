"""Row locks and lost races, handled the same way in every app.

A write locks its row (`select_for_update`, only that table's rows; a no-op on
SQLite, where the version check does the work). When SQLite's busy timeout runs
out under heavy contention, that is a lost race, not a crash: the loser gets a
`Conflict`, the same answer a stale version gets."""

from contextlib import contextmanager

from django.db import OperationalError, transaction

from core.errors import Conflict, NotFound


@contextmanager
def busy_is_conflict():
    """`with busy_is_conflict():` or `@busy_is_conflict()`: a "database is locked"
    OperationalError becomes Conflict; any other one goes up unchanged."""
    try:
        yield
    except OperationalError as exc:
        if "locked" in str(exc).lower():
            raise Conflict() from exc
        raise


def lock_or_404(queryset, pk):
    """The row `pk` of `queryset`, locked for this transaction, or NotFound
    (also for a pk that is not a number)."""
    if not str(pk).isdigit():
        raise NotFound()
    try:
        return queryset.select_for_update(of=("self",)).get(pk=pk)
    except queryset.model.DoesNotExist:
        raise NotFound()


def serialised(fn):
    """Decorator: each call is one transaction, and a lost race in it is a Conflict."""
    return busy_is_conflict()(transaction.atomic(fn))


def check_version(expected, current: int) -> None:
    """Optimistic locking: `expected` is the version the user's screen showed (none:
    no check). Another version, or a garbled value, is a stale screen: Conflict."""
    if expected in (None, ""):
        return
    try:
        stale = int(expected) != current
    except (TypeError, ValueError):
        stale = True
    if stale:
        raise Conflict()
