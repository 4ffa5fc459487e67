"""The deliverer's queue of committed batches: what waits, how much, and which job's commits go out next.

Plain bookkeeping, no locks and no threads: the deliverer calls it holding its
own lock, and its threads take the batches it hands out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from bc_events.deliverer.limits import DelivererLimits, OnUndelivered
from bc_events.event import Event

__all__ = ["MAX_MERGED", "Backlog", "Commit"]

MAX_MERGED = 100
"""Commits of one job sent together at most (one send, bulk requests of 250 events)."""


@dataclass(eq=False)
class Commit:
    """One commit's events, its deadline and whom to tell when they are not delivered."""

    events: list[Event]
    job_id: str
    deadline: float
    on_undelivered: OnUndelivered | None
    size: int
    done: bool = False  # reported or delivered: never reported twice

    @classmethod
    def of(
        cls, events: Sequence[Event], job_id: str, deadline: float, on_undelivered: OnUndelivered | None
    ) -> Commit:
        return cls(list(events), job_id, deadline, on_undelivered, sum(len(event.body) for event in events))


class Backlog:
    """The queued commits, oldest first, the batches in flight, and the counts the limits bound."""

    def __init__(self) -> None:
        self.queue: deque[Commit] = deque()
        self.events = 0
        self.bytes = 0
        self.sending: set[Commit] = set()
        self.busy: set[str] = set()  # job ids with a send in flight

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing in flight."""
        return not self.queue and not self.sending

    def fits(self, commit: Commit, limits: DelivererLimits) -> bool:
        """Whether ``commit`` fits within ``limits`` beside what is queued."""
        if not self.queue:  # one batch larger than the bounds is still taken, alone
            return True
        return (
            self.events + len(commit.events) <= limits.max_events
            and self.bytes + commit.size <= limits.max_bytes
        )

    def append(self, commit: Commit) -> None:
        self.queue.append(commit)
        self.events += len(commit.events)
        self.bytes += commit.size

    def take(self) -> list[Commit]:
        """The oldest queued commit whose job has none in flight, with that job's later ones.

        One job's commits go out together (bulk requests) and in order; a job in
        flight waits, so its events are never sent out of order.
        """
        first = next((commit for commit in self.queue if commit.job_id not in self.busy), None)
        if first is None:
            return []
        batch = [commit for commit in self.queue if commit.job_id == first.job_id][:MAX_MERGED]
        for commit in batch:
            self.queue.remove(commit)
            self.events -= len(commit.events)
            self.bytes -= commit.size
        self.sending.update(batch)
        self.busy.add(first.job_id)
        return batch

    def finished(self, batch: list[Commit]) -> None:
        """``batch`` (from ``take``) was delivered or reported: its job may go out again."""
        self.sending.difference_update(batch)
        self.busy.discard(batch[0].job_id)

    def clear(self) -> list[Commit]:
        """Empty the queue; returns what was queued or in flight (a send in flight ends with ``finished``)."""
        left = [*self.queue, *self.sending]
        self.queue.clear()
        self.events = self.bytes = 0
        return left
