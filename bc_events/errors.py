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


class SessionClosedError(BcEventsError, RuntimeError):
    """``publish()`` on a session whose unit of work is over (committed, rolled back or its block ended).

    Its events would never be sent, so it is refused instead of queued.
    """

    def __init__(self, job_id: str, how: str) -> None:
        self.job_id = job_id
        super().__init__(
            f"the bc_events session of job {job_id!r} is closed ({how}): the request or task it belonged "
            "to is over, and an event published on it now would never be sent. To publish from background "
            "work that outlives the request or task, open a session of its own (e.g. `with "
            "client.service_session(job_id) as session: ...`), or publish before the request or task returns."
        )


class PublishError(BcEventsError):
    """A flush could not deliver every event.

    ``undelivered`` holds exactly the events that were not accepted; they stay
    queued on the session, so a later ``flush()`` retries them and nothing else
    (unless ``rollback()`` was called during the flush: then they are dropped).
    """

    def __init__(self, reason: str, undelivered: Sequence[Event]) -> None:
        self.reason = reason
        self.undelivered = list(undelivered)
        super().__init__(f"{len(self.undelivered)} event(s) not delivered: {reason}")
