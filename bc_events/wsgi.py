"""WSGI: a session per request for Flask and any WSGI application.

    from bc_events.wsgi import EventsMiddleware
    app.wsgi_app = EventsMiddleware(app.wsgi_app, lambda: EventClient(api_url, "PolicyService"))

For each request the middleware opens a session (the job id from the
``X-BriteCore-Job-Id`` header or a new one; a ``user_session`` when the
``X-BriteCore-User-Id`` header names a user, else a ``service_session``) and
binds it as ``current_session()`` while the application runs and while the
server iterates its response (a streaming body is a generator that runs
lazily).  When the server closes the response, the session is flushed if the
status is below 400, nothing raised and the body was iterated to its end;
otherwise (an error status, an exception, a client that went away mid-stream)
it is rolled back.  A failed flush is logged with the undelivered envelopes and
passed to ``on_undelivered``, never raised into the server.  Standard library
only: no dependency.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from bc_events.client import EventClient
from bc_events.context import bind_session
from bc_events.session import EventSession
from bc_events.unit_of_work import (
    JOB_ID_HEADER,
    USER_ID_HEADER,
    LazyClient,
    OnUndelivered,
    finish,
    open_session,
)

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["EventsMiddleware"]

EnvironValue = Callable[["WSGIEnvironment"], "str | None"]


class EventsMiddleware:
    """Wrap a WSGI application so each request runs in its own session (see the module doc).

    ``client`` is an ``EventClient`` or a zero-argument callable returning one
    (called on the first request, safely under threads).  ``job_id`` and
    ``user_id``, callables of the WSGI environ, replace reading the headers;
    returning None means "none known".  Headers are believed as sent: put the
    service behind a gateway that sets them.
    """

    def __init__(
        self,
        app: WSGIApplication,
        client: EventClient | Callable[[], EventClient],
        *,
        job_id_header: str = JOB_ID_HEADER,
        user_id_header: str = USER_ID_HEADER,
        job_id: EnvironValue | None = None,
        user_id: EnvironValue | None = None,
        on_undelivered: OnUndelivered | None = None,
    ) -> None:
        self.app = app
        self._client = LazyClient.of(client)
        self._job_id = job_id or functools.partial(_header, _environ_key(job_id_header))
        self._user_id = user_id or functools.partial(_header, _environ_key(user_id_header))
        self._on_undelivered = on_undelivered

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        session = open_session(
            self._client.get(), job_id=self._job_id(environ), user_id=self._user_id(environ)
        )
        response = _Response(session, self._on_undelivered)
        try:
            with bind_session(session):
                response.body = self.app(environ, response.recording(start_response))
        except BaseException:
            session.rollback()
            raise
        return response


class _Response:
    """The application's response iterable, iterated with the session bound; finishes it on close()."""

    def __init__(self, session: EventSession, on_undelivered: OnUndelivered | None) -> None:
        self.session = session
        self.on_undelivered = on_undelivered
        self.body: Iterable[bytes] = ()
        self.status = 0
        self.completed = False
        self.finished = False

    def recording(self, start_response: StartResponse) -> StartResponse:
        """``start_response`` that remembers the status (the last call's: an error page replaces it)."""

        def start(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            self.status = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        return start

    def __iter__(self) -> Iterator[bytes]:
        iterator = iter(self.body)
        while True:
            # Bound only while the application's code runs: never across a yield to the server.
            with bind_session(self.session):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    self.completed = True
                    return
            yield chunk

    def close(self) -> None:
        """Close the application's iterable, then flush or roll back the session (once)."""
        if self.finished:
            return
        self.finished = True
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                with bind_session(self.session):
                    close()
        except BaseException:
            self.session.rollback()
            raise
        succeeded = self.completed and 0 < self.status < 400
        finish(self.session, succeeded=succeeded, on_undelivered=self.on_undelivered)


def _environ_key(header: str) -> str:
    """The environ key of a request header: ``X-BriteCore-Job-Id`` -> ``HTTP_X_BRITECORE_JOB_ID``."""
    return "HTTP_" + header.upper().replace("-", "_")


def _header(key: str, environ: WSGIEnvironment) -> str | None:
    value = environ.get(key)
    return str(value) if value else None
