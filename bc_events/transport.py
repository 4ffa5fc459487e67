"""Delivery of events: the Transport interface and the transports bc_events ships.

A transport takes a batch of events and either delivers all of them or raises
``PublishError`` carrying exactly the ones it could not deliver.  Sessions rely
on that contract to keep undelivered events queued and never re-send accepted
ones.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import urllib3

from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.replies import DeliveryFailure, check_single_reply, describe_rejections, read_bulk_reply

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


@dataclass(frozen=True)
class RetryPolicy:
    """How ``HttpTransport`` retries: exponential backoff with jitter, bounded in time.

    Retrying stops once ``total_time`` seconds have passed since the flush began
    (a wait that would cross that line is not started), so a flush takes at most
    about ``total_time + attempt_timeout``.  ``Retry-After`` from the server is
    honoured as a lower bound on the wait.
    """

    total_time: float = 30.0
    """Seconds after which a flush stops retrying and reports what is undelivered."""
    attempt_timeout: float = 10.0
    """Seconds one request may take (connect plus read) before it counts as failed."""
    initial_backoff: float = 0.1
    """Wait before the first retry; doubles on each retry after it."""
    max_backoff: float = 5.0
    """Longest wait between two attempts, jitter included (a longer ``Retry-After`` still wins)."""
    jitter: float = 0.1
    """Up to this many seconds of random extra wait, so clients do not retry in step."""

    def wait_before_retry(self, retry_number: int, retry_after: float | None) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        exponential = self.initial_backoff * 2.0 ** (retry_number - 1)
        backoff = min(self.max_backoff, exponential + random.uniform(0, self.jitter))
        return backoff if retry_after is None else max(backoff, retry_after)


class HttpTransport:
    """Delivers events to the Events API over pooled keep-alive HTTP connections.

    Five or fewer events go one by one to ``POST {api_url}/events``; more go in
    bulk requests of at most 250 to ``POST {api_url}/events/bulk/``.  Throttling,
    5xx, timeouts and connection errors are retried (bulk: only the failed
    records) under ``retry``.  The first batch that still fails stops the send:
    it and every later event are reported undelivered in ``PublishError``.
    Safe to share between threads.
    """

    single_limit = 5
    bulk_size = 250

    def __init__(self, api_url: str, *, retry: RetryPolicy | None = None, pool_size: int = 10) -> None:
        api_url = api_url.rstrip("/")
        self.publish_url = f"{api_url}/events"
        self.publish_bulk_url = f"{api_url}/events/bulk/"
        self.retry = retry or RetryPolicy()
        self._pool = urllib3.PoolManager(maxsize=pool_size, retries=False)
        self._headers = {"Content-Type": "application/json", "User-Agent": f"bc-events/{_version()}"}
        self._timeout = urllib3.Timeout(total=self.retry.attempt_timeout)

    def send(self, events: Sequence[Event]) -> None:
        deadline = time.monotonic() + self.retry.total_time
        position = 0
        for batch, post in self._plan(events):
            try:
                post(batch, deadline)
            except _Undelivered as failure:
                later = events[position + len(batch) :]
                raise PublishError(failure.reason, [*failure.events, *later]) from None
            position += len(batch)

    def close(self) -> None:
        self._pool.clear()

    def _plan(self, events: Sequence[Event]) -> Iterator[tuple[list[Event], _Post]]:
        """Split into requests: runs of one job id, each sent singly or in bulk chunks."""
        for _, run in itertools.groupby(events, key=lambda event: event.job_id):
            batch = list(run)
            if len(batch) <= self.single_limit:
                for event in batch:
                    yield [event], self._post_single
            else:
                for start in range(0, len(batch), self.bulk_size):
                    yield batch[start : start + self.bulk_size], self._post_bulk

    def _post_single(self, batch: list[Event], deadline: float) -> None:
        (event,) = batch

        def attempt() -> None:
            check_single_reply(self._post(self.publish_url, event.body, event.job_id))

        try:
            self._with_retries(attempt, deadline)
        except DeliveryFailure as failure:
            raise _Undelivered(batch, failure.reason) from None

    def _post_bulk(self, batch: list[Event], deadline: float) -> None:
        pending = batch
        rejected: list[tuple[Event, str]] = []

        def attempt() -> None:
            nonlocal pending
            body = b"[" + b",".join(event.body for event in pending) + b"]"
            outcome = read_bulk_reply(self._post(self.publish_bulk_url, body, batch[0].job_id), len(pending))
            rejected.extend((pending[index], code) for index, code in outcome.rejected)
            pending = [pending[index] for index in outcome.retryable]
            if pending:
                raise DeliveryFailure(f"{len(pending)} record(s) throttled", retryable=True)

        try:
            self._with_retries(attempt, deadline)
        except DeliveryFailure as failure:
            raise _Undelivered(_in_order(batch, pending, [e for e, _ in rejected]), failure.reason) from None
        if rejected:
            codes = [(index, code) for index, (_, code) in enumerate(rejected)]
            raise _Undelivered(_in_order(batch, [e for e, _ in rejected]), describe_rejections(codes))

    def _with_retries(self, attempt: Callable[[], None], deadline: float) -> None:
        """Run ``attempt`` until it succeeds, fails for good, or the next wait would pass ``deadline``.

        A small loop rather than a retry library: the first attempt (almost
        always the only one) costs nothing extra, the deadline spans the whole
        flush, and ``Retry-After`` sets a floor on the wait.
        """
        for retry_number in itertools.count(1):
            try:
                attempt()
                return
            except DeliveryFailure as failure:
                wait = self.retry.wait_before_retry(retry_number, failure.retry_after)
                if not failure.retryable or time.monotonic() + wait >= deadline:
                    raise
                logger.warning("event delivery failed (%s); retry %d in %.2fs", failure, retry_number, wait)
                time.sleep(wait)

    def _post(self, url: str, body: bytes, job_id: str) -> urllib3.BaseHTTPResponse:
        headers = {**self._headers, JOB_ID_HEADER: job_id}
        try:
            return self._pool.request(
                "POST", url, body=body, headers=headers, timeout=self._timeout, retries=False, redirect=False
            )
        except urllib3.exceptions.HTTPError as error:
            raise DeliveryFailure(f"{type(error).__name__}: {error}", retryable=True) from None


JOB_ID_HEADER = "x-britecore-job-id"

_Post = Callable[[list[Event], float], None]


class _Undelivered(Exception):
    def __init__(self, events: list[Event], reason: str) -> None:
        super().__init__(reason)
        self.events = events
        self.reason = reason


def _in_order(batch: list[Event], *groups: list[Event]) -> list[Event]:
    """The events of ``groups`` in the order they have in ``batch``."""
    wanted = {id(event) for group in groups for event in group}
    return [event for event in batch if id(event) in wanted]


def _version() -> str:
    from bc_events import __version__

    return __version__
