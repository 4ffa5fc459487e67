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
    """A relay's pass: candidate rows, taken and settled round by round.

    ``take(rows)`` returns the rows this relay may send now: on PostgreSQL it
    locks them (``FOR UPDATE SKIP LOCKED``) in a transaction that stays open
    until ``checkpoint``, leaving out rows another relay holds and any row of a
    job whose earlier pending row is not among them; a relay that dies releases
    its locks with its connection.  On SQLite the relay holds the store's lease
    and every row is its own.  ``checkpoint`` commits what became of the round,
    so a crash re-sends only the round in flight.  A claim is a context manager:
    leaving it abandons the round in progress (its rows stay pending).
    """

    rows: list[OutboxRow]
    """The candidates not yet taken, oldest first."""

    def take(self, rows: Sequence[OutboxRow]) -> list[OutboxRow]:
        """Start a round with ``rows`` (removed from ``rows``); returns the ones this relay holds."""
        ...

    def checkpoint(self, settlement: Settlement) -> None:
        """Commit what became of the round's rows (rows not named stay pending, unchanged)."""

    def settle(self, settlement: Settlement) -> None:
        """Checkpoint, and end the claim."""

    def abandon(self) -> None:
        """End the claim; the round in progress changes no row."""

    def __enter__(self) -> Claim: ...

    def __exit__(self, *exc_info: object) -> None: ...


class OutboxStore(Protocol):
    """The relay side of an outbox: claim, settle, dead letters, retention, stats."""

    def claim(self, limit: int) -> Claim:
        """Up to ``limit`` pending rows, oldest first, as candidates of a pass (see ``Claim.take``).

        An empty claim means nothing is pending (or, on SQLite, another relay
        holds the lease).
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
