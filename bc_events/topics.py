"""Loading and checking topic definitions.

A topic-definition file is the YAML services already deploy their topics from::

    DefaultCategory: testing
    Topics:
      - Action: Created
        Entity: Test
        Category: other          # optional, overrides DefaultCategory
        Description: A new Test was created
        Schema: {type: object}   # JSON Schema of the event's ``data``

It may be given as a path, an open text file, an already-loaded mapping, or a
``TopicDefinitions``.  YAML is always loaded safely (no tags run code), and
every problem is a ``TopicDefinitionError`` naming the file, line and topic.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any, Union

import jsonschema_rs

from bc_events.errors import TopicDefinitionError
from bc_events.schema.resolver import Resolver
from bc_events.schema.valid import InvalidTopicSchema, check_topic_schema
from bc_events.topic_source import Finding, ParsedTopics, SourceMap, pointer_steps
from bc_events.topic_yaml import parse_topic_yaml

CATEGORY_PATTERN = re.compile(r"^[a-z]+$")
ACTION_PATTERN = re.compile(r"^[A-Z][a-z]+$")
ENTITY_PATTERN = re.compile(r"^([A-Z][a-z]+)+$")

_REQUIRED_TOPIC_KEYS = ("Action", "Entity", "Schema")
_OPTIONAL_TOPIC_KEYS = ("Category", "Description")
_KNOWN_TOPIC_KEYS = frozenset(_REQUIRED_TOPIC_KEYS + _OPTIONAL_TOPIC_KEYS)


def topic_name(category: str, entity: str, action: str) -> str:
    """The full topic name used on the wire and in messages: ``category.EntityAction``."""
    return f"{category}.{entity}{action}"


@dataclass(frozen=True)
class Topic:
    """One event topic: where it lives, and the JSON Schema its ``data`` must match."""

    category: str
    entity: str
    action: str
    schema: Mapping[str, Any]
    description: str = ""
    line: int | None = field(default=None, compare=False)
    """Line of the topic in its YAML file (1-based), when it came from one."""
    schema_line: int | None = field(default=None, compare=False)
    """Line of its ``Schema`` key, when it came from a YAML file."""
    source_map: SourceMap | None = field(default=None, compare=False, repr=False)
    """Where each node of ``schema`` was written, when it came from a YAML file."""
    compiled: jsonschema_rs.Validator | None = field(default=None, compare=False, repr=False)
    """The validator the loader compiled (``bc_events.schema.valid``); None for a topic made by hand."""
    resolver: Resolver | None = field(default=None, compare=False, repr=False)
    """The references of ``schema`` as the loader read them (``bc_events.schema``); None if made by hand."""

    @property
    def name(self) -> str:
        """``category.EntityAction``."""
        return topic_name(self.category, self.entity, self.action)

    def line_of(self, pointer: str = "") -> int | None:
        """Line of the schema node at JSON pointer ``pointer`` (``/properties/id``; ``""``: the Schema).

        Falls back to the nearest enclosing node whose line is known, then to the topic's line.
        """
        return self.line_at(pointer_steps(pointer))

    def line_at(self, path: Sequence[Any]) -> int | None:
        """``line_of`` for a path of keys and indexes (``["properties", "id"]``)."""
        line = None
        if path and self.source_map is not None:
            line = self.source_map.line_of(self.schema, path)
        return line or self.schema_line or self.line

    def key_as_written(self, container: Any, key: Any) -> str:
        """A key of a mapping inside ``schema`` as the YAML wrote it: ``yes``, not ``True``."""
        if self.source_map is None:
            return str(key)
        return self.source_map.key_as_written(container, key)


@dataclass(frozen=True)
class LoadWarning:
    """Something in a topic file that loads but probably does not mean what it says."""

    source: str
    line: int | None
    topic: str | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        what = f"topic {self.topic}: " if self.topic else ""
        return f"{where}: {what}warning: {self.message}"


@dataclass(frozen=True)
class TopicDefinitions:
    """A checked set of topics: the default category and every topic, in file order."""

    default_category: str
    topics: tuple[Topic, ...]
    source: str = "<mapping>"
    warnings: tuple[LoadWarning, ...] = field(default=(), compare=False)
    """What loaded but looks wrong, e.g. ``NO`` read as a boolean in a string enum."""

    @classmethod
    def from_json(cls, text: str, source: str = "<embedded>") -> TopicDefinitions:
        """Load definitions embedded as JSON (as generated modules do)."""
        return _build(json.loads(text), source, _NO_LINES)

    def table(self) -> dict[str, Topic]:
        """Topics by full name, ``category.EntityAction``."""
        return {topic.name: topic for topic in self.topics}


TopicSource = Union[str, "os.PathLike[str]", IO[str], Mapping[str, Any], TopicDefinitions]
"""Everything ``load_topic_definitions`` (and so ``EventClient``) accepts."""


def load_topic_definitions(source: TopicSource) -> TopicDefinitions:
    """Load and check topic definitions from a path, open file, mapping or ``TopicDefinitions``."""
    if isinstance(source, TopicDefinitions):
        return source
    if isinstance(source, Mapping):
        return _build(source, "<mapping>", _NO_LINES)
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        text = read_topic_file(name)
    else:
        name = str(getattr(source, "name", "<stream>"))
        text = source.read()
    parsed = parse_topic_yaml(text, name)
    return _build(parsed.document, name, parsed)


def read_topic_file(path: str) -> str:
    """The text of a topic file; ``TopicDefinitionError`` naming it if unreadable or not UTF-8."""
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except OSError as error:
        raise TopicDefinitionError(f"cannot read topic definitions: {error.strerror}", source=path) from None
    except UnicodeDecodeError as error:
        raise TopicDefinitionError(f"not UTF-8 text: {error.reason}", source=path) from None


_NO_LINES = ParsedTopics(None, [], SourceMap())


# --- Checking --------------------------------------------------------------------------


def _build(document: Any, source: str, parsed: ParsedTopics) -> TopicDefinitions:
    if parsed.problems:  # YAML a topic file must not use: duplicate keys, recursive or exploding aliases
        raise _error(parsed.problems[0], document, source)
    if not isinstance(document, Mapping):
        raise TopicDefinitionError("expected a mapping with DefaultCategory and Topics", source=source)
    default_category = document.get("DefaultCategory")
    if not isinstance(default_category, str) or not CATEGORY_PATTERN.match(default_category):
        raise TopicDefinitionError(
            f"DefaultCategory must be a string matching {CATEGORY_PATTERN.pattern}, got {default_category!r}",
            source=source,
        )
    raw_topics = document.get("Topics")
    if not isinstance(raw_topics, list):
        raise TopicDefinitionError("Topics must be a list of topic mappings", source=source)
    topics: list[Topic] = []
    seen: dict[str, Topic] = {}
    for index, raw in enumerate(raw_topics):
        topic = _check_topic(raw, index, default_category, source, parsed)
        earlier = seen.get(topic.name)
        if earlier is not None:
            where = f" (first defined at line {earlier.line})" if earlier.line else ""
            raise TopicDefinitionError(
                f"duplicate topic: defined twice{where}", source=source, line=topic.line, topic=topic.name
            )
        seen[topic.name] = topic
        topics.append(topic)
    warnings = tuple(
        LoadWarning(source, finding.line, _label_at(document, finding.topic_index), finding.message)
        for finding in parsed.warnings
    )
    return TopicDefinitions(default_category, tuple(topics), source, warnings)


def _error(finding: Finding, document: Any, source: str) -> TopicDefinitionError:
    topic = _label_at(document, finding.topic_index) if isinstance(document, Mapping) else None
    return TopicDefinitionError(finding.message, source=source, line=finding.line, topic=topic)


def _label_at(document: Mapping[str, Any], index: int | None) -> str | None:
    """How messages name topic number ``index`` of ``document``: its full name when it has one."""
    topics = document.get("Topics")
    if index is None or not isinstance(topics, list) or index >= len(topics):
        return None
    default_category = document.get("DefaultCategory")
    return _label(topics[index], index, default_category if isinstance(default_category, str) else "?")


def _label(raw: Any, index: int, default_category: str) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("Entity"), str) and isinstance(raw.get("Action"), str):
        return topic_name(str(raw.get("Category", default_category)), raw["Entity"], raw["Action"])
    return f"#{index + 1}"


def _check_topic(raw: Any, index: int, default_category: str, source: str, parsed: ParsedTopics) -> Topic:
    label = _label(raw, index, default_category)
    lines = parsed.topic_lines[index] if index < len(parsed.topic_lines) else {}

    def fail(problem: str, key: str = "") -> TopicDefinitionError:
        return TopicDefinitionError(problem, source=source, line=lines.get(key, lines.get("")), topic=label)

    if not isinstance(raw, Mapping):
        raise fail(f"each topic must be a mapping, got {type(raw).__name__}")
    for key in _REQUIRED_TOPIC_KEYS:
        if key not in raw:
            raise fail(f"missing required key {key!r}")
    unknown = sorted(str(key) for key in raw if key not in _KNOWN_TOPIC_KEYS)
    if unknown:
        raise fail(
            f"unknown key(s) {', '.join(map(repr, unknown))}; expected {sorted(_KNOWN_TOPIC_KEYS)}",
            unknown[0],
        )
    category = raw.get("Category", default_category)
    for key, value, pattern in (
        ("Category", category, CATEGORY_PATTERN),
        ("Entity", raw["Entity"], ENTITY_PATTERN),
        ("Action", raw["Action"], ACTION_PATTERN),
    ):
        if not isinstance(value, str) or not pattern.match(value):
            raise fail(f"{key} must match {pattern.pattern}, got {value!r}", key)
    description = raw.get("Description", "")
    if not isinstance(description, str):
        raise fail(f"Description must be a string, got {type(description).__name__}", "Description")
    schema = raw["Schema"]
    if not isinstance(schema, Mapping):
        raise fail(f"Schema must be a mapping (a JSON Schema object), got {type(schema).__name__}", "Schema")
    topic = Topic(
        category,
        raw["Entity"],
        raw["Action"],
        schema,
        description,
        lines.get(""),
        lines.get("Schema"),
        parsed.source_map,
    )
    try:
        checked = check_topic_schema(schema)
    except InvalidTopicSchema as error:
        raise TopicDefinitionError(
            str(error), source=source, line=topic.line_at(error.path), topic=topic.name
        ) from None
    return replace(topic, compiled=checked.validator, resolver=checked.resolver)
