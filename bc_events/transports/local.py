"""Transports that send nothing: logging (local development) and recording (tests)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from bc_events.event import Event
from bc_events.transports.base import Acknowledged, Cancelled, never_cancelled

logger = logging.getLogger("bc.events")


class LoggingTransport:
    """Logs each event on the ``bc.events`` logger and sends nothing (``api_url=None``)."""

    def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Cancelled = never_cancelled,
        accepted: Acknowledged | None = None,
    ) -> None:
        for event in events:
            logger.info("event %s (job %s): %s", event.topic_name, event.job_id, event.body.decode())
        if accepted is not None:
            accepted(events)

    def close(self) -> None:
        pass


class RecordingTransport:
    """Keeps delivered events in ``delivered``: for tests that want no sockets."""

    def __init__(self) -> None:
        self.delivered: list[Event] = []
        self._lock = threading.Lock()

    def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Cancelled = never_cancelled,
        accepted: Acknowledged | None = None,
    ) -> None:
        with self._lock:
            self.delivered.extend(events)
        if accepted is not None:
            accepted(events)

    def close(self) -> None:
        pass
