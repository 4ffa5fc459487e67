"""EventSession: the events of one web request or job, delivered only if the work succeeds."""

from __future__ import annotations

import os
import re
import threading
import warnings
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from bc_events.delivery.plan import check_event_size
from bc_events.delivery.progress import Progress
from bc_events.errors import EventValidationError, PublishError
from bc_events.event import Event
from bc_events.validation import non_finite_error

if TYPE_CHECKING:
    from bc_events.client import EventClient


_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters and lone surrogates: never part of an id, and not valid in every JSON reader."""


def check_text_id(value: object, name: str) -> None:
    """Check an id sent in the JSON body: a non-empty str without control characters."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} ({value!r:.40})")
    if not value:
        raise ValueError(f"{name} must not be empty")
    bad = _NOT_TEXT.search(value)
    if bad:
        raise ValueError(f"{name} must not contain control characters, got {value!r} ({bad.group()!r})")


def check_header_id(value: object, name: str) -> None:
    """Check an id sent as an HTTP header value: printable ASCII, no surrounding spaces.

    RFC 9110 (5.5) limits new header fields to visible ASCII and spaces; other
    bytes reach servers as opaque or re-decoded text, and surrounding spaces
    are stripped, so the server would record a different id.
    """
    check_text_id(value, name)
    assert isinstance(value, str)
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"{name} must be printable ASCII (it is sent in an HTTP header), got {value!r}")
    if value.strip() != value:
        raise ValueError(f"{name} must not start or end with a space (HTTP strips them), got {value!r}")


_live_sessions: weakref.WeakSet[EventSession] = weakref.WeakSet()
"""Every session not yet garbage-collected: their locks are renewed in a forked child."""


def _renew_locks_after_fork() -> None:
    """In a forked child, no other thread exists to release a lock a parent thread held at the fork."""
    for session in list(_live_sessions):
        session._queue_lock = threading.Lock()
        session._flush_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_renew_locks_after_fork)


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
    """

    def __init__(
        self,
        actor_id: str,
        actor_type: str,
        job_id: str,
        client: EventClient,
        publish_immediately: bool = False,
    ) -> None:
        check_text_id(actor_id, "user_id" if actor_type == "user" else "service_name")
        check_header_id(job_id, "job_id")
        self.actor_id = actor_id
        self.actor_type = actor_type
        self.job_id = job_id
        self.client = client
        self.publish_immediately = publish_immediately
        self._queue: list[Event] = []
        self._rollbacks = 0  # a flush requeues what failed only if no rollback() happened meanwhile
        self._queue_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        _live_sessions.add(self)

    @property
    def events(self) -> list[Event]:
        """The queued, not yet delivered events, oldest first (a copy)."""
        with self._queue_lock:
            return list(self._queue)

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
        (``PublishError`` if that fails).
        """
        topic = self.client.get_topic(category or self.client.default_category, entity, action)
        data = self.client.validator(topic.name).validate(data)  # a plain-JSON snapshot of data
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
        if self.publish_immediately:
            self.client.transport.send([event])
            return
        self._enqueue(event)

    def flush(self) -> None:
        """Deliver every queued event.

        On success the queue is empty.  If some events cannot be delivered, raises
        ``PublishError``; exactly those events stay queued (oldest first, ahead of
        any published meanwhile), so a later ``flush()`` sends them and nothing
        that was already accepted -- unless ``rollback()`` was called while this
        flush was running: then they are dropped too.
        """
        with self._flush_lock:
            batch, rollbacks = self._take_batch()
            if not batch:
                return
            progress = Progress(batch)
            try:
                progress.send(self.client.transport, cancelled=lambda: self._rollbacks != rollbacks)
            except PublishError as error:
                self._requeue(error.undelivered, rollbacks)
                raise
            except BaseException:
                # Interrupted (KeyboardInterrupt, SystemExit, a hook): keep what the API did not
                # acknowledge; events on the wire at that moment may be sent twice, never lost.
                self._requeue(progress.unacknowledged(), rollbacks)
                raise

    def rollback(self) -> None:
        """Drop every queued event without sending it.

        A flush running in another thread finishes the request it is in (those
        events may already be on the wire) but starts no other request or retry,
        and what it did not deliver is dropped instead of queued again: no event
        this rollback dropped is sent afterwards.
        """
        with self._queue_lock:
            self._queue.clear()
            self._rollbacks += 1

    # The queue's three operations, the only code that touches it: a subclass that keeps its
    # events elsewhere (bc_events.django holds back those of uncommitted transactions)
    # overrides these and ``events``/``rollback``, and inherits publish() and flush() whole.

    def _enqueue(self, event: Event) -> None:
        """Queue a validated event (called in the publishing thread)."""
        with self._queue_lock:
            self._queue.append(event)

    def _take_batch(self) -> tuple[list[Event], int]:
        """What a flush sends now, taken off the queue, and the rollback count it was taken at."""
        with self._queue_lock:
            batch, self._queue = self._queue, []
            return batch, self._rollbacks

    def _requeue(self, events: list[Event], rollbacks: int) -> None:
        """Put undelivered ``events`` back in front, unless a rollback happened since they were taken."""
        with self._queue_lock:
            if self._rollbacks == rollbacks:
                self._queue[:0] = events

    def _queued_count(self) -> int:
        """How many events are still queued (0 for a session whose ``__init__`` failed)."""
        return len(getattr(self, "_queue", ()))

    def __del__(self) -> None:
        # Like an unclosed file: events still queued when the session goes away are lost.
        queued = self._queued_count()
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
        if exc_type is None:
            self.flush()
        else:
            self.rollback()

    if not TYPE_CHECKING:
        # Hidden from type checkers on purpose: generated typed sessions subclass
        # this class, and a misspelt method there must be a type error, not Any.

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            topic = self.client.shortcut_topic(name)

            def publish_shortcut(data: Mapping[str, Any]) -> None:
                self.publish(action=topic.action, entity=topic.entity, data=data, category=topic.category)

            publish_shortcut.__name__ = name
            publish_shortcut.__doc__ = f"Publish {topic.name}. {topic.description}".strip()
            return publish_shortcut
