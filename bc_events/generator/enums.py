"""``const`` and ``enum``: which values become a ``Literal`` and which a wider type.

Only the values ``type`` allows count (any other value is invalid anyway).
Strings, booleans and integers both checkers accept (``1.0`` included) are
literals; null is ``None``; other numbers and containers cannot be literals
and are typed by their kind, with a warning.  No value left is ``Unsatisfiable``.
"""

from __future__ import annotations

from typing import Any

from bc_events.generator import keywords
from bc_events.generator.conversion import Conversion, Unsatisfiable
from bc_events.generator.model import LiteralValue, TypeNode
from bc_events.generator.scope import TopicScope


def enum_type(
    conv: Conversion, values: list[Any], types: list[str] | None, scope: TopicScope, pointer: str
) -> TypeNode:
    """``Literal[...]`` of the values ``type`` allows; null -> ``| None``; floats -> ``float``."""
    literals: list[LiteralValue] = []
    members: list[TypeNode] = []
    wide: dict[str, str] = {}
    for value in values:
        kind = keywords.json_type(value)
        if types is not None and kind not in types and not (kind == "integer" and "number" in types):
            continue  # not valid against `type` either, so not a value of this schema
        if value is None:
            members.append(conv.table.prim("none"))
        elif (
            isinstance(value, (float, int))
            and not isinstance(value, bool)
            and not keywords.literal_int(value)
        ):
            wide.setdefault(kind, repr(value))
            members.append(_wide(conv, kind))
        elif isinstance(value, (str, bool, int)):
            literals.append(value)
        elif isinstance(value, float) and value.is_integer():
            literals.append(int(value))
        else:
            wide.setdefault(kind, repr(value))
            members.append(_wide(conv, kind))
    if wide:
        typed = ", ".join(f"{example} as {keywords.WIDE_NAMES[kind]}" for kind, example in wide.items())
        conv.warn(scope, pointer, f"enum/const values typed wider than their values: {typed}", values)
    if literals:
        members.insert(0, conv.table.literal(literals))
    if not members:
        raise conv.error(scope, pointer, "no enum value matches the schema's type", Unsatisfiable)
    return conv.table.union(members)


def _wide(conv: Conversion, kind: str) -> TypeNode:
    """The type of a value a ``Literal`` cannot hold."""
    if kind in ("integer", "number"):
        return conv.table.prim("int" if kind == "integer" else "float")
    any_ = conv.table.prim("any")
    return conv.table.list_of(any_) if kind == "array" else conv.table.dict_of(any_)
