"""The exceptions bc_events raises: each one says what went wrong and where."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    """No topic is defined for the requested category, entity and action.

    ``suggestions`` holds the nearest defined topic names (by spelling, case
    ignored), best first, also named in the message: ``did you mean ...?``.
    """

    def __init__(self, topic_name: str, known: Iterable[str] = ()) -> None:
        self.topic_name = topic_name
        self.suggestions = _close_names(topic_name, known)
        message = f"unknown topic {topic_name!r}: it is not in the topic definitions"
        if self.suggestions:
            message += f"; did you mean {_either(self.suggestions)}?"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.__dict__, str(self))


def _close_names(name: str, known: Iterable[str]) -> tuple[str, ...]:
    """The known names spelt most like ``name`` (case ignored): the best and any about as close.

    The same ``EntityAction`` in another category comes first: a forgotten ``category=`` is
    the likeliest mistake, and its name can be further from the intended one than a neighbour.
    """
    by_lower = {candidate.lower(): candidate for candidate in known}
    wanted = name.lower()
    _, _, entity_action = wanted.rpartition(".")
    same = sorted(by_lower[lower] for lower in by_lower if lower.rpartition(".")[2] == entity_action)
    if same:
        return tuple(same[:3])
    matches = difflib.get_close_matches(wanted, by_lower, n=3, cutoff=0.6)
    if not matches:
        return ()
    # Topic names share their category and often their action, which makes many of them "close":
    # keep only those nearly as close as the best, the closest first, ties in name order.
    scores = {match: difflib.SequenceMatcher(None, wanted, match).ratio() for match in matches}
    best = max(scores.values())
    close = sorted((-score, by_lower[match]) for match, score in scores.items() if score >= best - 0.05)
    return tuple(original for _, original in close)


def _either(names: Sequence[str]) -> str:
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem of an event payload: where (``field_path``, keys and indexes) and what."""

    field_path: tuple[str | int, ...]
    problem: str

    def __str__(self) -> str:
        field = "/".join(str(part) for part in self.field_path) or "(root)"
        return f"field {field}: {self.problem}"


class EventValidationError(BcEventsError, ValueError):
    """An event payload does not match its topic's JSON Schema; nothing was queued.

    ``errors`` holds every problem found, each with its field path; the message
    shows the first few.  ``field_path`` and ``problem`` are those of the first.
    """

    SHOWN = 3
    """How many errors the message spells out before ``(and N more)``."""

    def __init__(
        self,
        topic_name: str,
        field_path: Sequence[str | int] = (),
        problem: str = "",
        *,
        errors: Sequence[FieldError] = (),
    ) -> None:
        self.topic_name = topic_name
        self.errors = tuple(errors) or (FieldError(tuple(field_path), problem),)
        self.field_path = self.errors[0].field_path
        self.problem = self.errors[0].problem
        super().__init__(f"invalid data for topic {topic_name}: {self._describe()}")

    def _describe(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        lines = [f"{len(self.errors)} errors:", *(f"  {error}" for error in self.errors[: self.SHOWN])]
        if len(self.errors) > self.SHOWN:
            lines.append(f"  (and {len(self.errors) - self.SHOWN} more)")
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.__dict__, str(self))


def _rebuild(cls: type[BaseException], state: dict[str, Any], message: str) -> BaseException:
    """Unpickle an error whose ``__init__`` takes other arguments than its message (e.g. from Celery)."""
    error = cls.__new__(cls)
    BaseException.__init__(error, message)
    error.__dict__.update(state)
    return error


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
