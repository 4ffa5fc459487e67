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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Union

from bc_events.errors import TopicDefinitionError
from bc_events.topic_yaml import KeyLines, parse_topic_yaml

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

    @property
    def name(self) -> str:
        """``category.EntityAction``."""
        return topic_name(self.category, self.entity, self.action)


@dataclass(frozen=True)
class TopicDefinitions:
    """A checked set of topics: the default category and every topic, in file order."""

    default_category: str
    topics: tuple[Topic, ...]
    source: str = "<mapping>"

    @classmethod
    def from_json(cls, text: str, source: str = "<embedded>") -> TopicDefinitions:
        """Load definitions embedded as JSON (as generated modules do)."""
        return _build(json.loads(text), source, _no_lines)

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
        return _build(source, "<mapping>", _no_lines)
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        text = read_topic_file(name)
    else:
        name = str(getattr(source, "name", "<stream>"))
        text = source.read()
    document, lines = _parse_yaml(text, name)
    return _build(document, name, lines)


def read_topic_file(path: str) -> str:
    """The text of a topic file; ``TopicDefinitionError`` naming it if unreadable or not UTF-8."""
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except OSError as error:
        raise TopicDefinitionError(f"cannot read topic definitions: {error.strerror}", source=path) from None
    except UnicodeDecodeError as error:
        raise TopicDefinitionError(f"not UTF-8 text: {error.reason}", source=path) from None


def _no_lines(index: int) -> KeyLines:
    return {}


def _parse_yaml(text: str, source: str) -> tuple[Any, Callable[[int], KeyLines]]:
    document, topic_lines = parse_topic_yaml(text, source)

    def lines_of(index: int) -> KeyLines:
        return topic_lines[index] if index < len(topic_lines) else {}

    return document, lines_of


# --- Checking --------------------------------------------------------------------------


def _build(document: Any, source: str, lines_of: Callable[[int], KeyLines]) -> TopicDefinitions:
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
        topic = _check_topic(raw, index, default_category, source, lines_of(index))
        earlier = seen.get(topic.name)
        if earlier is not None:
            where = f" (first defined at line {earlier.line})" if earlier.line else ""
            raise TopicDefinitionError(
                f"duplicate topic: defined twice{where}", source=source, line=topic.line, topic=topic.name
            )
        seen[topic.name] = topic
        topics.append(topic)
    return TopicDefinitions(default_category, tuple(topics), source)


def _check_topic(raw: Any, index: int, default_category: str, source: str, lines: KeyLines) -> Topic:
    label = f"#{index + 1}"
    if isinstance(raw, Mapping) and isinstance(raw.get("Entity"), str) and isinstance(raw.get("Action"), str):
        label = topic_name(str(raw.get("Category", default_category)), raw["Entity"], raw["Action"])

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
    return Topic(category, raw["Entity"], raw["Action"], schema, description, lines.get(""))
