"""ASGI: a session per HTTP request for Starlette, FastAPI and any ASGI application.

    from bc_events.asgi import EventsMiddleware
    app = EventsMiddleware(app, lambda: EventClient(os.environ.get("EVENTS_API_URL"), "PolicyService"))

For each HTTP request the middleware opens a session (the job id from the
``X-BriteCore-Job-Id`` header or a new one; a ``user_session`` when the
``X-BriteCore-User-Id`` header names a user, else a ``service_session``), binds
it as ``current_session()`` for the application, and when the application has
returned (a streaming body fully sent, FastAPI background tasks done) commits
it if the response status is below 400 and nothing was raised, else rolls it
back (``bc_events.unit_of_work``).  Committing hands the events to the client's
background deliverer and returns: neither the response nor the event loop waits
for the Events API.  Events that cannot be delivered are logged with their
envelopes and passed to ``on_undelivered``, never turned into an error (the
response is already sent).  After that, the session is closed: a task started
by the request (``asyncio.create_task``) that publishes later gets
``SessionClosedError``; such work opens a session of its own.
Lifespan and WebSocket connections pass through untouched.  Standard library
only (asyncio): no dependency.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bc_events.client import EventClient
from bc_events.deliverer import OnUndelivered
from bc_events.propagation import JOB_ID_HEADER, USER_ID_HEADER, scope_header
from bc_events.unit_of_work import LazyClient, UnitOfWork

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
    gateway that sets them.  ``sync=True`` flushes in place (in a worker
    thread) instead of through the deliverer: for tests and scripts.
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
        sync: bool = False,
    ) -> None:
        self.app = app
        self._client = LazyClient.of(client)
        self._job_id = job_id or functools.partial(scope_header, job_id_header.lower().encode("latin-1"))
        self._user_id = user_id or functools.partial(scope_header, user_id_header.lower().encode("latin-1"))
        self._on_undelivered = on_undelivered
        self._sync = sync

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        work = UnitOfWork(
            self._client.get(),
            job_id=self._job_id(scope),
            user_id=self._user_id(scope),
            on_undelivered=self._on_undelivered,
            sync=self._sync,
        )
        status: list[int] = []
        complete: list[bool] = []  # the last part of the body was sent

        async def send_recording_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] in _FINAL_BODY_TYPES and not message.get("more_body", False):
                complete.append(True)
            await send(message)

        try:
            with work.bound():
                await self.app(scope, receive, send_recording_status)
        except BaseException:
            work.abort()
            raise
        if not status or status[0] >= 400 or not complete:  # an error, or a body cut short
            work.abort()
        else:
            await work.commit_async()


_FINAL_BODY_TYPES = frozenset({"http.response.body", "http.response.pathsend", "http.response.zerocopysend"})
"""Messages that carry (the rest of) a response body; without ``more_body`` they end it."""
