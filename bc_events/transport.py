"""Delivery of events: the Transport interface and the transports bc_events ships.

A transport takes a batch of events and either delivers all of them or raises
``PublishError`` carrying exactly the ones it could not deliver.  Sessions rely
on that contract to keep undelivered events queued and never re-send accepted
ones.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from bc_events.event import Event

logger = logging.getLogger("bc.events")


class Transport(Protocol):
    """What ``EventClient`` needs to deliver events (shaped like an httpx transport)."""

    def send(self, events: Sequence[Event]) -> None:
        """Deliver ``events``, or raise ``PublishError`` with exactly the undelivered ones."""

    def close(self) -> None:
        """Release connections; the transport is not used afterwards."""


class LoggingTransport:
    """Logs each event on the ``bc.events`` logger and sends nothing (``api_url=None``)."""

    def send(self, events: Sequence[Event]) -> None:
        for event in events:
            logger.info("event %s (job %s): %s", event.topic_name, event.job_id, event.body.decode())

    def close(self) -> None:
        pass


class RecordingTransport:
    """Keeps delivered events in ``delivered``: for tests that want no sockets."""

    def __init__(self) -> None:
        self.delivered: list[Event] = []
        self._lock = threading.Lock()

    def send(self, events: Sequence[Event]) -> None:
        with self._lock:
            self.delivered.extend(events)

    def close(self) -> None:
        pass
