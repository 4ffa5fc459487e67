"""WSGI: a session per request for Flask and any WSGI application.

    from bc_events.wsgi import EventsMiddleware
    app.wsgi_app = EventsMiddleware(app.wsgi_app, lambda: EventClient(api_url, "PolicyService"))

For each request the middleware opens a session (the job id from the
``X-BriteCore-Job-Id`` header or a new one; a ``user_session`` when the
``X-BriteCore-User-Id`` header names a user, else a ``service_session``) and
binds it as ``current_session()`` while the application runs and while the
server iterates its response (a streaming body is a generator that runs
lazily).  When the server closes the response, the unit of work commits if the
status is below 400, nothing raised and the body was iterated to its end;
otherwise (an error status, an exception, a client that went away mid-stream)
it is rolled back (``bc_events.unit_of_work``).  Committing hands the events to
the client's background deliverer: the worker thread is free at once, whatever
the Events API does.  Events that cannot be delivered are logged with their
envelopes and passed to ``on_undelivered``, never raised into the server.  After
that the session is closed: a thread the request started (say in a copied
context) that publishes later gets ``SessionClosedError``.  Standard library
only: no dependency.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from bc_events.client import EventClient
from bc_events.deliverer import OnUndelivered
from bc_events.propagation import JOB_ID_HEADER, USER_ID_HEADER, environ_key
from bc_events.unit_of_work import LazyClient, UnitOfWork

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
    service behind a gateway that sets them.  ``sync=True`` flushes in place
    when the response is closed instead of through the deliverer (tests, scripts).
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
        sync: bool = False,
    ) -> None:
        self.app = app
        self._client = LazyClient.of(client)
        self._job_id = job_id or functools.partial(_header, environ_key(job_id_header))
        self._user_id = user_id or functools.partial(_header, environ_key(user_id_header))
        self._on_undelivered = on_undelivered
        self._sync = sync

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        work = UnitOfWork(
            self._client.get(),
            job_id=self._job_id(environ),
            user_id=self._user_id(environ),
            on_undelivered=self._on_undelivered,
            sync=self._sync,
        )
        response = _Response(work)
        try:
            with work.bound():
                response.body = self.app(environ, response.recording(start_response))
        except BaseException:
            work.abort()
            raise
        return response


class _Response:
    """The application's response iterable, iterated with the session bound; ends the work on close()."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
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
            with self.work.bound():
                try:
                    chunk = next(iterator)
                except StopIteration:
                    self.completed = True
                    return
            yield chunk

    def close(self) -> None:
        """Close the application's iterable, then commit or roll back the unit of work (once)."""
        if self.finished:
            return
        self.finished = True
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                with self.work.bound():
                    close()
        except BaseException:
            self.work.abort()
            raise
        self.work.end(succeeded=self.completed and 0 < self.status < 400)


def _header(key: str, environ: WSGIEnvironment) -> str | None:
    value = environ.get(key)
    return str(value) if value else None
