"""The deliverer's bounds, and what "reported undelivered" does (see ``bc_events.deliverer``)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from bc_events.errors import PublishError

__all__ = ["DelivererLimits", "OnUndelivered", "report_undelivered"]

logger = logging.getLogger("bc.events")

OnUndelivered = Callable[[PublishError], None]


@dataclass(frozen=True)
class DelivererLimits:
    """How much a client's deliverer holds and how long it waits (see ``bc_events.deliverer``)."""

    max_events: int = 10_000
    """Events queued at most, across all committed batches."""
    max_bytes: int = 8 * 1024 * 1024
    """Bytes of event bodies queued at most."""
    full_wait: float = 0.05
    """Seconds a commit waits for room in a full queue before its events are reported undelivered."""
    shutdown_time: float = 5.0
    """Seconds the deliverer may take at interpreter exit to send what is queued."""
    threads: int = 4
    """Batches sent at once (background threads, started on first use)."""

    def __post_init__(self) -> None:
        for name in ("max_events", "max_bytes", "threads"):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                raise ValueError(f"DelivererLimits: {name} must be a positive int, got {value!r}")
        for name in ("full_wait", "shutdown_time"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 <= value < math.inf):
                raise ValueError(
                    f"DelivererLimits: {name} must be a finite number of seconds >= 0, got {value!r}"
                )


def report_undelivered(job_id: str, error: PublishError, on_undelivered: OnUndelivered | None) -> None:
    """Log the undelivered envelopes at ERROR, then call ``on_undelivered`` (its errors are logged)."""
    lost = [*error.undelivered, *error.rejected]  # rejected ones too: enough to dead-letter them
    envelopes = "\n".join(event.body.decode() for event in lost)
    logger.error(
        "bc_events: %d event(s) of job %s were not delivered after the work succeeded (%s); envelopes:\n%s",
        len(lost),
        job_id,
        error.reason,
        envelopes,
    )
    if on_undelivered is None:
        return
    try:
        on_undelivered(error)
    except Exception:
        logger.exception("bc_events: the on_undelivered callback raised")
