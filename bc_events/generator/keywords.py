"""Facts about JSON Schema keywords the converter relies on: pure functions and constants.

Kept apart from the conversion itself (``schema.py`` and the construct modules it
dispatches to) so each reads on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bc_events.generator.model import TypeNode

SCALAR_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "none"}
UNTYPABLE: tuple[str, ...] = (
    "not",
    "dependencies",
    "dependentSchemas",
    "dependentRequired",
    "contains",
)
UNTYPABLE += ("unevaluatedProperties", "unevaluatedItems", "propertyNames")
COMBINATORS = ("allOf", "anyOf", "oneOf")
WIDE_NAMES = {"integer": "int", "number": "float", "array": "list", "object": "dict"}
PAYLOAD_POSITION = re.compile(r"(?:/(?:allOf|anyOf|oneOf)/\d+|/(?:then|else))*")
"""Pointers whose schema applies to the payload itself (the root, its combinators' branches)."""
COMBINED = re.compile(r"/(?:allOf|anyOf|oneOf)/\d+$|/(?:then|else|if|not)$")
NOT_ASSERTIONS = frozenset(
    {"$ref", "$schema", "$id", "$anchor", "$comment", "$defs", "definitions", "title", "description"}
    | {"default", "examples", "deprecated", "readOnly", "writeOnly"}
)
"""Keywords beside ``$ref`` that never change which values are valid."""
INT64 = 2**63
"""mypy rejects integer Literals outside the 64-bit range ("arbitrary expressions")."""


def json_type(value: Any) -> str:
    """The JSON type of a YAML value (an integral float is an integer, as JSON Schema counts it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def is_enumeration(node: TypeNode) -> bool:
    """Is ``node`` a ``Literal`` (perhaps ``| None``): an enum or const worth a name of its own?"""
    members = node.args if node.kind == "union" else (node,)
    return any(member.kind == "literal" for member in members) and all(
        member.kind in ("literal", "none") for member in members
    )


def field_doc(schema: Any) -> str:
    """A property's docstring: its title and description, default, examples, and whether it is deprecated."""
    if not isinstance(schema, Mapping):
        return ""
    parts = [schema[key] for key in ("title", "description") if isinstance(schema.get(key), str)]
    if "default" in schema:
        parts.append(f"Default: {json.dumps(schema['default'], ensure_ascii=False, default=str)}.")
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        shown = ", ".join(
            json.dumps(item, ensure_ascii=False, default=str) for item in schema["examples"][:3]
        )
        parts.append(f"Examples: {shown}.")
    if schema.get("deprecated") is True:
        parts.append("Deprecated.")
    return "\n\n".join(part.strip() for part in parts if part.strip())


def literal_int(value: float) -> bool:
    """Can ``value`` be an integer ``Literal`` both checkers accept?"""
    if isinstance(value, float) and not value.is_integer():
        return False
    return -INT64 <= value < INT64


def plain_object(schema: Any) -> bool:
    """Does ``schema`` always convert to one object type (so a recursive ``$ref`` may point at it)?"""
    if not isinstance(schema, Mapping) or "$ref" in schema:
        return False
    if any(key in schema for key in ("anyOf", "oneOf", "allOf", "enum", "const")):
        return False
    declared = schema.get("type", "object" if "properties" in schema else None)
    return declared in ("object", ["object"]) and (
        bool(schema.get("properties")) or bool(schema.get("required"))
    )
