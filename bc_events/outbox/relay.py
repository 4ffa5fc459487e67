"""The relay: claims pending rows, delivers them through a transport, records what became of each.

Delivery is at least once: a relay killed after the API accepted a request
and before its rows were marked leaves them pending, and they are sent again
(only the rows of that in-flight request).  A job's rows are claimed and sent
in the order they were written; different jobs may go in any order.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import FrameType

from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.outbox.metrics import MetricsLog, Throughput
from bc_events.outbox.store import Claim, OutboxRow, OutboxStore, Settlement
from bc_events.transport import Transport

logger = logging.getLogger("bc.events.outbox")


def row_event(row: OutboxRow) -> Event:
    """An ``Event`` that sends ``row``'s stored envelope as it is (a transport reads body and job id)."""
    category, _, name = row.topic.partition(".")
    return Event(category, name, "", {}, "", "", row.job_id, row.body)


def settle_send(rows: Sequence[OutboxRow], transport: Transport) -> Settlement:
    """Send ``rows`` (grouped by job, each job's rows in order) and say what became of each."""
    ordered = by_job(rows)
    events = [row_event(row) for row in ordered]
    ids = {id(event): row.id for event, row in zip(events, ordered, strict=True)}
    try:
        transport.send(events)
    except PublishError as error:
        # ``rejected`` (refused for good) is a subset of ``undelivered``; the rest failed for now.
        rejected = {ids[id(event)] for event in getattr(error, "rejected", [])}
        undelivered = {ids[id(event)] for event in error.undelivered}
        return Settlement(
            delivered=[ids[id(event)] for event in events if ids[id(event)] not in undelivered],
            rejected=dict.fromkeys(sorted(rejected), error.reason),
            released=dict.fromkeys(sorted(undelivered - rejected), error.reason),
        )
    return Settlement(delivered=[row.id for row in rows])


def by_job(rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """Rows grouped by job (jobs in order of their first row), each job's rows in id order.

    The API takes one job per request: grouping lets a job's rows go in bulk.
    """
    groups: dict[str, list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda row: row.id):
        groups.setdefault(row.job_id, []).append(row)
    return [row for group in groups.values() for row in group]


def _job_groups(rows: Sequence[OutboxRow]) -> list[list[OutboxRow]]:
    """Each job's rows in id order, jobs in the order of their first row."""
    groups: dict[str, list[OutboxRow]] = {}
    for row in by_job(rows):
        groups.setdefault(row.job_id, []).append(row)
    return list(groups.values())


def _merged(settlements: Sequence[Settlement]) -> Settlement:
    return Settlement(
        delivered=[key for part in settlements for key in part.delivered],
        rejected={key: why for part in settlements for key, why in part.rejected.items()},
        released={key: why for part in settlements for key, why in part.released.items()},
    )


@dataclass(frozen=True)
class RelayOptions:
    """How a relay paces itself."""

    batch_size: int = 500
    """Rows claimed per pass."""
    interval: float = 1.0
    """Seconds to wait when the outbox is empty, or after a pass that could not deliver everything."""
    senders: int = 1
    """Threads sending different jobs' rows at once (a job's rows always go from one thread, in order)."""
    retention: float | None = None
    """Purge delivered rows older than this many seconds (None: keep them)."""
    purge_every: float = 300.0
    metrics_every: float | None = 60.0
    """Log the outbox's metrics this often (None: never)."""

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.senders < 1:
            raise ValueError(
                f"batch_size and senders must be at least 1, got {self.batch_size}, {self.senders}"
            )
        if self.interval < 0:
            raise ValueError(f"interval must not be negative, got {self.interval!r}")


class Relay:
    """Delivers an outbox store's rows through ``transport``, pass after pass, until ``stop()``."""

    def __init__(
        self,
        store: OutboxStore,
        transport: Transport,
        options: RelayOptions | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.transport = transport
        self.options = options or RelayOptions()
        self.clock = clock
        self.throughput = Throughput(clock=clock)
        every = self.options.metrics_every
        self._metrics = MetricsLog(store, self.throughput, every, clock) if every else None
        self._stopping = threading.Event()
        self._next_purge = clock()
        self._random = random.Random()
        self._pool = ThreadPoolExecutor(self.options.senders) if self.options.senders > 1 else None

    def run_once(self) -> Settlement:
        """One pass: claim a batch, deliver it round by round; returns what became of the rows."""
        with self.store.claim(self.options.batch_size) as claim:
            if not claim.rows:
                return Settlement()
            settlement = self._deliver(claim)
        self.throughput.record(len(settlement.delivered), len(settlement.rejected), len(settlement.released))
        if settlement.rejected:
            logger.error("outbox: %d event(s) rejected, kept as dead letters", len(settlement.rejected))
        return settlement

    def run(self) -> None:
        """Pass after pass until ``stop()`` (or SIGTERM: ``stop_on_signals``); the last pass ends cleanly."""
        logger.info("outbox relay started (batch size %d)", self.options.batch_size)
        while not self._stopping.is_set():
            try:
                settlement = self.run_once()
                self._housekeeping()
            except Exception:  # the database went away, say: keep the relay up and try again
                logger.exception("outbox relay: pass failed; retrying in %gs", self.options.interval)
                self._reconnect()
                self._stopping.wait(self.options.interval)
                continue
            settled = len(settlement.delivered) + len(settlement.rejected) + len(settlement.released)
            if not settled or settlement.released:  # nothing to do, or the API is failing: pause
                self._stopping.wait(self.options.interval)
        release = getattr(self.store, "release_lease", None)
        if release is not None:
            release()
        logger.info("outbox relay stopped (%d delivered)", self.throughput.delivered)

    def stop(self) -> None:
        """Finish the current pass and return from ``run()``."""
        self._stopping.set()

    def stop_on_signals(self, signals: Sequence[int] = (signal.SIGTERM, signal.SIGINT)) -> None:
        """Make SIGTERM (and Ctrl-C) stop the relay after its current pass (main thread only)."""

        def handle(signum: int, frame: FrameType | None) -> None:
            logger.info("outbox relay: signal %d, stopping after this pass", signum)
            self.stop()

        for number in signals:
            signal.signal(number, handle)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def _deliver(self, claim: Claim) -> Settlement:
        """Send the claim's jobs, ``senders`` at a time; checkpoint after each round.

        A crash then re-sends only the round in flight.  A round that could not
        deliver everything (the API is down, say) ends the pass: the rows not
        tried stay pending, their attempt count unchanged.  Jobs are visited
        from a random one, so relays reading the same candidates rarely
        contend for the same rows.
        """
        groups = _job_groups(claim.rows)
        start = self._random.randrange(len(groups)) if groups else 0
        groups = groups[start:] + groups[:start]
        done: list[Settlement] = []
        for first in range(0, len(groups), self.options.senders):
            held = claim.take(
                [row for group in groups[first : first + self.options.senders] for row in group]
            )
            jobs = _job_groups(held)
            if self._pool is None or len(jobs) < 2:
                results = [settle_send(rows, self.transport) for rows in jobs]
            else:
                results = list(self._pool.map(lambda rows: settle_send(rows, self.transport), jobs))
            round_settled = _merged(results)
            claim.checkpoint(round_settled)
            done.append(round_settled)
            if round_settled.released:
                break
        return _merged(done)

    def _reconnect(self) -> None:
        """Drop the store's connection after a failed pass: the next pass opens a new one."""
        try:
            self.store.close()
        except Exception:  # closing a broken connection may fail too; the next pass reconnects anyway
            logger.debug("outbox relay: closing the store's connection failed", exc_info=True)

    def _housekeeping(self) -> None:
        if self._metrics is not None:
            self._metrics.maybe_log()
        retention = self.options.retention
        if retention is not None and self.clock() >= self._next_purge:
            self._next_purge = self.clock() + self.options.purge_every
            purged = self.store.purge(retention)
            if purged:
                logger.info("outbox: purged %d delivered row(s) older than %gs", purged, retention)
