"""What both drivers do around the flow's steps, besides the I/O: counting, logging, acknowledging.

``sync.run`` and ``aio.run`` differ only in how they post and wait (blocking
or awaited); everything else about a step is decided here once, so the two
cannot drift apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bc_events.delivery.flow import Report
from bc_events.delivery.messages import Accepted, Post, Sleep
from bc_events.delivery.stats import new_counts
from bc_events.event import Event

logger = logging.getLogger("bc.events")


class StepBook:
    """Counts a run's steps into ``counts`` (``bc_events.delivery.stats``); passes acknowledgements on."""

    __slots__ = ("_accepted", "counts")

    def __init__(
        self, counts: dict[str, int] | None, accepted: Callable[[Sequence[Event]], None] | None
    ) -> None:
        self.counts = counts if counts is not None else new_counts()
        self._accepted = accepted

    def may_post(self, post: Post, cancelled: Callable[[], bool]) -> bool:
        """False if the send was cancelled (the request is not sent); else count the request."""
        if cancelled():
            return False
        self.counts["requests"] += 1
        self.counts["bytes"] += len(post.body)
        return True

    def acknowledged(self, step: Accepted) -> None:
        self.counts["delivered"] += len(step.events)
        if self._accepted is not None:
            self._accepted(step.events)

    def waiting(self, step: Sleep) -> None:
        """Log the failure a retry follows, and count the retry."""
        logger.warning(
            "event delivery failed (%s); retry %d in %.2fs", step.reason, step.retry_number, step.seconds
        )
        self.counts["retried"] += 1

    def finished(self, report: Report) -> Report:
        self.counts["rejected"] += len(report.rejected)
        self.counts["undelivered"] += len(report.undelivered)
        return report
