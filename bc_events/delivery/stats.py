"""Delivery counters: what a transport has sent and what became of it, as a plain mapping."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping

FIELDS = ("delivered", "rejected", "undelivered", "retried", "requests", "bytes")
"""``delivered``/``rejected``/``undelivered``: events (an event left undelivered by two
flushes counts twice); ``retried``: retries (waits before another attempt); ``requests``
and ``bytes``: requests started and their bodies' bytes."""


def new_counts() -> dict[str, int]:
    """Zeroed counters, one per name in ``FIELDS``."""
    return dict.fromkeys(FIELDS, 0)


def add(total: dict[str, int], counts: Mapping[str, int]) -> None:
    """Add ``counts`` into ``total`` (the caller holds whatever lock guards ``total``)."""
    for name, value in counts.items():
        total[name] += value


class EventCount:
    """How many events went through a point that many threads pass at once (``publish()``).

    ``add()`` is one ``next()`` on an ``itertools.count``, atomic in CPython and
    lock-free, so counting adds no lock to the publishing path; ``value`` is read
    rarely (metrics), and each read's own ``next()`` is subtracted.
    """

    __slots__ = ("_reading", "_reads", "_ticks")

    def __init__(self) -> None:
        self._ticks = itertools.count()
        self._reads = 0
        self._reading = threading.Lock()

    def add(self) -> None:
        """Count one event."""
        next(self._ticks)

    @property
    def value(self) -> int:
        """Events counted so far."""
        with self._reading:
            ticks = next(self._ticks)  # every add() so far plus every earlier read
            value = ticks - self._reads
            self._reads += 1
            return value
