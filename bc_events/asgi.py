"""ASGI: a session per HTTP request for Starlette, FastAPI and any ASGI application.

    from bc_events.asgi import EventsMiddleware
    app = EventsMiddleware(app, lambda: EventClient(os.environ.get("EVENTS_API_URL"), "PolicyService"))

For each HTTP request the middleware opens a session (the job id from the
``X-BriteCore-Job-Id`` header or a new one; a ``user_session`` when the
``X-BriteCore-User-Id`` header names a user, else a ``service_session``), binds
it as ``current_session()`` for the application, and when the application has
returned (a streaming body fully sent, FastAPI background tasks done) flushes it
if the response status is below 400 and nothing was raised, else rolls it back.
The flush runs in a worker thread, so a slow Events API never blocks the event
loop; a failed flush is logged with the undelivered envelopes and passed to
``on_undelivered``, never turned into an error (the response is already sent).
Lifespan and WebSocket connections pass through untouched.  Standard library
only (asyncio): no dependency.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bc_events.client import EventClient
from bc_events.context import bind_session
from bc_events.unit_of_work import (
    JOB_ID_HEADER,
    USER_ID_HEADER,
    LazyClient,
    OnUndelivered,
    finish,
    open_session,
    run_off_the_loop,
)

__all__ = ["EventsMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ScopeValue = Callable[[Scope], "str | None"]


class EventsMiddleware:
    """Wrap an ASGI application so each HTTP request runs in its own session (see the module doc).

    ``client`` is an ``EventClient`` or a zero-argument callable returning one
    (called on the first request).  ``job_id`` and ``user_id``, callables of
    the ASGI scope, replace reading the headers (e.g. to take the user from
    an authentication middleware's ``scope["user"]``); returning None means
    "none known".  Headers are believed as sent: put the service behind a
    gateway that sets them.
    """

    def __init__(
        self,
        app: ASGIApp,
        client: EventClient | Callable[[], EventClient],
        *,
        job_id_header: str = JOB_ID_HEADER,
        user_id_header: str = USER_ID_HEADER,
        job_id: ScopeValue | None = None,
        user_id: ScopeValue | None = None,
        on_undelivered: OnUndelivered | None = None,
    ) -> None:
        self.app = app
        self._client = LazyClient.of(client)
        self._job_id = job_id or functools.partial(_header, job_id_header.lower().encode("latin-1"))
        self._user_id = user_id or functools.partial(_header, user_id_header.lower().encode("latin-1"))
        self._on_undelivered = on_undelivered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = open_session(self._client.get(), job_id=self._job_id(scope), user_id=self._user_id(scope))
        status: list[int] = []
        complete: list[bool] = []  # the last part of the body was sent

        async def send_recording_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] in _FINAL_BODY_TYPES and not message.get("more_body", False):
                complete.append(True)
            await send(message)

        try:
            with bind_session(session):
                await self.app(scope, receive, send_recording_status)
        except BaseException:
            session.rollback()
            raise
        if not status or status[0] >= 400 or not complete:  # an error, or a body cut short
            session.rollback()
            return
        if not session.events:
            return  # nothing to deliver: spare the request a hop to a worker thread
        await run_off_the_loop(finish, session, succeeded=True, on_undelivered=self._on_undelivered)


_FINAL_BODY_TYPES = frozenset({"http.response.body", "http.response.pathsend", "http.response.zerocopysend"})
"""Messages that carry (the rest of) a response body; without ``more_body`` they end it."""


def _header(name: bytes, scope: Scope) -> str | None:
    """The value of the request header ``name`` (lower case), or None when absent or empty."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1") or None
    return None
