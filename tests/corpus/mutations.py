"""Deterministic payload mutations that any sound, exact typing of a schema must reject.

A mutation changes a valid payload in exactly one place:

- ``required-key-removed``: a key is deleted from an object;
- ``enum-value-replaced``: a string, integer or boolean is replaced by another
  of the same JSON type;
- ``wrong-nested-type``: a value below the top level is replaced by one of a
  different JSON type.

Which place, and which replacement, is drawn with a ``random.Random`` seeded by
the seed, the payload's name and the mutation kind, so a run is reproducible.
A candidate is kept only if the payload becomes invalid against the schema's
*type-level* form (``type_level_schema``): the schema with ``oneOf`` read as
``anyOf`` (a Union cannot say "exactly one") and without the constraints a
Python type cannot hold (``format``, ``pattern``, lengths, bounds, ...).  So a
kept mutation is one that the generated TypedDicts must reject if they type the
schema exactly; an accepted one is a false negative of the generator.

Replacement values never include ``bool`` (a ``bool`` is an ``int`` to Python
type checkers, so ``True`` for an integer cannot be caught by any sound typing)
nor floats (an ``int`` is a ``float`` to them, and ``1.0`` is an integer to JSON
Schema).
"""

from __future__ import annotations

import contextlib
import copy
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

REQUIRED_KEY_REMOVED = "required-key-removed"
ENUM_VALUE_REPLACED = "enum-value-replaced"
WRONG_NESTED_TYPE = "wrong-nested-type"
KINDS = (REQUIRED_KEY_REMOVED, ENUM_VALUE_REPLACED, WRONG_NESTED_TYPE)

# Constraints on values that Python types do not express (runtime validation enforces them).
VALUE_CONSTRAINTS = frozenset(
    {
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "contains",
        "propertyNames",
    }
)
# Keywords whose value is a schema, a list of schemas, or a mapping of name -> schema.
_SCHEMA_KEYWORDS = frozenset(
    {
        "additionalProperties",
        "additionalItems",
        "items",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
    }
)
_SCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "items"})
_SCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependencies"})

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Mutation:
    """One mutated copy of a payload."""

    kind: str
    path: Path
    """Where the change is: the removed key's path, or the replaced value's."""
    before: Any
    after: Any
    """The replacement; ``None`` for a removed key (see ``kind``)."""
    payload: Any

    def describe(self) -> str:
        where = "/".join(map(str, self.path))
        if self.kind == REQUIRED_KEY_REMOVED:
            return f"{self.kind}: removed {where}"
        return f"{self.kind}: {where}: {self.before!r} -> {self.after!r}"


def type_level_schema(schema: Any) -> Any:
    """``schema`` as Python types can hold it: ``oneOf`` -> ``anyOf``, value constraints dropped.

    Only keywords in schema positions are rewritten; property names, ``enum``,
    ``const``, ``default`` and ``examples`` are left exactly as they are.
    """
    if not isinstance(schema, Mapping):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in VALUE_CONSTRAINTS:
            continue
        if key == "oneOf":
            key = "anyOf"
        if key in _SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            value = [type_level_schema(item) for item in value]
        elif key in _SCHEMA_MAP_KEYWORDS and isinstance(value, Mapping):
            value = {name: type_level_schema(item) for name, item in value.items()}
        elif key in _SCHEMA_KEYWORDS:
            value = type_level_schema(value)
        if key == "anyOf" and "anyOf" in result:  # both oneOf and anyOf: the types hold both
            result.setdefault("allOf", []).append({"anyOf": value})
            continue
        result[key] = value
    return result


class Mutator:
    """Draws mutations of payloads of one schema; ``mutate`` gives one per kind it can make."""

    def __init__(self, schema: Mapping[str, Any], seed: int | str = 0) -> None:
        self._validator = jsonschema_rs.Draft7Validator(type_level_schema(schema), validate_formats=False)
        self._seed = seed

    def rejects(self, payload: Any) -> bool:
        """Whether the type-level schema rejects ``payload``."""
        return not self._validator.is_valid(payload)

    def mutate(self, name: str, payload: Any, kinds: tuple[str, ...] = KINDS) -> dict[str, Mutation]:
        """One mutation of ``payload`` per kind, where the payload has a place for one.

        ``name`` (e.g. the payload's file name) is part of the seed, so each
        payload gets its own draw.  Raises ``ValueError`` if the payload itself
        is not valid against the type-level schema.  ``payload`` is not changed.
        """
        if self.rejects(payload):
            raise ValueError(f"{name}: the payload is not valid against its schema")
        work = copy.deepcopy(payload)  # changed in place and restored after each try
        found = {}
        for kind in kinds:
            rng = random.Random(f"{self._seed}:{name}:{kind}")
            for edit in _DRAWERS[kind](rng, work):
                with edit.applied(work):
                    if self.rejects(work):
                        found[kind] = Mutation(kind, edit.path, edit.before, edit.after, copy.deepcopy(work))
                        break
        return found


# --- drawing candidates -----------------------------------------------------------------


def nodes(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every value in a JSON document with its path, in document order (the root first)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nodes(item, (*path, index))


@dataclass(frozen=True)
class _Edit:
    """One change at ``path``: delete the key (``remove``) or set the value to ``after``."""

    path: Path
    before: Any
    after: Any = None
    remove: bool = False

    @contextlib.contextmanager
    def applied(self, document: Any) -> Iterator[None]:
        parent = _at(document, self.path[:-1])
        if self.remove:
            # Rebuild the dict on restore so that key order, and so the payload, is unchanged.
            items = list(parent.items())
            del parent[self.path[-1]]
        else:
            parent[self.path[-1]] = copy.deepcopy(self.after)
        try:
            yield
        finally:
            if self.remove:
                parent.clear()
                parent.update(items)
            else:
                parent[self.path[-1]] = self.before


def _removals(rng: random.Random, payload: Any) -> Iterator[_Edit]:
    candidates = [
        ((*path, key), item)
        for path, value in nodes(payload)
        if isinstance(value, dict)
        for key, item in value.items()
    ]
    rng.shuffle(candidates)
    for path, before in candidates:
        yield _Edit(path, before, remove=True)


def _enum_replacements(rng: random.Random, payload: Any) -> Iterator[_Edit]:
    candidates = [(path, value) for path, value in nodes(payload) if path and isinstance(value, (str, int))]
    rng.shuffle(candidates)
    for path, value in candidates:
        yield _Edit(path, value, _same_type_other_value(value))


def _same_type_other_value(value: str | int) -> str | int | bool:
    # Values no enum of the corpus (or of a sane schema) holds, of the same JSON type.
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return 987_654_321 if value != 987_654_321 else 123_456_789
    return "not-an-allowed-value" if value != "not-an-allowed-value" else "still-not-allowed"


_REPLACEMENTS: tuple[Any, ...] = ("wrong-type", 424_242, ["wrong-type"], {"wrong": "type"}, None)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _type_replacements(rng: random.Random, payload: Any) -> Iterator[_Edit]:
    everything = [(path, value) for path, value in nodes(payload) if path]
    nested = [(path, value) for path, value in everything if len(path) >= 2]
    candidates = nested or everything
    rng.shuffle(candidates)
    for path, value in candidates:
        replacements = [r for r in _REPLACEMENTS if _json_type(r) != _json_type(value)]
        rng.shuffle(replacements)
        for replacement in replacements:
            yield _Edit(path, value, replacement)


_DRAWERS: dict[str, Callable[[random.Random, Any], Iterator[_Edit]]] = {
    REQUIRED_KEY_REMOVED: _removals,
    ENUM_VALUE_REPLACED: _enum_replacements,
    WRONG_NESTED_TYPE: _type_replacements,
}


def _at(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document
