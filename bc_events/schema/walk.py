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
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Site:
    """A subschema (a mapping or a boolean) at ``path``, read in ``dialect``."""

    path: Path
    node: Any
    dialect: Dialect


def subschemas(node: Mapping[str, Any], dialect: Dialect) -> Iterator[tuple[Path, Any]]:
    """The subschemas directly inside schema ``node``, each with its path relative to ``node``."""
    for keyword, value in node.items():
        if not isinstance(keyword, str):
            continue
        known = dialect.has(keyword) or keyword in _ALWAYS_MAPS
        if keyword == "contentSchema":
            known = dialect.order >= 2019
        if not known:
            continue
        if isinstance(value, list) and keyword in _LISTS:
            if keyword != "items" or dialect.order < 2020:
                yield from (((keyword, str(index)), item) for index, item in enumerate(value))
        elif keyword in _MAPS or keyword in _ALWAYS_MAPS:
            if isinstance(value, Mapping):
                yield from (
                    ((keyword, str(name)), item)
                    for name, item in value.items()
                    if not (keyword == "dependencies" and isinstance(item, list))
                )
        elif keyword in _ONE or keyword == "contentSchema":
            yield (keyword,), value


def walk(root: Any, dialect: Dialect | None = None) -> Iterator[Site]:
    """Every subschema of ``root`` (itself first), depth first in document order.

    ``dialect`` is the draft of the root (default: the one its ``$schema``
    names, else draft 7); an unknown ``$schema`` is not this walk's to judge
    (``valid.check_dialects`` is), so it keeps the enclosing draft.
    """
    start = dialect or _declared(root, DEFAULT)
    stack: list[Site] = [Site((), root, start)]
    while stack:
        site = stack.pop()
        yield site
        if not isinstance(site.node, Mapping):
            continue
        children = [
            Site(
                site.path + steps,
                child,
                _declared(child, site.dialect) if _is_resource(child) else site.dialect,
            )
            for steps, child in subschemas(site.node, site.dialect)
            if isinstance(child, (Mapping, bool))
        ]
        stack.extend(reversed(children))


def _declared(node: Any, default: Dialect) -> Dialect:
    found = dialect_named(node.get("$schema")) if isinstance(node, Mapping) else None
    return found or default


def _is_resource(node: Any) -> bool:
    """Whether ``node`` starts an embedded resource that may declare its own draft."""
    if not isinstance(node, Mapping) or "$schema" not in node:
        return False
    declared = node.get("$id", node.get("id"))
    return isinstance(declared, str) and not declared.startswith("#")
