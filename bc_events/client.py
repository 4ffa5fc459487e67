"""EventClient: one per service, holding the topic table, validators and the transport."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType
from typing import ClassVar, Self
from urllib.parse import urlsplit

from bc_events.catalog import TopicCatalog
from bc_events.deliverer import Deliverer, DelivererLimits
from bc_events.delivery import stats
from bc_events.ids import check_text_id
from bc_events.queue import EventQueue
from bc_events.session import EventSession
from bc_events.topics import Topic, TopicSource
from bc_events.transport import HttpTransport, LoggingTransport, RetryPolicy, Transport
from bc_events.validation import PayloadValidator
from bc_events.wire import BULK_PATH, EVENTS_PATH


class EventClient:
    """Publishes a service's events to the BriteEvents API.

    Create one at start-up and share it: it owns the connection pool.  Open a
    session per web request or job with ``user_session``, ``service_session``
    or ``third_party_session``.

    ``api_url`` is the Events API's absolute ``http``/``https`` URL (a path
    prefix is fine; no credentials, query or fragment), checked here so a
    misconfiguration fails at start-up with a ``ValueError`` naming the
    problem.  Only ``api_url=None`` means local development: events are logged
    on the ``bc.events`` logger and nothing is sent.  ``transport`` replaces the
    HTTP transport (e.g. ``RecordingTransport`` in tests); ``retry`` configures
    the default HTTP transport.  ``deliverer`` bounds the queue of the
    background deliverer the integrations commit to (``bc_events.deliverer``;
    ``session.flush()`` does not use it).  Use the client as a context manager,
    or call ``close()``, to deliver what the deliverer holds and release the
    connections.
    """

    session_class: ClassVar[type[EventSession]] = EventSession
    """The session type the factories create; generated clients set their typed session."""

    def __init__(
        self,
        api_url: str | None,
        service_name: str,
        topic_definitions: TopicSource,
        *,
        transport: Transport | None = None,
        retry: RetryPolicy | None = None,
        deliverer: DelivererLimits | None = None,
    ) -> None:
        self.api_url = checked_api_url(api_url)
        check_text_id(service_name, "service_name")
        self.service_name = service_name
        self.catalog = TopicCatalog(topic_definitions)
        self.default_category = self.catalog.default_category
        self.topic_table: dict[str, Topic] = self.catalog.topic_table
        self.transport: Transport = transport or self._default_transport(retry)
        self.retry: RetryPolicy = retry or getattr(self.transport, "retry", None) or RetryPolicy()
        """The retry policy; its ``total_time`` also bounds each committed batch in the deliverer."""
        self.deliverer = Deliverer(self.transport, self.retry.total_time, deliverer)
        """Delivers what integrations commit, in a background thread started on first use."""
        if api_url is None and transport is None:
            logging.getLogger("bc.events").warning(
                "bc_events: EventClient of %s has api_url=None: log-only mode, events are logged on the "
                "'bc.events' logger and never sent; pass the Events API's URL to send them",
                service_name,
            )

    @property
    def publish_url(self) -> str | None:
        """``{api_url}/events``, or None when events are only logged."""
        return self.api_url + EVENTS_PATH if self.api_url else None

    @property
    def publish_bulk_url(self) -> str | None:
        """``{api_url}/events/bulk/``, or None when events are only logged."""
        return self.api_url + BULK_PATH if self.api_url else None

    def _default_transport(self, retry: RetryPolicy | None) -> Transport:
        if self.api_url is None:
            return LoggingTransport()
        return HttpTransport(self.api_url, retry=retry or RetryPolicy())

    def get_topic(self, category: str, entity: str, action: str) -> Topic:
        """The topic ``category.EntityAction``; ``UnknownTopicError`` (a ValueError) if undefined."""
        return self.catalog.get_topic(category, entity, action)

    def validator(self, name: str) -> PayloadValidator:
        """The compiled payload validator of topic ``name``."""
        return self.catalog.validator(name)

    def shortcut_topic(self, shortcut: str) -> Topic:
        """The default-category topic a shortcut such as ``created_my_entity`` publishes."""
        return self.catalog.shortcut_topic(shortcut)

    def session(
        self,
        actor_id: str,
        actor_type: str,
        job_id: str,
        *,
        queue: EventQueue | None = None,
        publish_immediately: bool = False,
    ) -> EventSession:
        """A session of ``session_class`` for any actor, keeping its events in ``queue``.

        The three factories below are this with the actor filled in;
        integrations use it to choose the queue (``bc_events.queue``).
        """
        return self.session_class(actor_id, actor_type, job_id, self, publish_immediately, queue=queue)

    def user_session(self, user_id: str, job_id: str, *, publish_immediately: bool = False) -> EventSession:
        """A session whose events are attributed to the user ``user_id``."""
        return self.session(user_id, "user", job_id, publish_immediately=publish_immediately)

    def service_session(self, job_id: str, *, publish_immediately: bool = False) -> EventSession:
        """A session whose events are attributed to this service."""
        return self.session(self.service_name, "service", job_id, publish_immediately=publish_immediately)

    def third_party_session(self, job_id: str, *, publish_immediately: bool = False) -> EventSession:
        """A session for events this service publishes on behalf of a third party."""
        return self.session(self.service_name, "third-party", job_id, publish_immediately=publish_immediately)

    def stats(self) -> dict[str, int]:
        """Counters since the client was made, as a plain mapping: the figures to export to metrics.

        ``published``: events its sessions validated and queued (or sent at
        once); ``delivered``, ``rejected`` (refused for good by the API) and
        ``undelivered`` (not accepted when a flush or a deliverer batch gave
        up: an event left undelivered by two flushes counts twice), ``retried``
        (waits before another attempt), ``requests`` and ``bytes`` (requests
        started and their bodies' size), as the transport counts them (0 for a
        transport that keeps no counters, e.g. ``LoggingTransport``);
        ``deliverer_events`` and ``deliverer_bytes``: what the background
        deliverer holds now.  Alert on ``rejected`` and ``undelivered`` rising.
        """
        counts = {"published": self.catalog.published.value} | stats.new_counts()
        transport_stats = getattr(self.transport, "stats", None)
        kept: object = transport_stats() if callable(transport_stats) else None
        if isinstance(kept, Mapping):
            counts |= {str(name): int(value) for name, value in kept.items() if name in counts}
        counts["deliverer_events"], counts["deliverer_bytes"] = self.deliverer.queued
        return counts

    def wait_delivered(self, timeout: float = 10.0) -> bool:
        """Wait until every committed batch was delivered or reported undelivered (for tests).

        False if ``timeout`` seconds passed first.
        """
        return self.deliverer.wait_delivered(timeout)

    def close(self) -> None:
        """Deliver what the deliverer holds (within its ``shutdown_time``), then close the connections."""
        self.deliverer.close()
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def checked_api_url(api_url: str | None) -> str | None:
    """``api_url`` without trailing slashes; ``ValueError`` naming what makes it unusable.

    Credentials in the URL are refused rather than sent: the Events API does
    not take basic auth, and a URL is easily logged with its password.
    """
    if api_url is None:
        return None
    if not isinstance(api_url, str):
        raise TypeError(f"api_url must be a str or None, got {type(api_url).__name__}")
    if not api_url.strip():
        raise ValueError(
            f"api_url is empty ({api_url!r}): pass the Events API's http(s) URL, or None to only log events"
        )
    if not api_url.isprintable() or " " in api_url:
        raise ValueError(f"api_url must not contain whitespace or control characters, got {api_url!r}")
    try:
        parts = urlsplit(api_url)
        parts.port  # noqa: B018 - parsing the port is what raises for a bad one
    except ValueError as error:
        raise ValueError(f"api_url is not a valid URL ({error}): {api_url!r}") from None
    if "://" in api_url and parts.scheme not in ("http", "https"):
        raise ValueError(f"api_url must be an http or https URL, not {parts.scheme}://, got {api_url!r}")
    if "://" not in api_url or parts.scheme not in ("http", "https"):
        raise ValueError(
            f"api_url must be an absolute URL starting with http:// or https://, got {api_url!r}"
        )
    if "@" in parts.netloc:
        raise ValueError("api_url must not contain credentials (user:password@): they are not sent")
    if not parts.hostname:
        raise ValueError(f"api_url has no host, got {api_url!r}")
    before_fragment, fragment, _ = api_url.partition("#")
    if "?" in before_fragment or fragment:
        what = "a query string" if "?" in before_fragment else "a fragment"
        raise ValueError(f"api_url must not have {what}: /events is appended to it, got {api_url!r}")
    return api_url.rstrip("/")
