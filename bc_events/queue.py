"""Where a session keeps the events it has not delivered yet: the queue interface and the in-memory queue.

A session gets its queue when it is made (``EventClient.session(..., queue=...)``):

* ``InMemoryQueue`` (the default) keeps every published event until a flush takes it;
* ``bc_events.django.TransactionQueue`` holds back the events of database
  transactions that have not committed and drops those of transactions that
  rolled back.

Every implementation keeps the same contract, which ``EventSession.flush()``
relies on: ``take_batch()`` takes what may be delivered now, ``return_undelivered``
puts back (in front, oldest first) exactly the events it is given -- unless the
queue was cleared since that batch was taken, so that a rollback during a flush
drops what the flush failed to deliver.  A queue is used from several threads
at once, and in a forked child: its session calls ``renew_lock()`` there, if the
queue has one, since no thread is left in the child to release a lock a parent
thread held at the fork.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bc_events.event import Event

__all__ = ["Batch", "EventQueue", "InMemoryQueue"]


@dataclass(frozen=True)
class Batch:
    """Events taken off a queue to be delivered, and the queue's rollback count when they were taken."""

    events: list[Event]
    generation: int


class EventQueue(Protocol):
    """What a session needs from the place its events wait in."""

    def enqueue(self, event: Event) -> None:
        """Queue a validated event (called in the publishing thread)."""
        ...

    def take_batch(self) -> Batch:
        """Take off the queue what may be delivered now (possibly nothing)."""
        ...

    def return_undelivered(self, batch: Batch, events: Sequence[Event]) -> None:
        """Put ``events`` (some of ``batch``) back in front, unless ``clear()`` was called since."""
        ...

    def clear(self) -> None:
        """Drop every queued event; batches taken before are no longer returned."""
        ...

    def cleared_since(self, batch: Batch) -> bool:
        """Whether ``clear()`` was called after ``batch`` was taken (a flush of it stops)."""
        ...

    def events(self) -> list[Event]:
        """Every queued event, oldest first (a copy)."""
        ...

    def __len__(self) -> int:
        """How many events are queued."""
        ...


class InMemoryQueue:
    """The default queue: a list under a lock."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._generation = 0
        self.lock = threading.Lock()

    def renew_lock(self) -> None:
        """In a forked child: a fresh lock (see the module doc)."""
        self.lock = threading.Lock()

    def enqueue(self, event: Event) -> None:
        with self.lock:
            self._events.append(event)

    def take_batch(self) -> Batch:
        with self.lock:
            batch, self._events = self._events, []
            return Batch(batch, self._generation)

    def return_undelivered(self, batch: Batch, events: Sequence[Event]) -> None:
        with self.lock:
            if self._generation == batch.generation:
                self._events[:0] = events

    def clear(self) -> None:
        with self.lock:
            self._events.clear()
            self._generation += 1

    def cleared_since(self, batch: Batch) -> bool:
        return self._generation != batch.generation

    def events(self) -> list[Event]:
        with self.lock:
            return list(self._events)

    def __len__(self) -> int:
        return len(self._events)
