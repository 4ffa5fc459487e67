"""EventCount: a counter that many publishing threads add to without a lock."""

from __future__ import annotations

import itertools
import threading

__all__ = ["EventCount"]


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
