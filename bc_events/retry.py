"""RetryPolicy: the one place that decides whether a failed request is retried, and when.

Like urllib3's ``Retry``, one immutable object holds both halves: which
replies, error types, record codes and connection errors are worth another
attempt, and how long to wait before it.  ``replies`` and ``transport`` ask it;
they decide nothing about retrying themselves.
"""

from __future__ import annotations

import math
import random
import ssl
from dataclasses import dataclass
from typing import ClassVar

from urllib3.exceptions import HTTPError, LocationValueError, SSLError


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

    def is_retryable_record(self, code: str) -> bool:
        """Whether a bulk record that failed with ``code`` is worth sending again."""
        return code in self.RETRYABLE_RECORD_CODES

    def is_retryable_error(self, error: HTTPError) -> bool:
        """Whether a request that failed without a reply is worth sending again.

        Timeouts and lost connections are; a configuration problem (a URL
        urllib3 cannot use, a TLS certificate that does not verify) is not:
        retrying it only delays the error.
        """
        return not isinstance(error, LocationValueError) and not _is_tls_configuration_error(error)

    def attempt_ends(self, start: float, deadline: float) -> float | None:
        """When an attempt starting at ``start`` must end; None if too little of the flush's time is left.

        An attempt gets ``attempt_timeout`` or the time left before ``deadline``,
        whichever is shorter; none is started with less than 50 ms left (it
        would time out, and might leave the server a duplicate).
        """
        if deadline - start < min(0.05, self.attempt_timeout, self.total_time / 2):
            return None
        return min(deadline, start + self.attempt_timeout)

    def wait_before_retry(self, retry_number: int, retry_after: float | None) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        exponential = self.initial_backoff * 2.0 ** (retry_number - 1)
        backoff = min(self.max_backoff, exponential + random.uniform(0, self.jitter))
        return backoff if retry_after is None else max(backoff, retry_after)


_CONFIGURATION_SSL_REASONS = frozenset({"WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL"})
"""OpenSSL reasons that mean the two sides cannot talk TLS at all (e.g. https to a plain-HTTP port)."""


def _is_tls_configuration_error(error: BaseException) -> bool:
    """A certificate that does not verify, or a server that does not speak TLS: retrying cannot help."""
    if not isinstance(error, SSLError):
        return False
    seen: list[BaseException] = [error]
    for _ in range(16):  # urllib3 wraps ssl's error, in args or as the cause; never loop for ever
        if not seen:
            break
        cause = seen.pop()
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        if isinstance(cause, ssl.SSLError) and cause.reason in _CONFIGURATION_SSL_REASONS:
            return True
        seen += [arg for arg in cause.args if isinstance(arg, BaseException)]
        if cause.__cause__ is not None:
            seen.append(cause.__cause__)
    return False
