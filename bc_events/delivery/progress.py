"""What a flush knows when it is interrupted: which of its events the API has acknowledged.

A session hands its batch to ``Progress.send``; if anything interrupts the
send (``KeyboardInterrupt``, ``SystemExit`` from a signal handler, an
exception in a hook), ``unacknowledged()`` is exactly what must stay queued.
Transports that take the ``accepted`` keyword report each acknowledgement;
for any other transport nothing is known, so the whole batch stays queued.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bc_events.event import Event


class _Sends(Protocol):
    def send(self, events: Sequence[Event], *, cancelled: Callable[[], bool] = ...) -> None: ...


class Progress:
    """The events of one send and those of them the API acknowledged so far."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.events = events
        self._acknowledged: list[Sequence[Event]] = []  # ids are taken only if the send is interrupted

    def send(self, transport: _Sends, *, cancelled: Callable[[], bool]) -> None:
        """``transport.send(events)``, recording acknowledgements if the transport reports them."""
        if reports_acceptance(transport):
            send: Any = transport.send
            send(self.events, cancelled=cancelled, accepted=self.accepted)
        else:
            transport.send(self.events, cancelled=cancelled)

    def accepted(self, events: Sequence[Event]) -> None:
        """Record that the API acknowledged ``events``."""
        self._acknowledged.append(events)

    def unacknowledged(self) -> list[Event]:
        """The events not acknowledged, in their order: what an interrupted flush keeps queued."""
        acknowledged = {id(event) for events in self._acknowledged for event in events}
        return [event for event in self.events if id(event) not in acknowledged]


_declares: dict[tuple[type, str], bool] = {}


def reports_acceptance(transport: object) -> bool:
    """Whether ``transport.send`` takes the ``accepted`` keyword (looked up once per class)."""
    return declares_keyword(transport, "accepted")


def declares_keyword(transport: object, name: str) -> bool:
    """Whether ``transport.send`` declares the keyword-only parameter ``name`` (looked up once per class).

    The optional keywords of ``Transport.send`` (``accepted``, ``deadline``) are
    passed only to a transport that declares them, so custom transports written
    before them keep working.
    """
    key = (type(transport), name)
    known = _declares.get(key)
    if known is None:
        try:
            parameters = inspect.signature(transport.send).parameters  # type: ignore[attr-defined]
        except (TypeError, ValueError, AttributeError):
            parameters = {}  # type: ignore[assignment]
        parameter = parameters.get(name)
        known = parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY
        _declares[key] = known
    return known
