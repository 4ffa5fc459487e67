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

The session keeps ``(event, mark)`` pairs in publish order; ``flush()`` delivers
the events whose mark is released and keeps the others (a transaction still
open may yet commit).  When the request is over, the middleware flushes and
then rolls back: what is still unreleased belonged to a transaction that
rolled back, and is dropped.

Why a mixin placed *after* the typed class: generated sessions publish through
``super().publish(...)``, so a subclass placed before the typed class would be
skipped; ``type(name, (TypedSession, TransactionAwareSession), {})`` puts this
class between the typed class and ``bc_events.EventSession`` in the MRO, every
typed method and ``publish`` itself pass through it, and the session is still an
instance of the typed class (the generated ``current_session()`` checks that).

Manual transaction management (``set_autocommit(False)`` without ``atomic``) is
not tracked: such events count as published outside a transaction.
"""

from __future__ import annotations

import os
import threading
import types
import weakref
from typing import Any, TypeVar, cast

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from bc_events.client import EventClient
from bc_events.event import Event
from bc_events.session import EventSession

ClientT = TypeVar("ClientT", bound=EventClient)


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


class TransactionAwareSession(EventSession):
    """An ``EventSession`` whose ``flush()`` holds back events of transactions not yet committed.

    ``events`` lists every queued event, held back or not; ``rollback()`` drops them all.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._entries: list[tuple[Event, _Mark]] = []
        self._entries_lock = threading.Lock()
        _live.add(self)

    @property
    def events(self) -> list[Event]:
        """The queued, not yet delivered events, oldest first (a copy), held back or not."""
        with self._entries_lock:
            return [event for event, _ in self._entries]

    @property
    def held_back(self) -> int:
        """How many queued events wait for a transaction that has not committed (yet)."""
        with self._entries_lock:
            return sum(1 for _, mark in self._entries if not mark.released)

    def rollback(self) -> None:
        """Drop every queued event, held back or not; a flush in flight starts no further request."""
        with self._entries_lock:
            self._entries.clear()
            super().rollback()  # counts the rollback, under our lock: _take_batch reads the count

    # The queue's operations (see EventSession): publish() and flush() are inherited whole.

    def _enqueue(self, event: Event) -> None:
        mark = _mark_for_open_transactions()  # the publishing thread's open transactions
        with self._entries_lock:
            self._entries.append((event, mark))

    def _take_batch(self) -> tuple[list[Event], int]:
        """The events whose transactions committed (or that had none); the others stay queued."""
        with self._entries_lock:
            ready = [event for event, mark in self._entries if mark.released]
            self._entries = [(event, mark) for event, mark in self._entries if not mark.released]
            return ready, self._rollbacks

    def _requeue(self, events: list[Event], rollbacks: int) -> None:
        with self._entries_lock:
            if self._rollbacks == rollbacks:
                self._entries[:0] = [(event, _RELEASED) for event in events]

    def _queued_count(self) -> int:
        return len(getattr(self, "_entries", ()))


def _renew_locks_after_fork() -> None:
    """In a forked child no thread is left to release a lock that a parent thread held at the fork."""
    for session in list(_live):
        session._entries_lock = threading.Lock()


_live: weakref.WeakSet[TransactionAwareSession] = weakref.WeakSet()
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_renew_locks_after_fork)


_derived: dict[type[Any], type[Any]] = {}  # one derived class per class, so isinstance stays cheap


def transaction_aware_session(session_class: type[EventSession]) -> type[TransactionAwareSession]:
    """``session_class`` with ``TransactionAwareSession`` inserted before ``bc_events.EventSession``."""
    derived = _derived.get(session_class)
    if derived is None:
        derived = _derived.setdefault(session_class, _derive_session(session_class))
    return derived


def _derive_session(session_class: type[EventSession]) -> type[TransactionAwareSession]:
    if issubclass(session_class, TransactionAwareSession):
        return session_class
    if session_class is EventSession:
        return TransactionAwareSession
    namespace = {"__module__": session_class.__module__, "__qualname__": session_class.__qualname__}
    derived = types.new_class(
        session_class.__name__,
        (session_class, TransactionAwareSession),
        exec_body=lambda ns: ns.update(namespace),
    )
    return cast("type[TransactionAwareSession]", derived)


def transaction_aware_client(client_class: type[ClientT]) -> type[ClientT]:
    """``client_class`` whose session factories build transaction-aware sessions."""
    derived = _derived.get(client_class)
    if derived is None:
        derived = _derived.setdefault(client_class, _derive_client(client_class))
    return derived


def _derive_client(client_class: type[ClientT]) -> type[ClientT]:
    session_class = transaction_aware_session(client_class.session_class)
    if client_class.session_class is session_class:
        return client_class
    namespace = {
        "session_class": session_class,
        "__module__": client_class.__module__,
        "__qualname__": client_class.__qualname__,
    }
    return cast("type[ClientT]", type(client_class.__name__, (client_class,), namespace))
