"""Delivery of events: the Transport interface and the transports bc_events ships.

A transport takes a batch of events and either delivers all of them or raises
``PublishError`` carrying exactly the ones it could not deliver.  Sessions rely
on that contract to keep undelivered events queued and never re-send accepted
ones.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol
from urllib.parse import urlsplit

import urllib3

from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.pool import ConnectionPool
from bc_events.replies import Outcome, printable, read_reply
from bc_events.retry import RetryPolicy
from bc_events.wire import BULK_PATH, EVENTS_PATH, JOB_ID_HEADER, MAX_BULK_RECORDS, SINGLE_LIMIT

__all__ = ["HttpTransport", "LoggingTransport", "RecordingTransport", "RetryPolicy", "Transport"]

logger = logging.getLogger("bc.events")


Cancelled = Callable[[], bool]
"""Asked before each request of a send: True stops it (the session was rolled back meanwhile)."""


def never_cancelled() -> bool:
    return False


class Transport(Protocol):
    """What ``EventClient`` needs to deliver events (shaped like an httpx transport)."""

    def send(self, events: Sequence[Event], *, cancelled: Cancelled = never_cancelled) -> None:
        """Deliver ``events``, or raise ``PublishError`` with exactly the undelivered ones.

        ``cancelled()`` is asked before every request a send makes: once it is
        True, no further request starts and what is left is reported undelivered.
        """

    def close(self) -> None:
        """Release connections; the transport is not used afterwards."""


class LoggingTransport:
    """Logs each event on the ``bc.events`` logger and sends nothing (``api_url=None``)."""

    def send(self, events: Sequence[Event], *, cancelled: Cancelled = never_cancelled) -> None:
        for event in events:
            logger.info("event %s (job %s): %s", event.topic_name, event.job_id, event.body.decode())

    def close(self) -> None:
        pass


class RecordingTransport:
    """Keeps delivered events in ``delivered``: for tests that want no sockets."""

    def __init__(self) -> None:
        self.delivered: list[Event] = []
        self._lock = threading.Lock()

    def send(self, events: Sequence[Event], *, cancelled: Cancelled = never_cancelled) -> None:
        with self._lock:
            self.delivered.extend(events)

    def close(self) -> None:
        pass


class HttpTransport:
    """Delivers events to the Events API over pooled keep-alive HTTP connections.

    Five or fewer events of one job go one by one to ``POST {api_url}/events``;
    more go in bulk requests of at most 250 to ``POST {api_url}/events/bulk/``.
    ``retry`` decides what is retried (bulk: only the failed records) and bounds
    the whole send in time.  The first batch that still fails stops the send:
    it and every later event are reported undelivered in ``PublishError``.
    Safe to share between threads and to use in a forked child; after
    ``close()``, ``send`` raises ``RuntimeError``.
    """

    def __init__(self, api_url: str, *, retry: RetryPolicy | None = None, pool_size: int = 10) -> None:
        api_url = api_url.rstrip("/")
        scheme = urlsplit(api_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"api_url must start with http:// or https://, got {api_url!r}")
        self.publish_url = api_url + EVENTS_PATH
        self.publish_bulk_url = api_url + BULK_PATH
        self.retry = retry or RetryPolicy()
        self._pool = ConnectionPool(pool_size)
        self._headers = {"Content-Type": "application/json", "User-Agent": f"bc-events/{_version()}"}
        self._closed = False

    def send(self, events: Sequence[Event], *, cancelled: Cancelled = never_cancelled) -> None:
        if self._closed:
            raise RuntimeError(
                "this HttpTransport (or its EventClient) is closed; create a new one to publish"
            )
        deadline = time.monotonic() + self.retry.total_time
        position = 0
        for batch, url in self._plan(events):
            ends = self.retry.attempt_ends(time.monotonic(), deadline)
            if ends is None:
                reason = f"total_time ({self.retry.total_time:g}s) was up before these events could be sent"
                raise PublishError(reason, events[position:])
            if cancelled():
                raise PublishError(_CANCELLED, events[position:])
            try:
                self._deliver(batch, url, ends, deadline, cancelled)
            except PublishError as failure:
                later = events[position + len(batch) :]
                raise PublishError(failure.reason, [*failure.undelivered, *later]) from None
            position += len(batch)

    def close(self) -> None:
        self._closed = True
        self._pool.close()

    def _plan(self, events: Sequence[Event]) -> Iterator[tuple[list[Event], str]]:
        """Split into requests: runs of one job id, each sent singly or in bulk chunks."""
        for _, run in itertools.groupby(events, key=lambda event: event.job_id):
            batch = list(run)
            if len(batch) <= SINGLE_LIMIT:
                for event in batch:
                    yield [event], self.publish_url
            else:
                for start in range(0, len(batch), MAX_BULK_RECORDS):
                    yield batch[start : start + MAX_BULK_RECORDS], self.publish_bulk_url

    def _deliver(
        self, batch: list[Event], url: str, ends: float, deadline: float, cancelled: Cancelled
    ) -> None:
        """Send one batch until all is accepted; else ``PublishError`` with what is left of it.

        The first attempt must end at ``ends``, the whole batch by ``deadline``.
        """
        pending, rejected, reasons = batch, list[Event](), list[str]()
        for retry_number in itertools.count(1):
            outcome = self._attempt(pending, url, ends)
            if outcome.rejected:
                rejected += [pending[index] for index in outcome.rejected]
                reasons.append(outcome.reason)
            pending = [pending[index] for index in outcome.retry]
            if not pending:
                break
            wait = self.retry.wait_before_retry(retry_number, outcome.retry_after)
            next_ends = self.retry.attempt_ends(time.monotonic() + wait, deadline)
            if next_ends is None:
                reason = "; ".join(dict.fromkeys([*reasons, outcome.reason]))
                raise PublishError(reason, _in_order(batch, pending, rejected))
            ends = next_ends
            logger.warning(
                "event delivery failed (%s); retry %d in %.2fs", outcome.reason, retry_number, wait
            )
            time.sleep(wait)
            if cancelled():
                raise PublishError(_CANCELLED, _in_order(batch, pending, rejected))
        if rejected:
            raise PublishError("; ".join(dict.fromkeys(reasons)), _in_order(batch, rejected))

    def _attempt(self, events: list[Event], url: str, ends: float) -> Outcome:
        bulk = url == self.publish_bulk_url
        body = b"[" + b",".join(event.body for event in events) + b"]" if bulk else events[0].body
        headers = {**self._headers, JOB_ID_HEADER: events[0].job_id}
        try:
            reply = self._pool.post(url, body, headers, ends)
        except urllib3.exceptions.HTTPError as error:
            reason = printable(f"{type(error).__name__}: {error}", limit=300)
            return Outcome.whole(len(events), reason, retryable=self.retry.is_retryable_error(error))
        return read_reply(reply, len(events), bulk, self.retry)


_CANCELLED = "the send was cancelled (the session was rolled back) before these events were sent"


def _in_order(batch: list[Event], *groups: list[Event]) -> list[Event]:
    """The events of ``groups`` in the order they have in ``batch``."""
    wanted = {id(event) for group in groups for event in group}
    return [event for event in batch if id(event) in wanted]


def _version() -> str:
    from bc_events import __version__

    return __version__
