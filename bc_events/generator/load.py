"""Reading the topic YAML for the generator: the runtime's loader plus generator-only checks.

Parsing and the per-topic checks are ``bc_events.topics.load_topic_definitions``
(one loader, so the generator accepts exactly what the runtime accepts); this
module adds what only code generation needs, with the same error type and
``file:line: topic X: problem`` messages.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from bc_events.drafts import schema_draft
from bc_events.errors import TopicDefinitionError
from bc_events.schema.patterns import translate_schema
from bc_events.topics import Topic, TopicDefinitions, load_topic_definitions, read_topic_file


@dataclass(frozen=True)
class LoadedTopics:
    """Checked definitions, the sha256 of the input bytes, and each topic as compact JSON."""

    definitions: TopicDefinitions
    sha256: str
    embedded: tuple[str, ...]


def load_topics(path: str, text: str | None = None) -> LoadedTopics:
    """Read (unless ``text`` is given), parse and check ``path``; each problem a ``TopicDefinitionError``."""
    text = read_topic_file(path) if text is None else text
    stream = io.StringIO(text)
    stream.name = path  # the loader names errors after the stream
    definitions = load_topic_definitions(stream)
    opening = json.dumps(
        {"DefaultCategory": definitions.default_category, "Topics": []}, separators=(",", ":")
    )
    embedded = [opening[:-2]]
    for index, topic in enumerate(definitions.topics):
        _check_schema(topic, definitions.source)
        separator = "," if index < len(definitions.topics) - 1 else ""
        embedded.append(_topic_json(topic, definitions) + separator)
    embedded.append("]}")
    return LoadedTopics(definitions, hashlib.sha256(text.encode()).hexdigest(), tuple(embedded))


def _check_schema(topic: Topic, source: str) -> None:
    def fail(problem: str, path: list[Any] | None = None) -> TopicDefinitionError:
        line = topic.line_at(path) if path else topic.line
        return TopicDefinitionError(problem, source=source, line=line, topic=topic.name)

    declared = topic.schema.get("type", "object")
    if "object" not in (declared if isinstance(declared, list) else [declared]):
        raise fail(f"Schema type must be object (data is a mapping), got {declared!r}", ["type"])
    try:
        schema = {**topic.schema, "$schema": schema_draft(topic.schema)}  # the draft the runtime reads it in
        schema = translate_schema(schema)  # ECMA-262 patterns as the runtime reads them
    except ValueError as error:
        raise fail(str(error), ["$schema"]) from None
    try:
        valid = jsonschema_rs.meta.is_valid(schema)
    except (ValueError, jsonschema_rs.ReferencingError) as error:
        raise fail(f"Schema is not a valid JSON Schema: {error}") from None
    if not valid:
        try:
            jsonschema_rs.meta.validate(schema)
        except jsonschema_rs.ValidationError as error:
            path = list(error.instance_path)
            raise fail(f"Schema is not a valid JSON Schema: {error.message}", path) from None


def _topic_json(topic: Topic, definitions: TopicDefinitions) -> str:
    document: dict[str, Any] = {"Action": topic.action, "Entity": topic.entity}
    if topic.category != definitions.default_category:
        document["Category"] = topic.category
    if topic.description:
        document["Description"] = topic.description
    document["Schema"] = topic.schema

    def fail(problem: str, line: int | None = topic.line) -> TopicDefinitionError:
        return TopicDefinitionError(problem, source=definitions.source, line=line, topic=topic.name)

    try:
        text = json.dumps(document, separators=(",", ":"), allow_nan=False, default=_not_json)
    except (TypeError, ValueError) as error:
        raise fail(f"Schema holds a value JSON cannot: {error}") from None
    if json.loads(text)["Schema"] != topic.schema:  # json.dumps turns keys such as 1 or true into strings
        path, container, key = _non_string_key(topic.schema)
        written = topic.key_as_written(container, key)
        where = "".join(f"/{step}" for step in ["Schema", *path[:-1]])[1:]
        raise fail(
            f"{where}: the key {written} is read by YAML as {key!r}, not a string; quote it: '{written}'",
            topic.line_at(path),
        )
    return text


def _non_string_key(value: Any) -> tuple[list[Any], Any, Any]:
    """The path to the first mapping key that is not a string, anywhere in ``value``; its mapping; the key."""
    stack: list[tuple[list[Any], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str):
                    return [*path, key], item, key
                stack.append(([*path, key], child))
        elif isinstance(item, list):
            stack.extend(([*path, index], child) for index, child in enumerate(item))
    return [], None, None


def _not_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{value!r} ({type(value).__name__}; quote it in the YAML)")
