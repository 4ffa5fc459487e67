"""Schemas no payload can satisfy, found on the schema as written, before it is typed.

A key that is ``required`` but can never be present (``additionalProperties:
false`` and neither ``properties`` nor ``patternProperties`` admit it) is an
error: the generator would otherwise type it ``Any`` for a payload that cannot
exist.  (Values YAML did not read as written, such as ``NO`` or ``1.10`` in a
string enum, are the loader's to report: it still sees the text.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from bc_events.errors import TopicDefinitionError
from bc_events.generator.scope import escape_pointer
from bc_events.topics import Topic

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONES = (
    "additionalProperties",
    "additionalItems",
    "items",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
)


def check_topic(topic: Topic, source: str) -> None:
    """``TopicDefinitionError`` naming the first ``required`` key the schema forbids, if any."""
    for schema, pointer, negated in _subschemas(topic.schema):
        ghost = None if negated else _impossible_required(schema)
        if ghost is not None:
            raise TopicDefinitionError(
                f"{pointer}: required key {ghost!r} can never be present: additionalProperties is "
                "false and no properties or patternProperties entry allows it; declare it or drop it "
                "from required",
                source=source,
                line=topic.line,
                topic=topic.name,
            )


def _subschemas(root: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], str, bool]]:
    """Every schema mapping under ``root`` with its pointer and whether it is under ``not``.

    Iterative: schemas may nest deeper than Python's recursion limit.
    """
    stack: list[tuple[Any, str, bool]] = [(root, "Schema", False)]
    while stack:
        schema, pointer, negated = stack.pop()
        if not isinstance(schema, Mapping):
            continue
        yield schema, pointer, negated
        children: list[tuple[Any, str, bool]] = []
        for keyword in _SCHEMA_MAPS:
            group = schema.get(keyword)
            if isinstance(group, Mapping):
                children.extend(
                    (value, f"{pointer}/{keyword}/{escape_pointer(str(key))}", negated)
                    for key, value in group.items()
                )
        for keyword in (*_SCHEMA_LISTS, "items"):
            group = schema.get(keyword)
            if isinstance(group, list):
                children.extend(
                    (value, f"{pointer}/{keyword}/{index}", negated) for index, value in enumerate(group)
                )
        children.extend((schema.get(keyword), f"{pointer}/{keyword}", negated) for keyword in _SCHEMA_ONES)
        children.append((schema.get("not"), f"{pointer}/not", not negated))
        stack.extend(reversed(children))


def _impossible_required(schema: Mapping[str, Any]) -> str | None:
    """The first required key that ``schema`` forbids, or ``None``."""
    required = schema.get("required")
    if schema.get("additionalProperties") is not False or not isinstance(required, list):
        return None
    properties = schema.get("properties")
    patterns = schema.get("patternProperties")
    declared = properties if isinstance(properties, Mapping) else {}
    expressions = list(patterns) if isinstance(patterns, Mapping) else []
    for key in required:
        if isinstance(key, str) and key not in declared and not any(_may_match(p, key) for p in expressions):
            return key
    return None


def _may_match(pattern: Any, key: str) -> bool:
    """Could ``pattern`` (an ECMA 262 regex) match ``key``?  Yes when Python cannot tell."""
    try:
        return re.search(str(pattern), key) is not None
    except re.error:
        return True
