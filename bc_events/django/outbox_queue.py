"""The outbox queue: a session queue whose events become outbox rows in the caller's transaction.

With ``BC_EVENTS["OUTBOX"]`` set, ``EventsMiddleware`` gives each request's
session an ``OutboxQueue`` instead of a ``TransactionQueue``; the session API
does not change, and the relay (``manage.py bc_events_relay``) delivers the rows.

Where a row is written (the database decides what commits, not a guess):

* **published inside an atomic block on the outbox's database** (``ATOMIC_REQUESTS``,
  an explicit ``transaction.atomic()``, a savepoint): written at once, one
  INSERT per ``publish()``, in that block.  The row commits or rolls back with
  the block, savepoints included.  Django offers no hook *before* a commit, and
  under ``ATOMIC_REQUESTS`` the request's transaction has committed before the
  response reaches any middleware, so a buffer written later would be written
  after the work committed: a crash between the two would lose the events, the
  very window the outbox closes.  So inside a transaction, one INSERT per event.
  Such a row follows the transaction, not the response: a view that returns a
  400 under ``ATOMIC_REQUESTS`` commits its model rows and its events alike.
* **published outside any atomic block on that database**: buffered (waiting,
  like ``TransactionQueue``, for atomic blocks open on other databases), and
  written when the unit of work commits, all of the session's events in one
  INSERT inside a ``transaction.atomic(using=alias)`` of its own.  They follow
  the middleware's flush rules (dropped when the request fails).

The write of the buffer happens in ``take_batch()``: the queue releases its
batch to ``append(...)`` and hands the session nothing to deliver, so
``UnitOfWork.commit()`` and ``EventSession.flush()`` work unchanged.  With
``topics`` given, only those topics go to the outbox; the others are queued and
delivered on commit as with ``TransactionQueue``.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence

from django.db import connections, transaction

from bc_events.django.outbox import append
from bc_events.django.transactions import TransactionQueue
from bc_events.event import Event
from bc_events.queue import Batch

__all__ = ["OutboxQueue"]


class OutboxQueue:
    """A session queue writing events to the outbox of database ``using`` (see the module doc).

    ``topics``: the full topic names (``category.EntityAction``) that go to the
    outbox; None for every topic.  ``events()`` and ``len()`` count what is not
    written yet (rows already written are the database's).
    """

    def __init__(self, using: str = "default", topics: Collection[str] | None = None) -> None:
        self.using = using
        self.topics = None if topics is None else frozenset(topics)
        self._buffered = TransactionQueue()  # for the outbox, written when the work commits
        self._direct = TransactionQueue()  # topics outside the outbox: delivered on commit
        self.lock = threading.Lock()  # one writer of the buffer at a time

    def renew_lock(self) -> None:
        """In a forked child: fresh locks (``bc_events.queue``)."""
        self.lock = threading.Lock()
        self._buffered.renew_lock()
        self._direct.renew_lock()

    def _in_outbox(self, event: Event) -> bool:
        return self.topics is None or event.topic_name in self.topics

    def enqueue(self, event: Event) -> None:
        if not self._in_outbox(event):
            self._direct.enqueue(event)
        elif connections[self.using].in_atomic_block:
            append([event], using=self.using)  # commits or rolls back with the caller's block
        else:
            self._buffered.enqueue(event)

    def take_batch(self) -> Batch:
        """Write the released buffered events (one INSERT, own transaction); return the direct ones."""
        with self.lock:
            ready = self._buffered.take_batch()
            if ready.events:
                try:
                    with transaction.atomic(using=self.using):
                        append(ready.events, using=self.using)
                except BaseException:
                    self._buffered.return_undelivered(ready, ready.events)  # not written: keep them
                    raise
        return self._direct.take_batch()

    def return_undelivered(self, batch: Batch, events: Sequence[Event]) -> None:
        self._direct.return_undelivered(batch, events)

    def clear(self) -> None:
        self._buffered.clear()
        self._direct.clear()

    def cleared_since(self, batch: Batch) -> bool:
        return self._direct.cleared_since(batch)

    def events(self) -> list[Event]:
        return self._buffered.events() + self._direct.events()

    def __len__(self) -> int:
        return len(self._buffered) + len(self._direct)
