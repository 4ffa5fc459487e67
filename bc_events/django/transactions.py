"""Events published inside ``transaction.atomic()`` are delivered only if their transaction commits.

How: every publish records a *mark*.  If no database connection of the
publishing thread is in an atomic block, the mark is released at once.
Otherwise the mark registers ``connection.on_commit(mark.committed)`` on each
connection that is in an atomic block, and is released when all of them have
committed.  Django keeps, with each on-commit callback, the savepoints that were
active when it was registered, and discards it when one of them is rolled back
(``savepoint_rollback``) or when the whole transaction is (``rollback``,
``set_rollback(True)``, an exception leaving ``atomic()``, a failed
``atomic(savepoint=False)`` forcing the outer block to roll back).  So a mark is
released exactly when everything the event was published in committed; the
database decides, not a guess about which block did what.

``TransactionQueue`` is a session queue (``bc_events.queue``): it keeps
``(event, mark)`` pairs in publish order, and a flush takes the events whose
mark is released, leaving the others (a transaction still open may yet
commit).  When the request is over, the middleware commits and then rolls back:
what is still unreleased belonged to a transaction that rolled back, and is
dropped.  The session class is whatever the client makes (a generated, typed
one included): only its queue differs.

Manual transaction management (``set_autocommit(False)`` without ``atomic``) is
not tracked: such events count as published outside a transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from bc_events.event import Event
from bc_events.queue import Batch

__all__ = ["TransactionQueue", "open_transactions"]


class _Mark:
    """How many open transactions an event still waits for; released at zero."""

    __slots__ = ("waiting",)

    def __init__(self, waiting: int) -> None:
        self.waiting = waiting

    def committed(self) -> None:
        self.waiting -= 1

    @property
    def released(self) -> bool:
        return self.waiting == 0


_RELEASED = _Mark(0)


def open_transactions() -> list[BaseDatabaseWrapper]:
    """The connections of this thread (any database) that are in an atomic block."""
    # connections[alias] rather than connections.all(initialized_only=True): half the cost,
    # and a connection this thread never used is simply not in an atomic block.
    return [conn for conn in map(connections.__getitem__, connections) if conn.in_atomic_block]


def _mark_for_open_transactions() -> _Mark:
    """A mark released when every atomic block open now (on any database) has committed."""
    open_now = open_transactions()
    if not open_now:
        return _RELEASED
    mark = _Mark(len(open_now))
    for conn in open_now:
        conn.on_commit(mark.committed)
    return mark


class TransactionQueue:
    """A session queue that holds back the events of database transactions not yet committed.

    ``events()`` lists every queued event, held back or not; ``clear()`` drops them all.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[Event, _Mark]] = []
        self._generation = 0
        self.lock = threading.Lock()

    def renew_lock(self) -> None:
        """In a forked child: a fresh lock (``bc_events.queue``)."""
        self.lock = threading.Lock()

    def enqueue(self, event: Event) -> None:
        mark = _mark_for_open_transactions()  # the publishing thread's open transactions
        with self.lock:
            self._entries.append((event, mark))

    def take_batch(self) -> Batch:
        """The events whose transactions committed (or that had none); the others stay queued."""
        with self.lock:
            ready = [event for event, mark in self._entries if mark.released]
            self._entries = [(event, mark) for event, mark in self._entries if not mark.released]
            return Batch(ready, self._generation)

    def return_undelivered(self, batch: Batch, events: Sequence[Event]) -> None:
        with self.lock:
            if self._generation == batch.generation:
                self._entries[:0] = [(event, _RELEASED) for event in events]

    def clear(self) -> None:
        with self.lock:
            self._entries.clear()
            self._generation += 1

    def cleared_since(self, batch: Batch) -> bool:
        return self._generation != batch.generation

    def events(self) -> list[Event]:
        with self.lock:
            return [event for event, _ in self._entries]

    @property
    def held_back(self) -> int:
        """How many queued events wait for a transaction that has not committed (yet)."""
        with self.lock:
            return sum(1 for _, mark in self._entries if not mark.released)

    def __len__(self) -> int:
        return len(self._entries)
