"""Valid instances synthesized from a schema, for topics that have no example payload.

61 of the corpus's 224 topics have no example in ``payloads/``.  To check that
their types are never narrower than their schemas, each topic gets a few
instances built from its schema: only required keys or every key, first or
later ``oneOf`` branches, first or last ``enum`` value, ``null`` wherever it
is allowed.  ``allOf`` members are merged naively, so an instance may come out
invalid: every instance is validated against the real schema and dropped if
it fails, so what is kept is valid by construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

_MAX_DEPTH = 16
_FORMAT_EXAMPLES = {
    "date-time": "2024-01-02T03:04:05Z",
    "date": "2024-01-02",
    "uri": "https://example.com/a",
    "uri-template": "https://example.com/{a}",
    "email": "a@example.com",
}


@dataclass(frozen=True)
class Variant:
    """The choices one synthesized instance makes wherever the schema offers some."""

    every_property: bool
    branch: int
    """Index (modulo their count) of the ``oneOf``/``anyOf`` branch and of the non-null type."""
    last_enum_value: bool
    prefer_null: bool


VARIANTS = {
    "minimal": Variant(every_property=False, branch=0, last_enum_value=False, prefer_null=False),
    "full": Variant(every_property=True, branch=0, last_enum_value=True, prefer_null=False),
    "other_branches": Variant(every_property=True, branch=1, last_enum_value=False, prefer_null=False),
    "nulls": Variant(every_property=False, branch=2, last_enum_value=True, prefer_null=True),
}


def valid_instances(schema: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(variant name, instance)`` for each variant whose instance is valid and new."""
    validator = jsonschema_rs.Draft7Validator(dict(schema), validate_formats=False)
    seen: list[Any] = []
    for name, variant in VARIANTS.items():
        try:
            instance = _Builder(schema, variant).build(schema, 0)
        except _Unbuildable:
            continue
        if instance not in seen and validator.is_valid(instance):
            seen.append(instance)
            yield name, instance


class _Unbuildable(Exception):
    pass


def _types(declared: str | list[str]) -> list[str]:
    return [declared] if isinstance(declared, str) else declared


class _Builder:
    def __init__(self, root: Mapping[str, Any], variant: Variant) -> None:
        self.root = root
        self.variant = variant

    def resolve(self, schema: Any) -> Any:
        for _ in range(_MAX_DEPTH):
            if not (isinstance(schema, Mapping) and "$ref" in schema):
                return schema
            schema = self.root.get("definitions", {})[schema["$ref"].rsplit("/", 1)[-1]]
        raise _Unbuildable("$ref chain too long")

    def merge(self, members: list[Any]) -> dict[str, Any]:
        """A naive allOf: properties and required united, enums and types intersected, else first wins."""
        merged: dict[str, Any] = {}
        for member in members:
            member = self.resolve(member)
            if "allOf" in member:
                member = {**self.merge(member["allOf"]), **{k: v for k, v in member.items() if k != "allOf"}}
            for key, value in member.items():
                if key == "properties":
                    properties = dict(merged.get("properties", {}))
                    for name, schema in value.items():
                        properties[name] = (
                            {"allOf": [properties[name], schema]} if name in properties else schema
                        )
                    merged["properties"] = properties
                elif key == "required":
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
                elif key == "enum" and "enum" in merged:
                    merged["enum"] = [item for item in merged["enum"] if item in value]
                elif key == "type" and "type" in merged:
                    merged["type"] = [kind for kind in _types(merged["type"]) if kind in _types(value)]
                else:
                    merged.setdefault(key, value)
        return merged

    def build(self, schema: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _Unbuildable("too deep")
        schema = self.resolve(schema)
        if "allOf" in schema:
            schema = self.merge([{k: v for k, v in schema.items() if k != "allOf"}, *schema["allOf"]])
        for keyword in ("oneOf", "anyOf"):
            if keyword in schema:
                rest = {k: v for k, v in schema.items() if k != keyword}
                branch = self.choose_branch(schema[keyword])
                return self.build(self.merge([rest, branch]) if rest else branch, depth + 1)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            values = schema["enum"]
            if self.variant.prefer_null and None in values:
                return None
            return values[-1] if self.variant.last_enum_value else values[0]
        return self.build_typed(schema, self.choose_type(schema), depth)

    def choose_branch(self, branches: list[Any]) -> Any:
        if self.variant.prefer_null:
            for branch in branches:
                if self.resolve(branch).get("type") == "null":
                    return branch
        return branches[self.variant.branch % len(branches)]

    def choose_type(self, schema: Mapping[str, Any]) -> str:
        declared = schema.get("type")
        if declared is None:
            return "object" if "properties" in schema else "string"
        if isinstance(declared, str):
            return declared
        if self.variant.prefer_null and "null" in declared:
            return "null"
        concrete = [kind for kind in declared if kind != "null"] or ["null"]
        return str(concrete[self.variant.branch % len(concrete)])

    def build_typed(self, schema: Mapping[str, Any], kind: str, depth: int) -> Any:
        if kind == "object":
            properties = schema.get("properties", {})
            required = schema.get("required", [])
            names = [n for n in properties if self.variant.every_property or n in required]
            return {name: self.build(properties[name], depth + 1) for name in names}
        if kind == "array":
            items = schema.get("items", {})
            if isinstance(items, list):
                return [self.build(item, depth + 1) for item in items]
            return [self.build(items, depth + 1)] if items and schema.get("maxItems") != 0 else []
        scalars = {
            "null": None,
            "boolean": True,
            "integer": 7,
            "number": 2.5,
            "string": _FORMAT_EXAMPLES.get(schema.get("format", ""), "text"),
        }
        if kind not in scalars:
            raise _Unbuildable(f"type {kind!r}")
        return scalars[kind]
