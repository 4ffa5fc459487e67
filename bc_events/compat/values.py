"""JSON values as the comparison sees them: their type ("atom") and an equality key.

JSON Schema equality is not Python's: ``1 == 1.0`` holds (and ``1.0`` is an
``integer``), but ``true`` is not ``1``.  ``vkey`` gives equal keys exactly to
values JSON Schema calls equal.
"""

from __future__ import annotations

from typing import Any

VKey = tuple[Any, ...]

ATOMS_OF_TYPE: dict[str, tuple[str, ...]] = {
    "null": ("null",),
    "boolean": ("boolean",),
    "integer": ("integer",),
    "number": ("integer", "fraction"),
    "string": ("string",),
    "array": ("array",),
    "object": ("object",),
    "any": ("null", "boolean", "integer", "fraction", "string", "array", "object"),
}
"""The atoms a ``type`` name covers: numbers split into whole ones and the rest."""

ATOM_NAMES = {"fraction": "number (non-integer)"}


def atom_of(value: Any) -> str:
    """The atom of a JSON value: ``null``, ``boolean``, ``integer``, ``fraction``, ``string``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "fraction"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def vkey(value: Any) -> VKey:
    """A hashable key, equal for values JSON Schema's ``enum``/``const`` treat as equal."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if value is None:
        return ("z",)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("a", tuple(vkey(item) for item in value))
    return ("o", frozenset((key, vkey(item)) for key, item in value.items()))
