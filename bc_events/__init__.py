"""bc_events: publish BriteCore events to the BriteEvents API.

client = EventClient("https://api.mysite.britecore.com", "MyService", "topics.yaml")
with client.user_session(user_id, job_id) as session:
    session.publish(action="Created", entity="MyEntity", data={"id": "42"})
# flushed when the block succeeds, rolled back when it raises
"""

from bc_events._version import __version__
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
from bc_events.transport import HttpTransport, LoggingTransport, RecordingTransport, RetryPolicy, Transport

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
