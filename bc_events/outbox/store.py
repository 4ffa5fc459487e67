"""The outbox's rows and the store protocol every outbox store implements.

A row holds what the Events API will receive, never how to rebuild it: the
validated envelope bytes (``Event.body``), the job id, the topic, when it was
written, how many delivery attempts it had, its state and the last error.

The write side (``append``) runs inside the caller's transaction, so the rows
exist exactly when the caller's work committed.  The relay side (``claim``,
``Claim.settle``, dead letters, purge, stats) runs in the store's own
transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bc_events.event import Event

PENDING = "pending"
"""Written and not yet accepted by the Events API (possibly claimed by a relay right now)."""
DELIVERED = "delivered"
"""Accepted by the Events API; purged after the retention."""
REJECTED = "rejected"
"""Refused by the Events API for good (a dead letter), with the API's reason in ``last_error``."""

STATES = (PENDING, DELIVERED, REJECTED)

TABLE = "bc_events_outbox"
"""The rows' table (the Django model and the SQLAlchemy ``Table`` use the same name)."""
LEASE_TABLE = "bc_events_outbox_lease"
"""One row per lease: on SQLite, the relay that holds it is the only one delivering."""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One stored event, as a relay or the dead-letter listing reads it."""

    id: int
    job_id: str
    topic: str
    body: bytes = field(repr=False)
    created_at: float
    """Seconds since the epoch (UTC) when the row was written."""
    attempts: int
    state: str
    last_error: str | None


def new_row(event: Event, now: float) -> tuple[str, str, bytes, float]:
    """The inserted values of ``event``: job id, topic, envelope bytes, time."""
    return (event.job_id, event.topic_name, event.body, now)


@dataclass(frozen=True)
class Settlement:
    """What became of a claim's rows: ids delivered, ids rejected (with reason), ids released (with error).

    Every settled row counts one more attempt; rows of a claim not named here
    stay pending with their attempt count unchanged.
    """

    delivered: Sequence[int] = ()
    rejected: Mapping[int, str] = field(default_factory=dict)
    released: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxStats:
    """The outbox at one moment: rows per state and the oldest pending row's time (None: none pending)."""

    pending: int
    delivered: int
    rejected: int
    oldest_pending_at: float | None


class Claim(Protocol):
    """Rows one relay delivers now; nobody else delivers them until the claim is settled or abandoned.

    On PostgreSQL the rows stay locked (``FOR UPDATE``) in an open transaction
    until ``settle``; a relay that dies releases them with its connection.  On
    SQLite the relay holds the store's lease.  A claim is a context manager:
    leaving it without ``settle`` abandons it (the rows stay pending).
    """

    rows: list[OutboxRow]

    def checkpoint(self, settlement: Settlement) -> None:
        """Commit what became of some rows now, keeping the claim on the others (``rows`` shrinks to them).

        A relay checkpoints after each round of requests, so a crash re-sends
        only the requests in flight.  On PostgreSQL the other rows are locked
        again; one another relay took meanwhile is no longer in ``rows``.
        """

    def settle(self, settlement: Settlement) -> None:
        """Record what became of the rows and end the claim."""

    def abandon(self) -> None:
        """End the claim without changing any row."""

    def __enter__(self) -> Claim: ...

    def __exit__(self, *exc_info: object) -> None: ...


class OutboxStore(Protocol):
    """The relay side of an outbox: claim, settle, dead letters, retention, stats."""

    def claim(self, limit: int) -> Claim:
        """Claim up to ``limit`` pending rows, oldest first, keeping each job's rows in order.

        A job's row is claimed only when every earlier pending row of that job
        is claimed with it, so two relays never deliver one job's events out of
        order.  An empty claim means nothing is claimable now (or, on SQLite,
        another relay holds the lease).
        """
        ...

    def dead_letters(self, limit: int = 100) -> list[OutboxRow]:
        """Rejected rows, oldest first."""
        ...

    def requeue(self, ids: Sequence[int] | None = None) -> int:
        """Make rejected rows pending again (all of them when ``ids`` is None); returns how many."""
        ...

    def purge(self, older_than: float) -> int:
        """Delete delivered rows settled more than ``older_than`` seconds ago; returns how many."""
        ...

    def stats(self) -> OutboxStats:
        """Rows per state and the oldest pending row's time."""
        ...

    def close(self) -> None:
        """Release the store's connection."""
