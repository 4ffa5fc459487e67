"""The exceptions bc_events raises: each one says what went wrong and where."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bc_events.event import Event


class BcEventsError(Exception):
    """Base class of every error raised by bc_events."""


class TopicDefinitionError(BcEventsError, ValueError):
    """A topic-definition file or mapping is malformed.

    ``str(error)`` reads ``file:line: topic category.EntityAction: problem``; the
    parts that are unknown (a mapping has no file, a top-level problem no topic)
    are left out.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        line: int | None = None,
        topic: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.topic = topic
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source if self.line is None else f"{self.source}:{self.line}"
            where += ": "
        what = f"topic {self.topic}: " if self.topic else ""
        return f"{where}{what}{self.problem}"


class UnknownTopicError(BcEventsError, ValueError):
    """No topic is defined for the requested category, entity and action."""

    def __init__(self, topic_name: str) -> None:
        self.topic_name = topic_name
        super().__init__(f"unknown topic {topic_name!r}: it is not in the topic definitions")


class EventValidationError(BcEventsError, ValueError):
    """An event payload does not match its topic's JSON Schema; nothing was queued."""

    def __init__(self, topic_name: str, field_path: Sequence[str | int], problem: str) -> None:
        self.topic_name = topic_name
        self.field_path = tuple(field_path)
        self.problem = problem
        field = "/".join(str(part) for part in self.field_path) or "(root)"
        super().__init__(f"invalid data for topic {topic_name}: field {field}: {problem}")


class NoSessionError(BcEventsError, LookupError):
    """``current_session()`` was called where no session is bound."""


class PublishError(BcEventsError):
    """A flush could not deliver every event.

    ``undelivered`` holds exactly the events that were not accepted yet; they
    stay queued on the session, so a later ``flush()`` retries them and nothing
    else (unless ``rollback()`` was called during the flush: then they are
    dropped).  ``rejected`` holds the events the API refused for good (e.g. a
    400 ``ValidationException``, or a bulk record failed with a code that is
    not worth retrying): retrying will not help, so they are not queued again;
    log or dead-letter them.
    """

    def __init__(self, reason: str, undelivered: Sequence[Event], rejected: Sequence[Event] = ()) -> None:
        self.reason = reason
        self.undelivered = list(undelivered)
        self.rejected = list(rejected)
        counts = []
        if self.undelivered or not self.rejected:
            counts.append(f"{len(self.undelivered)} event(s) not delivered")
        if self.rejected:
            counts.append(f"{len(self.rejected)} event(s) rejected")
        super().__init__(f"{', '.join(counts)}: {reason}")
