"""Celery: a session per task execution, and the job id and actor carried from sender to task.

    from bc_events.celery import install
    install(app, lambda: EventClient(os.environ.get("EVENTS_API_URL"), "PolicyService"))

After ``install``:

* every task execution of ``app`` runs in its own unit of work
  (``bc_events.unit_of_work``), its session bound as ``current_session()``;
  it commits when the task succeeds and rolls back when it raises, retries
  (``self.retry()``, ``autoretry_for``: each attempt stands alone), is rejected
  or ignored.  Committing hands the events to the client's background
  deliverer, so the worker takes its next task at once; afterwards the
  session is closed (``SessionClosedError`` for a late ``publish()``);
* a task sent while a session is bound (in a request, in another task) carries
  that session's job id and actor in its message headers, and runs in a
  ``user_session`` of that user, or a ``service_session`` of this service with
  that job id; a task sent outside any session gets a new job id when it is
  sent, so all its retries share it;
* the client is built by ``client_factory`` on first use in each worker process,
  i.e. after the prefork pool forked, and closed when the process shuts down
  (its deliverer first sends what it holds, within its ``shutdown_time``).

Celery's signals carry all of this, so it works for any task class and with
``task_always_eager`` (the eager task gets its own session, with the caller's
job id and actor, and the caller's binding is back when it returns).  The
unit of work commits in ``task_postrun``: after the task's result is stored and
its callbacks are sent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from celery import Celery, Task, signals
from celery.states import SUCCESS

from bc_events.client import EventClient
from bc_events.context import bound_session
from bc_events.deliverer import OnUndelivered
from bc_events.propagation import TASK_ACTOR_ID_HEADER as ACTOR_ID_HEADER
from bc_events.propagation import TASK_ACTOR_TYPE_HEADER as ACTOR_TYPE_HEADER
from bc_events.propagation import TASK_JOB_ID_HEADER as JOB_ID_HEADER
from bc_events.propagation import ids_from_task_headers, stamp_task_headers
from bc_events.unit_of_work import LazyClient, UnitOfWork

__all__ = ["ACTOR_ID_HEADER", "ACTOR_TYPE_HEADER", "JOB_ID_HEADER", "install"]


@dataclass
class _Running:
    task_id: str
    work: UnitOfWork
    binding: ExitStack


class _Installation:
    """The signal handlers of one app: its per-process client and the tasks running now."""

    def __init__(
        self,
        app: Celery,
        client_factory: Callable[[], EventClient],
        on_undelivered: OnUndelivered | None,
        sync: bool,
    ):
        self.app = app
        self.client_factory = client_factory
        self.on_undelivered = on_undelivered
        self.sync = sync
        self._pid = os.getpid()
        self._created: EventClient | None = None
        self.client = LazyClient(self._create)
        # Per thread, the executions now running, innermost last: an eager task
        # runs inside its caller's task, so prerun/postrun nest like a stack.
        self._running = threading.local()

    def _create(self) -> EventClient:
        self._created = self.client_factory()
        return self._created

    def _client(self) -> EventClient:
        if self._pid != os.getpid():
            # A forked worker process: build its own client rather than share the
            # parent's connections (the parent's client is left alone: it is theirs).
            self._pid = os.getpid()
            self._created = None
            self.client = LazyClient(self._create)
        return self.client.get()

    def process_stopping(self, **_: object) -> None:
        """``worker_process_shutdown``: close this process's connections, if it opened any."""
        if self._pid == os.getpid() and self._created is not None:
            self._created.close()

    def _stack(self) -> list[_Running]:
        stack: list[_Running] | None = getattr(self._running, "stack", None)
        if stack is None:
            stack = self._running.stack = []
        return stack

    def task_prerun(self, *, task_id: str, task: Task[Any, Any], **_: object) -> None:
        """Open the execution's unit of work and bind its session as ``current_session()``."""
        if task.app is not self.app:
            return
        job_id, actor_id, actor_type = _sender_of(task)
        user_id = actor_id if actor_type == "user" else None
        work = UnitOfWork(
            self._client(), job_id=job_id, user_id=user_id, on_undelivered=self.on_undelivered, sync=self.sync
        )
        binding = ExitStack()
        binding.enter_context(work.bound())
        self._stack().append(_Running(task_id, work, binding))

    def task_postrun(self, *, task_id: str, task: Task[Any, Any], state: str | None, **_: object) -> None:
        """Unbind the execution's session; commit if the task succeeded, else roll back."""
        if task.app is not self.app:
            return
        stack = self._stack()
        if not stack or stack[-1].task_id != task_id:
            return  # its prerun did not open a session (e.g. the client factory raised)
        running = stack.pop()
        running.binding.close()
        running.work.end(succeeded=state == SUCCESS)


def _sender_of(task: Task[Any, Any]) -> tuple[str, str | None, str | None]:
    """``(job id, actor id, actor type)`` from the message headers, else from the bound session.

    A worker finds them in the headers ``before_task_publish`` added.  An eager
    task was never published: it runs inside its caller, whose session (if any)
    is still bound; what it decides is written to the request's headers, which
    Celery copies into the eager retries, so every attempt shares the job id.
    """
    request = task.request
    headers: dict[str, Any] = dict(getattr(request, "headers", None) or {})
    found = ids_from_task_headers(lambda name: headers.get(name) or getattr(request, name, None))
    if found is not None:
        return found
    stamp_task_headers(headers, bound_session())
    request.headers = headers
    return headers[JOB_ID_HEADER], headers.get(ACTOR_ID_HEADER), headers.get(ACTOR_TYPE_HEADER)


def _add_headers(*, headers: dict[str, Any] | None = None, **_: object) -> None:
    """``before_task_publish``: stamp the bound session's job id and actor, or a new job id."""
    if headers is not None:
        stamp_task_headers(headers, bound_session())


_installed: list[_Installation] = []


def install(
    app: Celery,
    client_factory: Callable[[], EventClient],
    *,
    on_undelivered: OnUndelivered | None = None,
    sync: bool = False,
) -> None:
    """Run every task of ``app`` in its own session, bound as ``current_session()``.

    Call it wherever the app is created, in the processes that send tasks as in
    the workers: from then on a task sent while a session is bound carries its
    job id and actor.

    ``client_factory`` takes no arguments and returns the ``EventClient`` (e.g.
    a generated, typed one); it is called once per worker process, on first
    use.  A flush that fails is logged at ERROR with the undelivered envelopes
    and passed to ``on_undelivered``; it never fails the task (its work is done).
    ``sync=True`` flushes in place in ``task_postrun`` instead of through the
    deliverer (tests, scripts).
    """
    if any(installed.app is app for installed in _installed):
        raise RuntimeError(f"bc_events.celery.install() was already called for the Celery app {app.main!r}")
    installation = _Installation(app, client_factory, on_undelivered, sync)
    _installed.append(installation)
    # Stamping is global (the signal does not name the app): one handler for every installed app.
    signals.before_task_publish.connect(_add_headers, weak=False, dispatch_uid="bc_events.celery.headers")
    # Signals are global; each handler serves only tasks of its own app.
    uid = f"bc_events.celery.{id(app)}"
    signals.task_prerun.connect(installation.task_prerun, weak=False, dispatch_uid=f"{uid}.prerun")
    signals.task_postrun.connect(installation.task_postrun, weak=False, dispatch_uid=f"{uid}.postrun")
    signals.worker_process_shutdown.connect(
        installation.process_stopping, weak=False, dispatch_uid=f"{uid}.shutdown"
    )
