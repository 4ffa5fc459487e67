"""The one lifecycle of a session under an integration: open, bound, committed or aborted once, closed.

``bc_events.django``, ``bc_events.celery``, ``bc_events.asgi`` and
``bc_events.wsgi`` are adapters over ``UnitOfWork``: each says only where its
framework's "the work succeeded" and "the work is over" points are.

* **open**: a ``user_session`` when a user is known, else a ``service_session``,
  with the given job id or a new one (``bc_events.propagation``), over the
  queue the integration chooses;
* **bound**: ``current_session()`` while the work runs;
* **commit** (the work succeeded) hands the session's events to the client's
  deliverer (``bc_events.deliverer``) and returns at once; with ``sync=True``
  it flushes in place instead (scripts, tests).  Events that cannot be
  delivered are logged at ERROR with their envelopes and handed to
  ``on_undelivered``, never raised into the framework: the work itself is done;
* **abort** (the work failed) drops them;
* **closed**: after either, ``publish()`` on the session raises
  ``SessionClosedError``, so an event published by background work that
  outlived the request or task is refused loudly instead of lost silently.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Generic, TypeVar

from bc_events.client import EventClient
from bc_events.context import bind_session
from bc_events.deliverer import OnUndelivered, report_undelivered
from bc_events.errors import PublishError
from bc_events.propagation import JOB_ID_HEADER, USER_ID_HEADER, new_job_id, usable_ids
from bc_events.queue import EventQueue
from bc_events.session import EventSession

__all__ = [
    "JOB_ID_HEADER",
    "USER_ID_HEADER",
    "LazyClient",
    "OnUndelivered",
    "UnitOfWork",
    "new_job_id",
    "open_session",
    "run_off_the_loop",
]

ClientT = TypeVar("ClientT", bound=EventClient)

COMMITTED = "its unit of work committed: the request or task succeeded and is over"
ABORTED = "its unit of work was rolled back: the request or task failed and is over"


def open_session(
    client: EventClient,
    *,
    job_id: str | int | None,
    user_id: str | int | None,
    queue: EventQueue | None = None,
) -> EventSession:
    """The session of one unit of work: the user's when ``user_id`` is given, else the service's."""
    job, user = usable_ids(job_id, user_id)
    if user:
        return client.session(user, "user", job, queue=queue)
    return client.session(client.service_name, "service", job, queue=queue)


class UnitOfWork:
    """One session's life under an integration (see the module doc); also a ``with`` block for scripts.

    ``with UnitOfWork(client, job_id=..., user_id=None) as session:`` binds the
    session, commits when the block succeeds and aborts when it raises.
    """

    def __init__(
        self,
        client: EventClient,
        *,
        job_id: str | int | None,
        user_id: str | int | None,
        queue: EventQueue | None = None,
        on_undelivered: OnUndelivered | None = None,
        sync: bool = False,
    ) -> None:
        self.client = client
        self.session = open_session(client, job_id=job_id, user_id=user_id, queue=queue)
        self.on_undelivered = on_undelivered
        self.sync = sync
        self.over = False
        self._binding: AbstractContextManager[EventSession] | None = None

    def bound(self) -> AbstractContextManager[EventSession]:
        """Bind the session as ``current_session()`` for a ``with`` block."""
        return bind_session(self.session)

    def end(self, *, succeeded: bool) -> None:
        """``commit()`` if the work ``succeeded``, else ``abort()``."""
        if succeeded:
            self.commit()
        else:
            self.abort()

    def commit(self) -> None:
        """The work succeeded: close the session and hand its events over (only the first call counts)."""
        if self._close(COMMITTED):
            self.deliver()

    def abort(self) -> None:
        """The work failed: close the session and drop its events (only the first end counts)."""
        if self._close(ABORTED):
            self.session.rollback()

    async def commit_async(self) -> None:
        """``commit()`` for code on an event loop: a flush or a wait for room runs in a worker thread."""
        if not self._close(COMMITTED) or not len(self.session.queue):
            return
        if self.sync:
            await run_off_the_loop(self.deliver)
            return
        batch = self.session.queue.take_batch()
        if not batch.events:
            return
        deliverer = self.client.deliverer
        job_id, on_undelivered = self.session.job_id, self.on_undelivered
        if not deliverer.offer(batch.events, job_id=job_id, on_undelivered=on_undelivered):
            await run_off_the_loop(
                deliverer.submit, batch.events, job_id=job_id, on_undelivered=on_undelivered
            )

    def deliver(self) -> None:
        """Hand over what the session's queue releases now (a held-back event may be released later)."""
        if self.sync:
            try:
                self.session.flush()
            except PublishError as error:
                self.session.rollback()  # the work is over: nothing would flush them later
                report_undelivered(self.session.job_id, error, self.on_undelivered)
            return
        batch = self.session.queue.take_batch()
        if batch.events:
            self.client.deliverer.submit(
                batch.events, job_id=self.session.job_id, on_undelivered=self.on_undelivered
            )

    def _close(self, how: str) -> bool:
        if self.over:
            return False
        self.over = True
        self.session.close(how)
        return True

    def __enter__(self) -> EventSession:
        self._binding = self.bound()
        return self._binding.__enter__()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self._binding is not None
        self._binding.__exit__(exc_type, exc, traceback)
        self.end(succeeded=exc_type is None)


FLUSH_THREADS = 8
"""Threads for the blocking part of an asyncio commit (a ``sync`` flush, a wait for room in a full
deliverer): never the loop's default executor, which asyncio itself needs (``getaddrinfo``)."""

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
    """Run a blocking ``function`` in the flush threads and wait for it without blocking the loop."""
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
