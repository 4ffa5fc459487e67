"""EventSession: the events of one web request or job, delivered only if the work succeeds."""

from __future__ import annotations

import os
import threading
import warnings
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from bc_events.catalog import TopicCatalog
from bc_events.delivery.plan import check_event_size
from bc_events.delivery.progress import Progress
from bc_events.errors import EventValidationError, PublishError, SessionClosedError
from bc_events.event import Event
from bc_events.ids import check_header_id, check_text_id
from bc_events.queue import EventQueue, InMemoryQueue
from bc_events.validation import non_finite_error

if TYPE_CHECKING:  # a name for annotations only: making a session loads no delivery transport
    from bc_events.transport import Transport

__all__ = ["EventSession", "SessionHost", "check_header_id", "check_text_id"]


class SessionHost(Protocol):
    """What a session needs from the client that made it: the topics and the transport."""

    @property
    def catalog(self) -> TopicCatalog: ...

    @property
    def transport(self) -> Transport: ...


_live_sessions: weakref.WeakSet[EventSession] = weakref.WeakSet()
"""Every session not yet garbage-collected: their locks are renewed in a forked child."""


def _renew_locks_after_fork() -> None:
    """In a forked child, no other thread exists to release a lock a parent thread held at the fork."""
    for session in list(_live_sessions):
        session._flush_lock = threading.Lock()
        renew = getattr(session.queue, "renew_lock", None)
        if renew is not None:
            renew()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_renew_locks_after_fork)


_OWN_ATTRIBUTES = frozenset(
    {"actor_id", "actor_type", "job_id", "client", "publish_immediately", "queue", "closed"}
)


class EventSession:
    """Queues events for one actor and job; ``flush()`` delivers them, ``rollback()`` drops them.

    Use it as a context manager to flush when the block succeeds and roll back
    when it raises.  Publishing from several threads at once is safe, and a
    forked child can use a session even if a parent thread held its lock at
    the fork (the child gets fresh locks).  A session garbage-collected with events still queued emits a
    ``ResourceWarning`` naming how many were lost.

    ``job_id`` is sent in the ``x-britecore-job-id`` header, so it must be
    printable ASCII without surrounding spaces; the actor id (``user_id`` or
    the service name) goes in the JSON body and must be a non-empty str without
    control characters.  Both are checked here: ``TypeError`` or ``ValueError``
    naming the argument.

    ``queue`` is where events wait until a flush (``bc_events.queue``; an
    ``InMemoryQueue`` by default).  A session is *closed* when its ``with``
    block ends or when the unit of work of an integration is over; then
    ``publish()`` raises ``SessionClosedError``.  A session used without
    ``with`` stays open: ``flush()`` may be called on it any number of times.
    """

    def __init__(
        self,
        actor_id: str,
        actor_type: str,
        job_id: str,
        client: SessionHost,
        publish_immediately: bool = False,
        *,
        queue: EventQueue | None = None,
    ) -> None:
        check_text_id(actor_id, "user_id" if actor_type == "user" else "service_name")
        check_header_id(job_id, "job_id")
        self.actor_id = actor_id
        self.actor_type = actor_type
        self.job_id = job_id
        self.client = client
        self.publish_immediately = publish_immediately
        self.queue: EventQueue = InMemoryQueue() if queue is None else queue
        self.closed: str | None = None
        """None while the session takes events; once closed, how it was (e.g. "committed")."""
        self._flush_lock = threading.Lock()
        _live_sessions.add(self)

    @property
    def events(self) -> list[Event]:
        """The queued, not yet delivered events, oldest first (a copy)."""
        return self.queue.events()

    def close(self, how: str = "its with block ended") -> None:
        """Refuse further ``publish()`` calls (``SessionClosedError`` saying ``how`` it closed).

        What is still queued stays queued: ``flush()`` may still deliver it.
        """
        if self.closed is None:
            self.closed = how

    def publish(
        self,
        *,
        action: str,
        entity: str,
        data: Mapping[str, Any],
        category: str | None = None,
    ) -> None:
        """Validate ``data`` against the topic's schema and queue the event.

        Raises ``UnknownTopicError`` for a topic not in the definitions and
        ``EventValidationError`` for invalid data; nothing is queued then.  With
        ``publish_immediately`` the event is delivered at once instead
        (``PublishError`` if that fails).  ``SessionClosedError`` (a RuntimeError)
        once the session is closed.
        """
        if self.closed is not None:
            raise SessionClosedError(self.job_id, self.closed)
        catalog = self.client.catalog
        topic = catalog.get_topic(category or catalog.default_category, entity, action)
        data = catalog.validator(topic.name).validate(data)  # a plain-JSON snapshot of data
        try:
            event = Event.create(
                category=topic.category,
                entity=topic.entity,
                action=topic.action,
                data=data,
                actor_id=self.actor_id,
                actor_type=self.actor_type,
                job_id=self.job_id,
            )
        except (TypeError, ValueError) as error:
            raise non_finite_error(topic.name, data) or EventValidationError(
                topic.name, (), f"not JSON-serializable: {error}"
            ) from None
        check_event_size(topic.name, event.body, self.client.transport)
        catalog.published.add()
        if self.publish_immediately:
            self.client.transport.send([event])
            return
        self.queue.enqueue(event)

    def flush(self) -> None:
        """Deliver every queued event.

        On success the queue is empty.  If some events cannot be delivered, raises
        ``PublishError``; exactly those events stay queued (oldest first, ahead of
        any published meanwhile), so a later ``flush()`` sends them and nothing
        that was already accepted -- unless ``rollback()`` was called while this
        flush was running: then they are dropped too.
        """
        with self._flush_lock:
            batch = self.queue.take_batch()
            if not batch.events:
                return
            progress = Progress(batch.events)
            try:
                progress.send(self.client.transport, cancelled=lambda: self.queue.cleared_since(batch))
            except PublishError as error:
                self.queue.return_undelivered(batch, error.undelivered)
                raise
            except BaseException:
                # Interrupted (KeyboardInterrupt, SystemExit, a hook): keep what the API did not
                # acknowledge; events on the wire at that moment may be sent twice, never lost.
                self.queue.return_undelivered(batch, progress.unacknowledged())
                raise

    def rollback(self) -> None:
        """Drop every queued event without sending it.

        A flush running in another thread finishes the request it is in (those
        events may already be on the wire) but starts no other request or retry,
        and what it did not deliver is dropped instead of queued again: no event
        this rollback dropped is sent afterwards.
        """
        self.queue.clear()

    def __del__(self) -> None:
        # Like an unclosed file: events still queued when the session goes away are lost.
        queue = self.__dict__.get("queue")  # None when __init__ failed
        queued = 0 if queue is None else len(queue)
        if queued:
            warnings.warn(
                f"session of job {self.job_id!r} dropped with {queued} event(s) still queued: "
                "call flush() to deliver them or rollback() to drop them",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        if exc_type is None:
            self.flush()
        else:
            self.rollback()

    if not TYPE_CHECKING:
        # Hidden from type checkers on purpose: generated typed sessions subclass
        # this class, and a misspelt method there must be a type error, not Any.

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_") or name in _OWN_ATTRIBUTES:  # e.g. read before __init__ set it
                raise AttributeError(name)
            topic = self.client.catalog.shortcut_topic(name)

            def publish_shortcut(data: Mapping[str, Any]) -> None:
                self.publish(action=topic.action, entity=topic.entity, data=data, category=topic.category)

            publish_shortcut.__name__ = name
            publish_shortcut.__doc__ = f"Publish {topic.name}. {topic.description}".strip()
            return publish_shortcut
