"""Objects and arrays: which become a TypedDict, which a mapping, and what a list holds.

``properties``/``required`` make a TypedDict (closed by ``additionalProperties:
false``).  Extra keys with a schema of their own (``additionalProperties`` as a
schema, ``patternProperties``), or a key named ``""``, make a mapping of the
union of the value types instead: a TypedDict would reject valid payloads.
JSON has no tuples, so positional items make a list of their union.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.generator import keywords
from bc_events.generator.conversion import Conversion
from bc_events.generator.model import Field, Hints, TypeNode
from bc_events.generator.naming import pascal_case
from bc_events.generator.scope import TopicScope, escape_pointer


def object_type(
    conv: Conversion, schema: Mapping[str, Any], scope: TopicScope, hints: Hints, pointer: str
) -> TypeNode:
    """TypedDict for properties/required; ``dict[str, T]`` for additional/pattern properties only."""
    properties = schema.get("properties") or {}
    required = schema.get("required") or []
    if not isinstance(properties, Mapping) or not isinstance(required, list):
        raise conv.error(scope, pointer, "properties must be a mapping and required a list")
    additional = schema.get("additionalProperties", True)
    patterns = schema.get("patternProperties") or {}
    if not properties and not required and (additional is not False or patterns):
        values = conv.table.union(_extra_values(conv, schema, scope, hints, pointer))
        return conv.table.dict_of(values, open_keys=bool(patterns))
    # Extra keys with a schema of their own are the point of the object (a map with a few
    # known keys): a TypedDict would reject every payload using them.  An explicit
    # `additionalProperties: true` only tolerates extras: the TypedDict stays (closed).
    extras_typed = bool(patterns) or (isinstance(additional, Mapping) and bool(additional))
    if not extras_typed and additional is True and "additionalProperties" in schema:
        conv.warn(
            scope,
            pointer,
            "extra keys the schema allows next to `properties` are not typed; "
            "type checkers reject them in dict literals",
            schema,
        )
    fields = _fields(conv, properties, required, scope, hints, pointer)
    if extras_typed or any(item.key == "" for item in fields):
        return _mapping_with_fields(conv, schema, fields, extras_typed, scope, hints, pointer)
    description = schema.get("description", "")
    return conv.table.object(
        fields, description if isinstance(description, str) else "", additional is False, hints
    )


def _fields(
    conv: Conversion,
    properties: Mapping[Any, Any],
    required: list[Any],
    scope: TopicScope,
    hints: Hints,
    pointer: str,
) -> list[Field]:
    """The declared properties, then required keys without a schema (typed Any)."""
    fields = []
    for key, value in properties.items():
        child_hints = hints.child(pascal_case(str(key)))
        node = conv.convert(value, scope, child_hints, f"{pointer}/properties/{escape_pointer(str(key))}")
        fields.append(Field(str(key), node, key in required, keywords.field_doc(value)))
    for key in required:
        if key not in properties:
            fields.append(Field(str(key), conv.table.prim("any"), True))
    return fields


def _mapping_with_fields(
    conv: Conversion,
    schema: Mapping[str, Any],
    fields: list[Field],
    extras_typed: bool,
    scope: TopicScope,
    hints: Hints,
    pointer: str,
) -> TypeNode:
    """Properties a TypedDict cannot hold: a mapping of the union of every value type (wider)."""
    if extras_typed:
        conv.warn(
            scope,
            pointer,
            "properties next to an additionalProperties schema or patternProperties: typed as a "
            "mapping of the union of every value type (wider: required keys and which key "
            "holds which type are checked at run time)",
            schema,
        )
        extras = _extra_values(conv, schema, scope, hints, pointer)
    else:
        conv.warn(
            scope,
            pointer,
            'a key named "" cannot be declared in a TypedDict: the object is typed as a mapping '
            "of its values' types (wider: keys are not checked)",
            schema,
        )
        closed = schema.get("additionalProperties", True) is False
        extras = [] if closed else [conv.table.prim("any")]
    return conv.table.dict_of(conv.table.union([*(item.type for item in fields), *extras]), open_keys=True)


def _extra_values(
    conv: Conversion, schema: Mapping[str, Any], scope: TopicScope, hints: Hints, pointer: str
) -> list[TypeNode]:
    """The types of values under keys ``properties`` does not declare: pattern, then additional."""
    value_hints = hints.child("Value")
    patterns = schema.get("patternProperties") or {}
    additional = schema.get("additionalProperties", True)
    values = [
        conv.convert(value, scope, value_hints, f"{pointer}/patternProperties") for value in patterns.values()
    ]
    if additional is not False:
        values.append(conv.convert(additional, scope, value_hints, f"{pointer}/additionalProperties"))
    return values


def array_type(
    conv: Conversion, schema: Mapping[str, Any], scope: TopicScope, hints: Hints, pointer: str
) -> TypeNode:
    """``list[T]`` (rendered ``Sequence[T]``); positional items -> a list of their union.

    JSON has no tuples: publishers write lists, which ``tuple[A, B]`` rejects.  A
    length is a value constraint (like ``minItems``) left to the runtime; items
    of different types per position are a shape the list cannot say: a warning.
    """
    item_hints = hints.child("Item")
    prefix = schema.get("prefixItems")
    rest = schema.get("items", True)
    if prefix is None and isinstance(rest, list):
        prefix, rest = rest, schema.get("additionalItems", True)
    if prefix is None:
        return conv.table.list_of(conv.convert(rest, scope, item_hints, f"{pointer}/items"))
    items = [
        conv.convert(item, scope, item_hints, f"{pointer}/items/{index}") for index, item in enumerate(prefix)
    ]
    if rest is not False:
        items.append(conv.convert(rest, scope, item_hints, f"{pointer}/additionalItems"))
    if len({id(item) for item in items}) > 1:
        conv.warn(
            scope,
            pointer,
            "positional items typed as a list of their union (wider: the type of each "
            "position is checked at run time)",
            schema,
        )
    return conv.table.list_of(conv.table.union(items))
