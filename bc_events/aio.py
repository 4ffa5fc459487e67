"""AsyncEventClient: publish from asyncio code; ``await session.flush()`` runs the shared delivery core.

``session.publish(...)`` stays synchronous (it validates and queues: the same
``EventSession`` code does it); only delivery awaits.  Needs the ``async``
extra (httpx) unless a ``transport`` is given; ``import bc_events`` never
imports this module.

Cancelling a task during ``await session.flush()`` keeps queued exactly the
events the API did not acknowledge (events on the wire at that moment may be
sent twice, never lost), as ``KeyboardInterrupt`` does for the sync session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, cast

from bc_events.catalog import TopicCatalog
from bc_events.client import checked_api_url
from bc_events.delivery.progress import Progress, reports_acceptance
from bc_events.delivery.retry import RetryPolicy
from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.ids import check_text_id
from bc_events.queue import EventQueue
from bc_events.session import EventSession
from bc_events.topics import TopicSource
from bc_events.transports.base import Acknowledged, Cancelled, Transport, never_cancelled
from bc_events.transports.local import LoggingTransport

__all__ = ["AsyncEventClient", "AsyncEventSession", "AsyncTransport"]


class AsyncTransport(Protocol):
    """What ``AsyncEventClient`` needs to deliver events (``AsyncHttpTransport`` is one)."""

    async def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Cancelled = never_cancelled,
        accepted: Acknowledged | None = None,
    ) -> None:
        """Deliver ``events``, or raise ``PublishError`` with exactly the undelivered (and rejected) ones."""

    async def aclose(self) -> None:
        """Release connections; the transport is not used afterwards."""


class _LocalTransport:
    """A sync transport that does no I/O (``RecordingTransport``, ``LoggingTransport``), awaited."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.max_request_bytes = getattr(transport, "max_request_bytes", None)

    async def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Cancelled = never_cancelled,
        accepted: Acknowledged | None = None,
    ) -> None:
        if accepted is not None and reports_acceptance(self.transport):
            send: Any = self.transport.send
            send(events, cancelled=cancelled, accepted=accepted)
            return
        self.transport.send(events, cancelled=cancelled)  # PublishError names what was not delivered
        if accepted is not None:
            accepted(events)

    async def aclose(self) -> None:
        self.transport.close()


@dataclass(frozen=True)
class _Host:
    """What the shared ``EventSession`` reads from its client: the topics, and the size limit's holder."""

    catalog: TopicCatalog
    transport: Any
    """Read only for its ``max_request_bytes``: async sessions never publish immediately."""


class AsyncEventSession:
    """Queues events for one actor and job; ``await flush()`` delivers them, ``rollback()`` drops them.

    ``publish(...)`` and the shortcuts (``session.created_my_entity({...})``)
    validate and queue exactly as ``EventSession``'s do (it does the work).
    ``async with session:`` flushes when the block succeeds and rolls back
    when it raises.  ``flush()`` raises ``PublishError`` with the undelivered
    and rejected events; the undelivered stay queued, the rejected do not.
    """

    def __init__(self, session: EventSession, client: AsyncEventClient) -> None:
        self._session = session
        self.client = client
        self._flush_lock = asyncio.Lock()

    @property
    def queue(self) -> EventQueue:
        return self._session.queue

    @property
    def job_id(self) -> str:
        return self._session.job_id

    @property
    def events(self) -> list[Event]:
        """The queued, not yet delivered events, oldest first (a copy)."""
        return self._session.events

    def publish(
        self, *, action: str, entity: str, data: Mapping[str, Any], category: str | None = None
    ) -> None:
        """Validate ``data`` against the topic's schema and queue the event (see ``EventSession.publish``)."""
        self._session.publish(action=action, entity=entity, data=data, category=category)

    async def publish_immediately(
        self, *, action: str, entity: str, data: Mapping[str, Any], category: str | None = None
    ) -> None:
        """Validate as ``publish`` does, then deliver the event at once; nothing is queued.

        ``PublishError`` if it is not delivered (the event is in its ``undelivered``
        or ``rejected``).  Queued events are not sent along.
        """
        inner = self._session
        single = EventSession(inner.actor_id, inner.actor_type, inner.job_id, self.client._host)
        if inner.closed is not None:
            single.close(inner.closed)  # the same SessionClosedError as publish
        single.publish(action=action, entity=entity, data=data, category=category)
        await self.client.transport.send(single.queue.take_batch().events)

    async def flush(self) -> None:
        """Deliver every queued event (see ``EventSession.flush``); cancellation keeps the unacknowledged."""
        async with self._flush_lock:
            queue = self._session.queue
            batch = queue.take_batch()
            if not batch.events:
                return
            progress = Progress(batch.events)
            try:
                await self.client.transport.send(
                    batch.events, cancelled=lambda: queue.cleared_since(batch), accepted=progress.accepted
                )
            except PublishError as error:
                queue.return_undelivered(batch, error.undelivered)
                raise
            except BaseException:  # CancelledError among others: keep what the API did not acknowledge
                queue.return_undelivered(batch, progress.unacknowledged())
                raise

    def rollback(self) -> None:
        """Drop every queued event; a running flush starts no further request."""
        self._session.rollback()

    def close(self, how: str = "its with block ended") -> None:
        """Refuse further ``publish()`` calls; what is queued stays queued."""
        self._session.close(how)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        if exc_type is None:
            await self.flush()
        else:
            self.rollback()

    if not TYPE_CHECKING:
        # The shortcuts of EventSession (hidden from type checkers there too).
        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            return getattr(self._session, name)


class AsyncEventClient:
    """Publishes a service's events from asyncio code; the constructor is ``EventClient``'s.

    ``api_url=None`` means local development (events logged on ``bc.events``,
    nothing sent).  ``transport`` is an ``AsyncTransport``, or a sync one that
    does no I/O (e.g. ``RecordingTransport`` in tests).  Use ``async with``, or
    ``await aclose()``, to release the connections.
    """

    def __init__(
        self,
        api_url: str | None,
        service_name: str,
        topic_definitions: TopicSource,
        *,
        transport: AsyncTransport | Transport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.api_url = checked_api_url(api_url)
        check_text_id(service_name, "service_name")
        self.service_name = service_name
        self.catalog = TopicCatalog(topic_definitions)
        self.transport: AsyncTransport = self._chosen_transport(transport, retry)
        self.retry: RetryPolicy = retry or getattr(self.transport, "retry", None) or RetryPolicy()
        self._host = _Host(self.catalog, self.transport)
        if api_url is None and transport is None:
            logging.getLogger("bc.events").warning(
                "bc_events: AsyncEventClient of %s has api_url=None: log-only mode, events are logged on "
                "the 'bc.events' logger and never sent; pass the Events API's URL to send them",
                service_name,
            )

    def _chosen_transport(
        self, transport: AsyncTransport | Transport | None, retry: RetryPolicy | None
    ) -> AsyncTransport:
        if transport is None:
            if self.api_url is None:
                return _LocalTransport(LoggingTransport())
            from bc_events.transports.async_http import AsyncHttpTransport  # the async extra

            return AsyncHttpTransport(self.api_url, retry=retry)
        given: object = transport  # told apart by shape: the two protocols share send's name
        if hasattr(given, "aclose"):
            return cast(AsyncTransport, given)
        return _LocalTransport(cast(Transport, given))

    def session(
        self, actor_id: str, actor_type: str, job_id: str, *, queue: EventQueue | None = None
    ) -> AsyncEventSession:
        """A session for any actor, keeping its events in ``queue`` (an ``InMemoryQueue`` by default)."""
        return AsyncEventSession(EventSession(actor_id, actor_type, job_id, self._host, queue=queue), self)

    def user_session(self, user_id: str, job_id: str) -> AsyncEventSession:
        """A session whose events are attributed to the user ``user_id``."""
        return self.session(user_id, "user", job_id)

    def service_session(self, job_id: str) -> AsyncEventSession:
        """A session whose events are attributed to this service."""
        return self.session(self.service_name, "service", job_id)

    def third_party_session(self, job_id: str) -> AsyncEventSession:
        """A session for events this service publishes on behalf of a third party."""
        return self.session(self.service_name, "third-party", job_id)

    async def aclose(self) -> None:
        """Release the connections."""
        await self.transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
