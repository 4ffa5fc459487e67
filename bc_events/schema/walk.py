"""The one walk over a schema that knows which values are subschemas and which are data.

``properties: {$schema: {type: string}}`` declares a property named
``$schema``: the key is data, its value a schema.  ``enum``, ``const``,
``examples``, ``default`` and every keyword the draft does not define hold
data all the way down.  Only the keys of a schema node are keywords, so a
``$schema``, ``$id``, ``$ref`` or ``$anchor`` means something only there.

The walk keeps its own stack (no recursion), so no depth of nesting exhausts
the interpreter's, and switches dialect at an embedded resource that declares
its own ``$schema`` (a nested node with an id of its own).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from bc_events.schema.dialects import DEFAULT, Dialect, dialect_named
from bc_events.schema.pointer import Path

_ONE = frozenset(
    {
        "additionalItems", "additionalProperties", "not", "contains", "propertyNames", "if", "then",
        "else", "unevaluatedItems", "unevaluatedProperties", "items",
    }
)  # fmt: skip
"""Keywords whose value is one subschema (``items`` also, before 2020-12, a list of them)."""
_LISTS = frozenset({"allOf", "anyOf", "oneOf", "items", "prefixItems"})
_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "dependencies"})
"""Keywords whose value maps names (data) to subschemas (``dependencies``: those that are not lists)."""
_ALWAYS_MAPS = frozenset({"definitions", "$defs"})
"""Where definitions are kept: walked in every draft, since real schemas use either name in any draft."""


class Site(NamedTuple):
    """A subschema (a mapping or a boolean) at ``path``, read in ``dialect``."""

    path: Path
    node: Any
    dialect: Dialect


def subschemas(node: Mapping[str, Any], dialect: Dialect) -> Iterator[tuple[Path, Any]]:
    """The subschemas directly inside schema ``node``, each with its path relative to ``node``."""
    kinds = _kinds(dialect)
    for keyword, value in node.items():
        kind = kinds.get(keyword) if isinstance(keyword, str) else None
        if kind is None:
            continue
        if isinstance(value, list):
            if kind == "list":
                yield from (((keyword, str(index)), item) for index, item in enumerate(value))
        elif kind == "map":
            if isinstance(value, Mapping):
                yield from (
                    ((keyword, str(name)), item)
                    for name, item in value.items()
                    if not (keyword == "dependencies" and isinstance(item, list))
                )
        elif kind != "list" or keyword == "items":
            yield (keyword,), value


_KINDS: dict[int, dict[str, str]] = {}


def _kinds(dialect: Dialect) -> dict[str, str]:
    """Each keyword of ``dialect`` that holds subschemas: ``one``, ``list`` (of them) or ``map`` (to them)."""
    kinds = _KINDS.get(dialect.order)
    if kinds is None:
        kinds = dict.fromkeys(_ALWAYS_MAPS, "map")
        for keyword in dialect.keywords | {"contentSchema"}:
            if keyword in _MAPS:
                kinds[keyword] = "map"
            elif keyword == "items":
                kinds[keyword] = "list" if dialect.order < 2020 else "one"  # a list of schemas, or one
            elif keyword in _LISTS:
                kinds[keyword] = "list"
            elif keyword in _ONE or (keyword == "contentSchema" and dialect.order >= 2019):
                kinds[keyword] = "one"
        _KINDS[dialect.order] = kinds
    return kinds


def walk(root: Any, dialect: Dialect | None = None) -> Iterator[Site]:
    """Every subschema of ``root`` (itself first), depth first in document order.

    ``dialect`` is the draft of the root (default: the one its ``$schema``
    names, else draft 7); an unknown ``$schema`` is not this walk's to judge
    (``valid.check_dialects`` is), so it keeps the enclosing draft.
    """
    start = dialect or (dialect_named(root.get("$schema")) if isinstance(root, Mapping) else None) or DEFAULT
    stack: list[Site] = [Site((), root, start)]
    while stack:
        site = stack.pop()
        yield site
        if not isinstance(site.node, Mapping):
            continue
        path, dialect = site.path, site.dialect
        children = [
            Site(path + steps, child, _declared(child, dialect) if "$schema" in child else dialect)
            if isinstance(child, Mapping)
            else Site(path + steps, child, dialect)
            for steps, child in subschemas(site.node, dialect)
            if isinstance(child, (Mapping, bool))
        ]
        stack.extend(reversed(children))


def _declared(node: Any, default: Dialect) -> Dialect:
    if not _is_resource(node):
        return default
    return dialect_named(node.get("$schema")) or default


def _is_resource(node: Any) -> bool:
    """Whether ``node`` starts an embedded resource that may declare its own draft."""
    if not isinstance(node, Mapping) or "$schema" not in node:
        return False
    declared = node.get("$id", node.get("id"))
    return isinstance(declared, str) and not declared.startswith("#")
