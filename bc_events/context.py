"""The one place sessions are bound to a context: ``current_session()`` and ``bind_session()``.

A ``contextvars.ContextVar`` holds the session, so the binding follows the code
that runs for one unit of work: each thread starts with no session, each asyncio
task inherits the binding of the code that created it, and a binding ends when
its ``with`` block does, even when the block raises.  The integrations
(``bc_events.django``, ``bc_events.celery``, ``bc_events.asgi``, ``bc_events.wsgi``)
bind the session of each request or task; ``bind_session`` is for code outside
them (scripts, jobs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from bc_events.errors import NoSessionError
from bc_events.session import EventSession

SessionT = TypeVar("SessionT", bound=EventSession)

_current: ContextVar[EventSession | None] = ContextVar("bc_events_current_session", default=None)


def current_session() -> EventSession:
    """The session bound to the current context; ``NoSessionError`` when none is bound."""
    session = _current.get()
    if session is None:
        raise NoSessionError(
            "no bc_events session is bound to this context: the code runs outside a request or task "
            "that an integration wraps (bc_events.django, .celery, .asgi, .wsgi); bind one with "
            "`with bc_events.bind_session(session): ...`"
        )
    return session


def bound_session() -> EventSession | None:
    """The session bound to the current context, or None (for integrations that must not raise)."""
    return _current.get()


@contextmanager
def bind_session(session: SessionT) -> Iterator[SessionT]:
    """Bind ``session`` as ``current_session()`` for the ``with`` block, then restore what was bound.

    Binding does not flush or roll back: pair it with the session's own ``with``
    block, e.g. ``with client.service_session(job_id) as s, bind_session(s): ...``.
    """
    if not isinstance(session, EventSession):
        raise TypeError(f"bind_session() takes an EventSession, not {type(session).__name__}")
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)
