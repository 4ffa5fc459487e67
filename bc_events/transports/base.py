"""The Transport interface: what a session needs to deliver events.

A transport takes a batch of events and either delivers all of them or raises
``PublishError`` carrying exactly the ones it could not deliver (``undelivered``,
to keep queued) and the ones the API refused for good (``rejected``).  Sessions
rely on that contract to keep undelivered events queued and never re-send
accepted ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from bc_events.event import Event
from bc_events.wire import BULK_PATH, EVENTS_PATH

Cancelled = Callable[[], bool]
"""Asked before each request of a send: True stops it (the session was rolled back meanwhile)."""

Acknowledged = Callable[[Sequence[Event]], None]
"""Called with the events the API acknowledged, as soon as each reply is read."""


def never_cancelled() -> bool:
    return False


class Transport(Protocol):
    """What ``EventClient`` needs to deliver events (shaped like an httpx transport).

    A transport may also take an ``accepted`` keyword,
    ``send(events, *, cancelled=..., accepted=...)``: it then calls
    ``accepted(events)`` each time the API acknowledged some events, and a
    session whose flush is interrupted (``KeyboardInterrupt``, ``SystemExit``,
    an exception in a hook) keeps queued exactly the events not acknowledged.
    The session passes ``accepted`` only to a transport whose ``send`` declares
    it; without it, an interrupted flush keeps the whole batch queued.

    A transport may also take a ``deadline`` keyword (a ``time.monotonic()``
    instant): the whole send then ends by it, a request on the wire included
    (``HttpTransport`` caps every attempt's end by it).  The deliverer passes
    each batch's deadline, counted from its commit, only to a transport whose
    ``send`` declares it; without it, a request already on the wire when the
    deadline passes may run to the end of its own timeout.
    """

    def send(self, events: Sequence[Event], *, cancelled: Cancelled = never_cancelled) -> None:
        """Deliver ``events``, or raise ``PublishError`` with exactly the undelivered (and rejected) ones.

        ``cancelled()`` is asked before every request a send makes: once it is
        True, no further request starts and what is left is reported undelivered.
        """

    def close(self) -> None:
        """Release connections; the transport is not used afterwards."""


def endpoint_urls(api_url: str, max_request_bytes: int) -> tuple[str, str]:
    """The single and bulk URLs of ``api_url``, after checking what an HTTP transport is given.

    ``ValueError`` for a URL that is not ``http``/``https`` or a request cap below 1 KiB.
    """
    api_url = api_url.rstrip("/")
    if urlsplit(api_url).scheme not in ("http", "https"):
        raise ValueError(f"api_url must start with http:// or https://, got {api_url!r}")
    if type(max_request_bytes) is not int or max_request_bytes < 1024:
        raise ValueError(f"max_request_bytes must be an int of at least 1024, got {max_request_bytes!r}")
    return api_url + EVENTS_PATH, api_url + BULK_PATH
