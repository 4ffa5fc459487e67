"""The outbox's health as a plain mapping, and as log lines at an interval.

Worth alerting on (see the README): ``depth`` growing for minutes, an
``oldest_pending_age_seconds`` above a few times the relay's interval (no relay
running, or the API down), and any increase of ``rejected`` (dead letters wait
for someone to look at them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from bc_events.outbox.store import OutboxStore

logger = logging.getLogger("bc.events.outbox")

Metrics = dict[str, "int | float | None"]


class Throughput:
    """Events a relay settled, in total and per second over a sliding window (thread-safe)."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self.started = clock()
        self.delivered = 0
        self.rejected = 0
        self.released = 0
        self._recent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def record(self, delivered: int, rejected: int, released: int) -> None:
        now = self.clock()
        with self._lock:
            self.delivered += delivered
            self.rejected += rejected
            self.released += released
            self._recent.append((now, delivered))
            self._forget(now)

    def per_second(self) -> float:
        """Events delivered per second over the last ``window`` seconds (or since the start, if shorter)."""
        now = self.clock()
        with self._lock:
            self._forget(now)
            span = min(self.window, now - self.started)
            return sum(count for _, count in self._recent) / span if span > 0 else 0.0

    def _forget(self, now: float) -> None:
        while self._recent and self._recent[0][0] < now - self.window:
            self._recent.popleft()


def outbox_metrics(
    store: OutboxStore, throughput: Throughput | None = None, now: float | None = None
) -> Metrics:
    """The outbox's depth, oldest pending age, rejected count and (given a relay's meter) its throughput.

    Keys: ``depth`` (pending rows), ``oldest_pending_age_seconds`` (None when
    nothing is pending), ``rejected`` (dead letters), ``delivered_kept`` (delivered
    rows not yet purged), and with ``throughput``: ``relay_events_per_second``,
    ``relay_delivered_total``, ``relay_rejected_total``, ``relay_released_total``.
    """
    stats = store.stats()
    now = time.time() if now is None else now
    age = None if stats.oldest_pending_at is None else max(0.0, now - stats.oldest_pending_at)
    metrics: Metrics = {
        "depth": stats.pending,
        "oldest_pending_age_seconds": age,
        "rejected": stats.rejected,
        "delivered_kept": stats.delivered,
    }
    if throughput is not None:
        metrics.update(
            relay_events_per_second=round(throughput.per_second(), 1),
            relay_delivered_total=throughput.delivered,
            relay_rejected_total=throughput.rejected,
            relay_released_total=throughput.released,
        )
    return metrics


def format_metrics(metrics: Metrics) -> str:
    """``outbox depth=3 oldest_pending_age_seconds=1.2 ...``: one line, keys in a fixed order."""
    parts = []
    for key, value in metrics.items():
        shown = f"{value:.1f}" if isinstance(value, float) else "-" if value is None else str(value)
        parts.append(f"{key}={shown}")
    return "outbox " + " ".join(parts)


class MetricsLog:
    """Logs ``outbox_metrics`` on the ``bc.events.outbox`` logger at most every ``every`` seconds."""

    def __init__(
        self,
        store: OutboxStore,
        throughput: Throughput | None = None,
        every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.throughput = throughput
        self.every = every
        self.clock = clock
        self._next = clock() + every

    def maybe_log(self) -> bool:
        """Log a line if ``every`` seconds passed since the last one; returns whether it logged."""
        now = self.clock()
        if now < self._next:
            return False
        self._next = now + self.every
        logger.info("%s", format_metrics(outbox_metrics(self.store, self.throughput)))
        return True
