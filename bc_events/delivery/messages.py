"""What the delivery flow and its drivers say to each other: plain values, no I/O.

The flow (``bc_events.delivery.flow``) yields ``Post``, ``Sleep`` and
``Accepted``; a driver performs them and sends back an ``Answer``: for a
``Post`` the ``RawReply`` or the ``AttemptError`` it ended with (or
``CANCELLED`` when the session was rolled back before it started), always with
the clock read after the step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bc_events.event import Event


@dataclass(frozen=True, slots=True)
class Post:
    """Send ``body`` (``count`` events of job ``job_id``) to the single or the bulk path.

    The attempt, from connecting to the last byte of the reply, must end by
    ``ends`` (a reading of the flow's clock).
    """

    body: bytes
    job_id: str
    bulk: bool
    count: int
    ends: float


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` before retry ``retry_number`` of a request that failed for ``reason``."""

    seconds: float
    reason: str = ""
    retry_number: int = 1


@dataclass(frozen=True, slots=True)
class Accepted:
    """The API acknowledged ``events``: a driver reports them at once (progress survives interruption)."""

    events: tuple[Event, ...]


Step = Post | Sleep | Accepted


@dataclass(frozen=True, slots=True)
class RawReply:
    """A reply as received: status, the headers delivery reads, at most ``MAX_REPLY_BYTES`` of the body."""

    status: int
    body: bytes
    retry_after: float | None = None
    """``Retry-After`` in seconds (the driver reads an HTTP date against its wall clock)."""
    truncated: bool = False
    """The body was longer than ``MAX_REPLY_BYTES``; ``body`` holds its beginning."""
    location: str | None = None
    """The ``Location`` header (of a redirect)."""


class ErrorKind(enum.Enum):
    """Why a request ended without a reply, in delivery's own words (no library's exception types)."""

    TIMEOUT = "timeout"
    """The attempt's time was up (connecting, sending or reading)."""
    CONNECT = "connect"
    """No connection, or it was lost before a whole reply came."""
    PROTOCOL = "protocol"
    """The server's bytes were not a valid HTTP reply."""
    TLS_CONFIGURATION = "tls configuration"
    """A certificate that does not verify, or a server that does not speak TLS: retrying cannot help."""
    CONFIGURATION = "configuration"
    """A URL or proxy the client cannot use: retrying cannot help."""


@dataclass(frozen=True, slots=True)
class AttemptError:
    """A request that ended without a reply: its kind, and a printable description."""

    kind: ErrorKind
    message: str


class _Cancelled:
    def __repr__(self) -> str:
        return "CANCELLED"


CANCELLED = _Cancelled()
"""Sent for a ``Post`` the driver did not start: the session was rolled back meanwhile."""

Result = RawReply | AttemptError | _Cancelled | None


@dataclass(frozen=True, slots=True)
class Answer:
    """What a driver sends back after a step: its result (None after ``Sleep``/``Accepted``) and the clock."""

    result: Result
    now: float
