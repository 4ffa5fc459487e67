"""Where a finding is in the topic file: the schema node of a payload path, and its line.

A finding's path is in the payload (``$.lines[*].amount``); the line a user
wants is that of the schema node describing it (``amount:`` under
``lines.items.properties``).  This follows the path through ``properties``,
``items``, ``patternProperties`` and ``additionalProperties``, into local
``$ref`` targets and the members of ``allOf``/``anyOf``/``oneOf``, as far as
the schema spells it out; where it stops (a property only the other side
declares), the deepest node reached is the answer (its ``properties``, if any).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bc_events.topic_source import pointer_steps
from bc_events.topics import Topic

_COMBINATORS = ("allOf", "anyOf", "oneOf")
_MAX_REFS = 32
"""How many ``$ref`` hops one step may follow: more is a cycle (``A: {$ref: A}``), not a schema."""

Path = tuple[str | int, ...]


def finding_line(topic: Topic, steps: Sequence[str]) -> int | None:
    """The line of the schema node for payload ``steps``; the topic's line for the whole payload."""
    if not steps:
        return topic.line
    return topic.line_at(schema_path(topic.schema, steps))


def schema_path(root: Mapping[str, Any], steps: Sequence[str]) -> Path:
    """Keys and indexes from ``root`` to the node describing payload ``steps`` (or the deepest reached)."""
    node: Any = root
    path: Path = ()
    for step in steps:
        found = _step(root, node, path, step, depth=0)
        if found is None:  # e.g. a property only OLD declares: where NEW declares its others
            node, path = _resolved(root, node, path)
            if isinstance(node, Mapping) and isinstance(node.get("properties"), Mapping):
                path = (*path, "properties")
            break
        node, path = found
    return path


def _step(root: Mapping[str, Any], node: Any, path: Path, step: str, depth: int) -> tuple[Any, Path] | None:
    """The child of ``node`` that payload ``step`` lands in, and its path; None if not written down."""
    node, path = _resolved(root, node, path)
    if not isinstance(node, Mapping) or depth > _MAX_REFS:
        return None
    direct = _child(node, step)
    if direct is not None:
        return node[direct[0]] if len(direct) == 1 else node[direct[0]][direct[1]], path + direct
    for keyword in _COMBINATORS:
        members = node.get(keyword)
        if isinstance(members, list):
            for index, member in enumerate(members):
                found = _step(root, member, (*path, keyword, index), step, depth + 1)
                if found is not None:
                    return found
    return None


def _child(node: Mapping[str, Any], step: str) -> Path | None:
    """The keys under ``node`` for ``step``, if ``node`` itself names it."""
    if step.startswith("[") and step.endswith("]"):
        items = node.get("items")
        index = step[1:-1]
        if isinstance(items, list) and index.isdigit() and int(index) < len(items):
            return ("items", int(index))
        if isinstance(items, Mapping):
            return ("items",)
        return ("additionalItems",) if isinstance(node.get("additionalItems"), Mapping) else None
    if step == "*":
        return ("additionalProperties",) if isinstance(node.get("additionalProperties"), Mapping) else None
    patterns = node.get("patternProperties")
    if step.startswith("/") and step.endswith("/") and isinstance(patterns, Mapping):
        pattern = step[1:-1]
        return ("patternProperties", pattern) if pattern in patterns else None
    properties = node.get("properties")
    if isinstance(properties, Mapping) and step in properties:
        return ("properties", step)
    return None


def _resolved(root: Mapping[str, Any], node: Any, path: Path) -> tuple[Any, Path]:
    """Follow local ``$ref`` s (``#/definitions/X``) to the node they name."""
    for _ in range(_MAX_REFS):
        reference = node.get("$ref") if isinstance(node, Mapping) else None
        if not isinstance(reference, str) or not reference.startswith("#"):
            return node, path
        target: Any = root
        steps: Path = ()
        for key in pointer_steps(reference[1:]):
            if isinstance(target, Mapping) and key in target:
                target, steps = target[key], (*steps, key)
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target, steps = target[int(key)], (*steps, int(key))
            else:
                return node, path  # a $ref that does not resolve: the loader has said so already
        node, path = target, steps
    return node, path
