"""HttpTransport: delivery to the Events API over pooled keep-alive connections, run by the sync driver."""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Sequence

from bc_events._version import __version__
from bc_events.delivery import stats, sync
from bc_events.delivery.flow import deliver
from bc_events.delivery.messages import AttemptError, Post, RawReply
from bc_events.delivery.replies import printable
from bc_events.delivery.retry import RetryPolicy
from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.transports.base import Acknowledged, Cancelled, endpoint_urls, never_cancelled
from bc_events.transports.pool import ConnectionPool
from bc_events.transports.proxy import choose_proxy
from bc_events.wire import JOB_ID_HEADER, MAX_REQUEST_BYTES

wire_logger = logging.getLogger("bc.events.wire")
"""Logs each request and reply at DEBUG: the debug switch is setting this logger's level to DEBUG."""


class HttpTransport:
    """Delivers events to the Events API over pooled keep-alive HTTP connections.

    Five or fewer events of one job go one by one to ``POST {api_url}/events``;
    more go in bulk requests to ``POST {api_url}/events/bulk/`` of at most 250
    events and ``max_request_bytes`` bytes (default 5 MiB, the limit of Kinesis
    PutRecords behind the API); a 413 splits a request in halves.  ``retry``
    decides what is retried (bulk: only the failed records) and bounds the
    whole send in time.  Events the API rejects are reported and the send goes
    on with the others.  A redirect is not followed (a POST must not change
    its target silently): it is reported with its ``Location``.

    ``proxy`` is the proxy URL to use (``""``: none); by default the
    environment decides, as for urllib and requests: ``HTTPS_PROXY`` or
    ``HTTP_PROXY`` by the API's scheme (or ``ALL_PROXY``), unless ``NO_PROXY``
    names its host; read once, here.  Safe to share between threads and to use
    in a forked child; after ``close()``, ``send`` raises ``RuntimeError``.
    """

    def __init__(
        self,
        api_url: str,
        *,
        retry: RetryPolicy | None = None,
        pool_size: int = 10,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        proxy: str | None = None,
    ) -> None:
        self.publish_url, self.publish_bulk_url = endpoint_urls(api_url, max_request_bytes)
        self.retry = retry or RetryPolicy()
        self.max_request_bytes = max_request_bytes
        self.proxy = choose_proxy(api_url, proxy)
        self._pool = ConnectionPool(pool_size, self.proxy)
        self._headers = {"Content-Type": "application/json", "User-Agent": f"bc-events/{__version__}"}
        self._closed = False
        self._counts = stats.new_counts()
        self._counts_lock = threading.Lock()
        _live_transports.add(self)

    def stats(self) -> dict[str, int]:
        """Counters since the transport was made: a plain mapping (a copy).

        ``delivered``, ``rejected`` and ``undelivered`` count events (an event left
        undelivered by two flushes counts twice), ``retried`` the retries,
        ``requests`` and ``bytes`` the requests started and their bodies' size.
        """
        with self._counts_lock:
            return dict(self._counts)

    def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Cancelled = never_cancelled,
        accepted: Acknowledged | None = None,
        deadline: float | None = None,
    ) -> None:
        """Deliver ``events`` (see ``Transport``); ``accepted`` hears of each acknowledgement.

        ``deadline`` (a ``time.monotonic()`` instant) ends the whole send by then
        when it comes before ``retry.total_time`` from now: every attempt's end
        is capped by it, so no request outlives it.
        """
        if self._closed:
            raise RuntimeError(
                "this HttpTransport (or its EventClient) is closed; create a new one to publish"
            )
        flow = deliver(
            events, self.retry, time.monotonic(), max_request_bytes=self.max_request_bytes, deadline=deadline
        )
        counts = stats.new_counts()
        try:
            report = sync.run(flow, self._post, cancelled=cancelled, accepted=accepted, counts=counts)
        finally:  # an interrupted send's requests count too
            with self._counts_lock:
                stats.add(self._counts, counts)
        if report.undelivered or report.rejected:
            raise PublishError(report.reason, report.undelivered, report.rejected)

    def close(self) -> None:
        self._closed = True
        self._pool.close()

    def _post(self, post: Post) -> RawReply | AttemptError:
        url = self.publish_bulk_url if post.bulk else self.publish_url
        headers = {**self._headers, JOB_ID_HEADER: post.job_id}
        if not wire_logger.isEnabledFor(logging.DEBUG):
            return self._pool.post(url, post.body, headers, post.ends)
        body = printable(post.body.decode(), 2000)
        wire_logger.debug("POST %s job %s: %d bytes: %s", url, post.job_id, len(post.body), body)
        result = self._pool.post(url, post.body, headers, post.ends)
        if isinstance(result, AttemptError):
            kind, message = result.kind.value, result.message
            wire_logger.debug("POST %s job %s: no reply (%s): %s", url, post.job_id, kind, message)
        else:
            reply = printable(result.body.decode("utf-8", "replace"), 2000)
            wire_logger.debug("POST %s job %s: HTTP %d: %s", url, post.job_id, result.status, reply)
        return result


_live_transports: weakref.WeakSet[HttpTransport] = weakref.WeakSet()


def _renew_locks_after_fork() -> None:
    """In a forked child no thread is left to release a lock a parent thread held at the fork."""
    for transport in list(_live_transports):
        transport._counts_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_locks_after_fork)
