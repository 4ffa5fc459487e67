"""Payload validation: one walk to plain JSON values, then one compiled JSON Schema validator per topic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.errors import EventValidationError, FieldError, TopicDefinitionError
from bc_events.schema.valid import InvalidTopicSchema, compile_topic_schema
from bc_events.topics import Topic
from bc_events.values import MAX_DEPTH, plain_json

__all__ = ["MAX_DEPTH", "PayloadValidator", "non_finite_error"]


class PayloadValidator:
    """Checks ``data`` against one topic's schema; compiled once, reused for every publish.

    A schema without ``$schema`` is read as draft 7, the draft topic files are
    written in (``bc_events.schema``; nothing is fetched).  ``format`` is an
    annotation, not an assertion (as in draft 7's default), so a payload is
    never rejected for, say, an unusual date string.
    """

    __slots__ = ("_topic_name", "_validator")

    def __init__(self, topic: Topic, source: str | None = None) -> None:
        self._topic_name = topic.name
        if topic.compiled is not None:  # checked and compiled once, by the loader
            self._validator = topic.compiled
            return
        try:
            self._validator = compile_topic_schema(topic.schema)
        except InvalidTopicSchema as error:
            raise TopicDefinitionError(
                str(error), source=source, line=topic.line_at(error.path), topic=topic.name
            ) from None

    def validate(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A plain-JSON copy of ``data`` once it matches the topic's schema (``bc_events.values``).

        Raises ``EventValidationError`` naming the topic and every problem with
        its field path: values JSON cannot hold (a date, bytes, NaN, ...), data
        nested deeper than ``MAX_DEPTH`` or containing itself, and then every
        schema violation.  The schema sees the copy, and the copy is what is
        sent, so both read the same values.
        """
        if type(data) is not dict and not isinstance(data, Mapping):
            # the envelope's data is a JSON object, whatever the schema allows
            raise EventValidationError(
                self._topic_name, (), f"data must be a JSON object (a mapping), not {type(data).__name__}"
            )
        copy, problems = plain_json(data)
        if problems:
            raise EventValidationError(self._topic_name, errors=problems)
        if self._validator.is_valid(copy):
            return copy
        errors = [
            FieldError(tuple(error.instance_path), error.message)
            for error in self._validator.iter_errors(copy)
        ]
        raise EventValidationError(self._topic_name, errors=errors)


def non_finite_error(topic_name: str, data: Mapping[str, Any]) -> EventValidationError | None:
    """An error naming the first NaN or infinity in ``data``, or None (kept for existing callers)."""
    _, problems = plain_json(data)
    for problem in problems:
        if problem.problem.endswith("(JSON numbers are finite)"):
            return EventValidationError(topic_name, errors=[problem])
    return None
