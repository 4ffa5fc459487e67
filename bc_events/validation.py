"""Payload validation: one compiled JSON Schema validator per topic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from bc_events.drafts import refuse_retrieval, validator_class
from bc_events.errors import EventValidationError, TopicDefinitionError
from bc_events.topics import Topic


class PayloadValidator:
    """Checks ``data`` against one topic's schema; compiled once, reused for every publish.

    A schema without ``$schema`` is read as draft 7, the draft topic files are
    written in (``bc_events.drafts``; nothing is fetched).  ``format`` is an
    annotation, not an assertion (as in draft 7's default), so a payload is
    never rejected for, say, an unusual date string.
    """

    __slots__ = ("_topic_name", "_validator")

    def __init__(self, topic: Topic, source: str | None = None) -> None:
        self._topic_name = topic.name
        schema = dict(topic.schema)
        try:
            validator = validator_class(schema)
            self._validator = validator(schema, validate_formats=False, retriever=refuse_retrieval)
        except (jsonschema_rs.ValidationError, ValueError) as error:
            problem = str(error).splitlines()[0]
            raise TopicDefinitionError(
                f"Schema is not a valid JSON Schema: {problem}",
                source=source,
                line=topic.line_at(getattr(error, "instance_path", ())),  # the offending schema node
                topic=topic.name,
            ) from None

    def validate(self, data: Mapping[str, Any]) -> None:
        """Raise ``EventValidationError`` naming the topic and field if ``data`` is invalid."""
        try:
            if self._validator.is_valid(data):
                return
            first = next(iter(self._validator.iter_errors(data)))
        except ValueError as error:  # a value JSON cannot hold, e.g. a dict with int keys
            raise EventValidationError(self._topic_name, (), str(error)) from None
        raise EventValidationError(self._topic_name, list(first.instance_path), first.message)
