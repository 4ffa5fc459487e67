"""bc_events: publish BriteCore events to the BriteEvents API.

client = EventClient("https://api.mysite.britecore.com", "MyService", "topics.yaml")
with client.user_session(user_id, job_id) as session:
    session.publish(action="Created", entity="MyEntity", data={"id": "42"})
# flushed when the block succeeds, rolled back when it raises

The names below are imported on first use (PEP 562): reading or generating topics
(``bc_events.topics``, ``bc-events-gen``) never loads the delivery modules (urllib3).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bc_events.client import EventClient
    from bc_events.context import bind_session, bound_session, current_session
    from bc_events.errors import (
        BcEventsError,
        EventValidationError,
        NoSessionError,
        PublishError,
        SessionClosedError,
        TopicDefinitionError,
        UnknownTopicError,
    )
    from bc_events.event import Event
    from bc_events.session import EventSession
    from bc_events.topics import Topic, TopicDefinitions, load_topic_definitions
    from bc_events.transport import (
        HttpTransport,
        LoggingTransport,
        RecordingTransport,
        RetryPolicy,
        Transport,
    )

from bc_events._version import __version__

_HOMES = {
    "EventClient": "client",
    "bind_session": "context",
    "bound_session": "context",
    "current_session": "context",
    "BcEventsError": "errors",
    "EventValidationError": "errors",
    "NoSessionError": "errors",
    "PublishError": "errors",
    "SessionClosedError": "errors",
    "TopicDefinitionError": "errors",
    "UnknownTopicError": "errors",
    "Event": "event",
    "EventSession": "session",
    "Topic": "topics",
    "TopicDefinitions": "topics",
    "load_topic_definitions": "topics",
    "HttpTransport": "transport",
    "LoggingTransport": "transport",
    "RecordingTransport": "transport",
    "RetryPolicy": "transport",
    "Transport": "transport",
}
"""Public name -> the submodule defining it."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bc_events' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bc_events.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = [
    "BcEventsError",
    "Event",
    "EventClient",
    "EventSession",
    "EventValidationError",
    "HttpTransport",
    "LoggingTransport",
    "NoSessionError",
    "PublishError",
    "RecordingTransport",
    "RetryPolicy",
    "SessionClosedError",
    "Topic",
    "TopicDefinitionError",
    "TopicDefinitions",
    "Transport",
    "UnknownTopicError",
    "__version__",
    "bind_session",
    "bound_session",
    "current_session",
    "load_topic_definitions",
]
