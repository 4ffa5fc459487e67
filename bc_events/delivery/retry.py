"""RetryPolicy: the one place that decides whether a failed request is retried, and when.

Like urllib3's ``Retry``, one immutable value holds both halves: which
replies, error types, record codes and kinds of connection failure are worth
another attempt, and how long to wait before it.  It is typed on delivery's
own ``ErrorKind``, not on any HTTP library's exceptions, so every driver (sync
or asyncio) shares it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from bc_events.delivery.messages import ErrorKind


@dataclass(frozen=True)
class RetryPolicy:
    """How ``HttpTransport`` retries: exponential backoff with jitter, bounded in time.

    A flush ends within ``total_time`` seconds (plus a few milliseconds of
    bookkeeping) whatever the server does: every attempt's timeout is
    ``attempt_timeout`` or the time left, whichever is shorter; a wait after
    which too little time would be left is not started, and neither is a
    request (``attempt_ends``).  ``Retry-After`` from the server is honoured
    as a lower bound on the wait.
    """

    total_time: float = 30.0
    """Seconds a flush may take; what is not delivered by then is reported undelivered."""
    attempt_timeout: float = 10.0
    """Seconds one request may take, from connecting to the last byte of the reply."""
    initial_backoff: float = 0.1
    """Wait before the first retry; doubles on each retry after it."""
    max_backoff: float = 5.0
    """Longest wait between two attempts, jitter included (a longer ``Retry-After`` still wins)."""
    jitter: float = 0.1
    """Up to this many seconds of random extra wait, so clients do not retry in step."""

    RETRYABLE_ERROR_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"ProvisionedThroughputExceededException", "InternalFailureException"}
    )
    """``errorType`` values of a reply that mean "try again later", whatever its status."""
    RETRYABLE_RECORD_CODES: ClassVar[frozenset[str]] = frozenset(
        {"ProvisionedThroughputExceededException", "InternalFailure", "InternalFailureException"}
    )
    """Per-record results of a bulk reply that are retried (with only those records)."""
    REJECTING_STATUSES: ClassVar[frozenset[int]] = frozenset({400, 422})
    """Statuses whose (non-retryable) ``errorType`` refuses the events themselves (or any 2xx)."""
    RETRYABLE_ERROR_KINDS: ClassVar[frozenset[ErrorKind]] = frozenset(
        {ErrorKind.TIMEOUT, ErrorKind.CONNECT, ErrorKind.PROTOCOL}
    )
    """Failures without a reply worth another attempt; configuration problems are not."""

    def __post_init__(self) -> None:
        for name in ("total_time", "attempt_timeout"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 < value < math.inf):
                raise ValueError(
                    f"RetryPolicy: {name} must be a positive, finite number of seconds, got {value!r}"
                )
        for name in ("initial_backoff", "max_backoff", "jitter"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 <= value < math.inf):
                raise ValueError(
                    f"RetryPolicy: {name} must be a finite number of seconds >= 0, got {value!r}"
                )

    def is_retryable_reply(self, status: int, error_type: object) -> bool:
        """Whether a reply that did not accept the request's events is worth sending again."""
        return status == 429 or status >= 500 or error_type in self.RETRYABLE_ERROR_TYPES

    def is_rejection(self, status: int, error_type: object) -> bool:
        """Whether a reply refuses the events for good (the API named what is wrong with them).

        A 400 or 422 (or a 2xx) with a non-retryable ``errorType`` such as
        ``ValidationException``.  Other failures (401, 403, 404, a 4xx without
        ``errorType``, an HTML page) are about the client's configuration or
        the path between: the events stay queued for a later flush.
        """
        if error_type is None or self.is_retryable_reply(status, error_type):
            return False
        return status in self.REJECTING_STATUSES or 200 <= status < 300

    def is_retryable_record(self, code: str) -> bool:
        """Whether a bulk record that failed with ``code`` is worth sending again."""
        return code in self.RETRYABLE_RECORD_CODES

    def is_retryable_error(self, kind: ErrorKind) -> bool:
        """Whether a request that failed without a reply is worth sending again.

        Timeouts, lost connections and garbled replies are; a configuration
        problem (a URL the client cannot use, a TLS certificate that does not
        verify) is not: retrying it only delays the error.
        """
        return kind in self.RETRYABLE_ERROR_KINDS

    def attempt_ends(self, start: float, deadline: float) -> float | None:
        """When an attempt starting at ``start`` must end; None if too little of the flush's time is left.

        An attempt gets ``attempt_timeout`` or the time left before ``deadline``,
        whichever is shorter; none is started with less than 50 ms left (it
        would time out, and might leave the server a duplicate).
        """
        if deadline - start < min(0.05, self.attempt_timeout, self.total_time / 2):
            return None
        return min(deadline, start + self.attempt_timeout)

    def wait_before_retry(self, retry_number: int, retry_after: float | None, draw: float) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry).

        ``draw`` is a random number in [0, 1) that sets the jitter: the caller
        supplies it, so the policy stays a pure function.
        """
        exponential = self.initial_backoff * 2.0 ** (retry_number - 1)
        backoff = min(self.max_backoff, exponential + draw * self.jitter)
        return backoff if retry_after is None else max(backoff, retry_after)
