"""Delivery counters: what a transport has sent and what became of it, as a plain mapping."""

from __future__ import annotations

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
