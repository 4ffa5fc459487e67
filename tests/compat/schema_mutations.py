"""Breaking mutations and meaning-preserving rewrites of topic schemas (for the GitHub corpus).

A breaking mutation changes one schema node that payloads can reach (found by
walking from the root through ``$ref`` s, properties, items and ``anyOf``/``oneOf``
branches, but not through ``allOf``, whose siblings may already say the same, nor
through nodes that mix a combinator with object keywords of their own),
in one of these ways, drawn reproducibly per topic like the payload mutations
of ``tests/corpus/mutations.py`` (whose ``nodes`` walk the renaming reuses):

- backward-breaking: ``required-added`` (an optional property becomes required),
  ``enum-value-removed``, ``null-removed`` (from a type list or a ``oneOf``);
- forward-breaking: ``closed-property-added`` (a typed property added to an
  object with ``additionalProperties: false``), ``enum-value-added``.

Rewrites that keep the meaning: every mapping's keys (so ``definitions``) in
reverse order, with ``enum``, ``required`` and ``oneOf`` lists reversed;
definitions renamed; ``$ref`` s outside ``definitions`` replaced by a copy of
their target.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from corpus.mutations import nodes

BACKWARD, FORWARD = "backward", "forward"
_BRANCHES = ("anyOf", "oneOf")


@dataclass(frozen=True)
class SchemaMutation:
    kind: str
    breaks: str
    where: str
    schema: dict[str, Any]


def reachable(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Schema nodes a payload can reach, each once, in a stable order."""
    seen: dict[int, dict[str, Any]] = {}
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        while isinstance(node, dict) and "$ref" in node:
            node = _lookup(schema, node["$ref"])
        if not isinstance(node, dict) or id(node) in seen:
            continue
        if _mixed(node):
            continue  # what its parts accept depends on the others (GitHub's even accept nothing)
        seen[id(node)] = node
        stack.extend(node.get("properties", {}).values())
        for keyword in ("items", "additionalProperties", *_BRANCHES):
            value = node.get(keyword)
            stack.extend(value if isinstance(value, list) else [value])
    return list(seen.values())


def _mixed(node: dict[str, Any]) -> bool:
    """A node with both a combinator and object keywords of its own."""
    own = ("properties", "additionalProperties", "required", "patternProperties")
    return any(k in node for k in (*_BRANCHES, "allOf")) and any(k in node for k in own)


def _lookup(root: dict[str, Any], reference: str) -> Any:
    target: Any = root
    for step in reference.lstrip("#").split("/")[1:]:
        target = target[step]
    return target


def _required_added(node: dict[str, Any]) -> Iterator[Callable[[], str]]:
    optional = [name for name in node.get("properties", {}) if name not in node.get("required", [])]
    for name in optional:
        yield lambda name=name: (node.setdefault("required", []).append(name), f"{name} made required")[1]


def _enum_removed(node: dict[str, Any]) -> Iterator[Callable[[], str]]:
    if len(node.get("enum", [])) >= 2:
        yield lambda: f"enum value {node['enum'].pop()!r} removed"


def _null_removed(node: dict[str, Any]) -> Iterator[Callable[[], str]]:
    if isinstance(node.get("type"), list) and "null" in node["type"] and len(node["type"]) > 1:
        yield lambda: (node["type"].remove("null"), "null removed from type")[1]
    branches = node.get("oneOf", [])
    nulls = [b for b in branches if b == {"type": "null"}]
    if nulls and len(branches) > 1:
        yield lambda: (branches.remove(nulls[0]), "null branch removed from oneOf")[1]


def _closed_property_added(node: dict[str, Any]) -> Iterator[Callable[[], str]]:
    if node.get("additionalProperties") is False and "patternProperties" not in node:
        yield lambda: (
            node.setdefault("properties", {}).update(zz_added={"type": "string"}),
            "zz_added added",
        )[1]


def _enum_added(node: dict[str, Any]) -> Iterator[Callable[[], str]]:
    if "enum" in node and all(isinstance(value, str) for value in node["enum"]):
        yield lambda: (node["enum"].append("zz-new-value"), "enum value 'zz-new-value' added")[1]


KINDS: dict[str, tuple[str, Callable[[dict[str, Any]], Iterator[Callable[[], str]]]]] = {
    "required-added": (BACKWARD, _required_added),
    "enum-value-removed": (BACKWARD, _enum_removed),
    "null-removed": (BACKWARD, _null_removed),
    "closed-property-added": (FORWARD, _closed_property_added),
    "enum-value-added": (FORWARD, _enum_added),
}


def mutate(name: str, schema: dict[str, Any], seed: int = 0) -> SchemaMutation:
    """One breaking mutation of a copy of ``schema``, drawn with a seed of ``seed`` and ``name``."""
    rng = random.Random(f"{seed}:{name}")
    kinds = list(KINDS)
    rng.shuffle(kinds)
    for kind in kinds:
        mutated = copy.deepcopy(schema)
        breaks, edits = KINDS[kind]
        candidates = [edit for node in reachable(mutated) for edit in edits(node)]
        if candidates:
            where = rng.choice(candidates)()
            return SchemaMutation(kind, breaks, where, mutated)
    raise ValueError(f"{name}: no place for a breaking mutation")


# --- rewrites that keep the meaning -------------------------------------------------------


def reordered(value: Any) -> Any:
    """Every mapping's keys reversed; ``enum``, ``required``, ``oneOf`` and ``anyOf`` lists reversed."""
    if isinstance(value, dict):
        result = {}
        for key in reversed(list(value)):
            item = reordered(value[key])
            if key in ("enum", "required", "oneOf", "anyOf") and isinstance(item, list):
                item = item[::-1]
            result[key] = item
        return result
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


def renamed(schema: dict[str, Any]) -> dict[str, Any]:
    """Every definition renamed (``X`` -> ``RenamedX``), references following."""
    result = copy.deepcopy(schema)
    names = {name: f"Renamed{name}" for name in result.get("definitions", {})}
    for _, value in nodes(result):
        reference = value.get("$ref") if isinstance(value, dict) else None
        if isinstance(reference, str) and reference.startswith("#/definitions/"):
            value["$ref"] = "#/definitions/" + names[reference.split("/", 2)[2]]
    if "definitions" in result:
        result["definitions"] = {names[name]: item for name, item in result["definitions"].items()}
    return result


def inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """Each ``$ref`` outside ``definitions`` replaced by a copy of what it points to."""

    def inline(value: Any) -> Any:
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                return copy.deepcopy(_lookup(schema, value["$ref"]))
            return {key: inline(item) for key, item in value.items()}
        if isinstance(value, list):
            return [inline(item) for item in value]
        return value

    return {key: item if key == "definitions" else inline(item) for key, item in schema.items()}


REWRITES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "reordered": reordered,
    "renamed": renamed,
    "inlined": inlined,
}
