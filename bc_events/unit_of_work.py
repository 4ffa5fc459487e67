"""What every integration does around one unit of work, framework-free.

``bc_events.django``, ``bc_events.celery``, ``bc_events.asgi`` and
``bc_events.wsgi`` differ in how they learn the job id and the actor and when
the work is over; they share these steps:

* ``open_session``: a ``user_session`` when a user is known, else a
  ``service_session``, with the given job id or a new one;
* ``finish``: flush when the work succeeded, roll back otherwise; a flush that
  fails is logged at ERROR with the undelivered envelopes (enough to replay
  them) and handed to ``on_undelivered``, never raised into the framework, since
  the work itself is done;
* ``LazyClient``: one ``EventClient`` per process, created on first use, safely
  under threads.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from bc_events.client import EventClient
from bc_events.errors import PublishError
from bc_events.ids import check_header_id, check_text_id
from bc_events.queue import EventQueue
from bc_events.session import EventSession

logger = logging.getLogger("bc.events")

JOB_ID_HEADER = "X-BriteCore-Job-Id"
"""The request header a gateway sets to the job id (default of every integration)."""
USER_ID_HEADER = "X-BriteCore-User-Id"
"""The request header a gateway sets to the acting user's id (default of every integration)."""

OnUndelivered = Callable[[PublishError], None]
ClientT = TypeVar("ClientT", bound=EventClient)


def new_job_id() -> str:
    """A fresh job id (a UUID4) for work that arrived without one."""
    return str(uuid.uuid4())


def open_session(
    client: EventClient,
    *,
    job_id: str | int | None,
    user_id: str | int | None,
    queue: EventQueue | None = None,
) -> EventSession:
    """The session of one unit of work: the user's when ``user_id`` is given, else the service's.

    The ids usually come from request or message headers, which the work cannot
    choose: an integer id is taken as its decimal text, an unusable job id (not
    printable ASCII, say) is replaced by a new one and an unusable user id is
    ignored, each with a warning, rather than failing the request or task.
    """
    job_id = _usable(job_id, check_header_id, "job id") or new_job_id()
    user_id = _usable(user_id, check_text_id, "user id")
    if user_id:
        return client.session(user_id, "user", job_id, queue=queue)
    return client.session(client.service_name, "service", job_id, queue=queue)


def _usable(value: object, check: Callable[[object, str], None], name: str) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a database key, e.g. request.user.pk
    if value is None or value == "":
        return None
    try:
        check(value, name)
    except (TypeError, ValueError) as error:
        logger.warning("bc_events: ignoring an unusable %s from the request or task: %s", name, error)
        return None
    assert isinstance(value, str)
    return value


def finish(session: EventSession, *, succeeded: bool, on_undelivered: OnUndelivered | None = None) -> None:
    """Flush ``session`` if the work ``succeeded``, else roll it back; never raises ``PublishError``."""
    if not succeeded:
        session.rollback()
        return
    try:
        session.flush()
    except PublishError as error:
        report_undelivered(session, error, on_undelivered)


def report_undelivered(
    session: EventSession, error: PublishError, on_undelivered: OnUndelivered | None
) -> None:
    """Log the undelivered envelopes at ERROR, drop them from the session, call ``on_undelivered``."""
    envelopes = "\n".join(event.body.decode() for event in error.undelivered)
    logger.error(
        "bc_events: %d event(s) of job %s were not delivered after the work succeeded (%s); envelopes:\n%s",
        len(error.undelivered),
        session.job_id,
        error.reason,
        envelopes,
    )
    session.rollback()  # the unit of work is over: nothing would flush them later
    if on_undelivered is None:
        return
    try:
        on_undelivered(error)
    except Exception:
        logger.exception("bc_events: the on_undelivered callback raised")


FLUSH_THREADS = 8
"""Threads that flush for asyncio servers: a slow Events API holds these, never the loop's default
executor, which asyncio itself needs (``getaddrinfo``) and other libraries share."""

_flush_pool: tuple[int, ThreadPoolExecutor] | None = None
_flush_pool_lock = threading.Lock()


def _flush_executor() -> ThreadPoolExecutor:
    """This process's flush threads (a forked child makes its own: it inherits no threads)."""
    global _flush_pool
    with _flush_pool_lock:
        if _flush_pool is None or _flush_pool[0] != os.getpid():
            executor = ThreadPoolExecutor(FLUSH_THREADS, thread_name_prefix="bc-events-flush")
            _flush_pool = (os.getpid(), executor)
        return _flush_pool[1]


async def run_off_the_loop(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run a blocking ``function`` (a flush) in the flush threads and wait for it without blocking."""
    call = functools.partial(function, *args, **kwargs)
    await asyncio.get_running_loop().run_in_executor(_flush_executor(), call)


class LazyClient(Generic[ClientT]):
    """One client per process, built by ``factory`` on first use (thread-safe, built once)."""

    def __init__(self, factory: Callable[[], ClientT]) -> None:
        self._factory = factory
        self._client: ClientT | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, source: ClientT | Callable[[], ClientT]) -> LazyClient[ClientT]:
        """``source`` itself when it is a client, else a ``LazyClient`` of the factory ``source``."""
        if callable(source):  # an EventClient is not callable
            return cls(source)
        return cls(lambda: source)

    def get(self) -> ClientT:
        """The client, created on the first call."""
        client = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    client = self._client = self._factory()
        return client
