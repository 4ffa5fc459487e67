"""EventClient: one per service, holding the topic table, validators and the transport."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import ClassVar, Self
from urllib.parse import urlsplit

from bc_events.errors import UnknownTopicError
from bc_events.naming import action_first_name, entity_first_name
from bc_events.session import EventSession, check_text_id
from bc_events.topics import Topic, TopicSource, load_topic_definitions, topic_name
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
    the default HTTP transport.  Use the client as a context manager, or call
    ``close()``, to release its connections.
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
    ) -> None:
        self.api_url = checked_api_url(api_url)
        check_text_id(service_name, "service_name")
        definitions = load_topic_definitions(topic_definitions)
        for warning in definitions.warnings:  # logged, not raised: a running service keeps its topics
            logging.getLogger("bc.events").warning("%s", warning)
        self.service_name = service_name
        self.default_category = definitions.default_category
        self.topic_table: dict[str, Topic] = definitions.table()
        self._validators = {
            name: PayloadValidator(topic, definitions.source) for name, topic in self.topic_table.items()
        }
        self._shortcuts = _shortcut_table(definitions.topics, self.default_category)
        self.transport: Transport = transport or self._default_transport(retry)

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
        name = topic_name(category, entity, action)
        try:
            return self.topic_table[name]
        except KeyError:
            raise UnknownTopicError(name, known=self.topic_table) from None

    def validator(self, name: str) -> PayloadValidator:
        """The compiled payload validator of topic ``name``."""
        return self._validators[name]

    def shortcut_topic(self, shortcut: str) -> Topic:
        """The default-category topic a shortcut such as ``created_my_entity`` publishes."""
        topic = self._shortcuts.get(shortcut)
        if topic is None:
            raise AttributeError(
                f"no topic shortcut {shortcut!r}: no topic in category {self.default_category!r} "
                "is named that way (use publish(action=..., entity=..., category=...))"
            )
        return topic

    def user_session(self, user_id: str, job_id: str, *, publish_immediately: bool = False) -> EventSession:
        """A session whose events are attributed to the user ``user_id``."""
        return self.session_class(user_id, "user", job_id, self, publish_immediately)

    def service_session(self, job_id: str, *, publish_immediately: bool = False) -> EventSession:
        """A session whose events are attributed to this service."""
        return self.session_class(self.service_name, "service", job_id, self, publish_immediately)

    def third_party_session(self, job_id: str, *, publish_immediately: bool = False) -> EventSession:
        """A session for events this service publishes on behalf of a third party."""
        return self.session_class(self.service_name, "third-party", job_id, self, publish_immediately)

    def close(self) -> None:
        """Close the transport's connections."""
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


def _shortcut_table(topics: tuple[Topic, ...], default_category: str) -> dict[str, Topic]:
    """Shortcut name -> topic for default-category topics; names two topics share are left out."""
    table: dict[str, Topic] = {}
    ambiguous: set[str] = set()
    for topic in topics:
        if topic.category != default_category:
            continue
        for name in {
            action_first_name(topic.entity, topic.action),
            entity_first_name(topic.entity, topic.action),
        }:
            if name in table and table[name] is not topic:
                ambiguous.add(name)
            table[name] = topic
    for name in ambiguous:
        del table[name]
    return table
