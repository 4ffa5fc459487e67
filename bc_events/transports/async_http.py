"""AsyncHttpTransport: the delivery core over httpx's asyncio client (the ``async`` extra).

The same contract as ``HttpTransport``: pooled keep-alive connections, each
attempt from connecting to the last byte of the reply bounded by its deadline
(``asyncio.timeout`` around the whole exchange, so a trickling server cannot
stretch it), at most ``MAX_REPLY_BYTES`` of a reply read, no redirect
followed, the proxy chosen by the same rules (``transports.proxy``), and a
TLS configuration error failing at once.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence

import httpx

from bc_events._version import __version__
from bc_events.delivery import aio, stats
from bc_events.delivery.flow import deliver
from bc_events.delivery.messages import AttemptError, ErrorKind, Post, RawReply
from bc_events.delivery.replies import printable, retry_after_seconds
from bc_events.delivery.retry import RetryPolicy
from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.transports.base import Acknowledged, Cancelled, endpoint_urls, never_cancelled
from bc_events.transports.failures import is_tls_configuration_error
from bc_events.transports.proxy import choose_proxy
from bc_events.wire import JOB_ID_HEADER, MAX_REPLY_BYTES, MAX_REQUEST_BYTES


class AsyncHttpTransport:
    """Delivers events to the Events API from asyncio code; see ``HttpTransport`` for the rules.

    ``proxy`` is the proxy URL (``""``: none); by default the environment
    decides, read once here exactly as ``HttpTransport`` reads it.  Use it from
    one event loop; ``await aclose()`` releases the connections, after which
    ``send`` raises ``RuntimeError``.
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
        # trust_env=False: the proxy is already chosen above (one rule for both transports),
        # and httpx's environment would also bring .netrc credentials we must not send.
        self._client = httpx.AsyncClient(
            proxy=self.proxy,
            trust_env=False,
            follow_redirects=False,
            timeout=None,  # asyncio.timeout bounds the whole attempt instead
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
        )
        self._headers = {
            "Content-Type": "application/json",
            "User-Agent": f"bc-events/{__version__}",
            "Accept-Encoding": "identity",  # no compression: a zip bomb stays unread
        }
        self._closed = False
        self._counts = stats.new_counts()

    def stats(self) -> dict[str, int]:
        """Counters since the transport was made (see ``HttpTransport.stats``): a copy."""
        return dict(self._counts)

    async def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Cancelled = never_cancelled,
        accepted: Acknowledged | None = None,
    ) -> None:
        """Deliver ``events``, or raise ``PublishError`` with exactly the undelivered and rejected ones.

        ``accepted(events)`` hears of each acknowledgement as it comes, so a
        caller whose task is cancelled knows what the API already holds.
        """
        if self._closed:
            raise RuntimeError("this AsyncHttpTransport (or its AsyncEventClient) is closed")
        flow = deliver(events, self.retry, time.monotonic(), max_request_bytes=self.max_request_bytes)
        counts = stats.new_counts()
        try:
            report = await aio.run(flow, self._post, cancelled=cancelled, accepted=accepted, counts=counts)
        finally:  # a cancelled send's requests count too
            stats.add(self._counts, counts)
        if report.undelivered or report.rejected:
            raise PublishError(report.reason, report.undelivered, report.rejected)

    async def aclose(self) -> None:
        """Close every pooled connection."""
        self._closed = True
        await self._client.aclose()

    async def _post(self, post: Post) -> RawReply | AttemptError:
        url = self.publish_bulk_url if post.bulk else self.publish_url
        headers = {**self._headers, JOB_ID_HEADER: post.job_id}
        budget = post.ends - time.monotonic()
        if budget <= 0:
            return AttemptError(ErrorKind.TIMEOUT, "TimeoutError: no time left for the attempt")
        try:
            async with asyncio.timeout(budget):
                return await self._exchange(url, post.body, headers)
        except TimeoutError:
            return AttemptError(ErrorKind.TIMEOUT, f"TimeoutError: no whole reply within {budget:.3g}s")
        except (httpx.HTTPError, OSError, ssl.SSLError) as error:
            message = printable(f"{type(error).__name__}: {error}", limit=300)
            return AttemptError(error_kind(error), message)

    async def _exchange(self, url: str, body: bytes, headers: dict[str, str]) -> RawReply:
        async with self._client.stream("POST", url, content=body, headers=headers) as response:
            data = bytearray()
            async for chunk in response.aiter_raw():
                data += chunk
                if len(data) > MAX_REPLY_BYTES:
                    break  # leaving the block unread closes the connection
            retry_after = retry_after_seconds(response.headers.get("Retry-After"), time.time())
            truncated = len(data) > MAX_REPLY_BYTES
            location = response.headers.get("Location")
            return RawReply(
                response.status_code, bytes(data[:MAX_REPLY_BYTES]), retry_after, truncated, location
            )


def error_kind(error: BaseException) -> ErrorKind:
    """What kind of failure an exception of httpx (or of the socket or TLS under it) is."""
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ErrorKind.CONFIGURATION
    if any(is_tls_configuration_error(cause) for cause in _causes(error)):
        return ErrorKind.TLS_CONFIGURATION
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return ErrorKind.TIMEOUT
    if isinstance(error, httpx.TransportError | OSError):  # incl. a server that closed mid-reply
        return ErrorKind.CONNECT
    return ErrorKind.PROTOCOL


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and what it wraps (httpx re-raises httpcore's, which wraps ssl's); bounded."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(found) < 16:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found
