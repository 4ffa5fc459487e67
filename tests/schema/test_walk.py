"""The walk: which values are subschemas (keys are keywords there) and which are data."""

from __future__ import annotations

from typing import Any

import pytest

from bc_events.schema.dialects import DRAFT4, DRAFT7, DRAFT2019, DRAFT2020, Dialect
from bc_events.schema.walk import walk


def _paths(schema: Any, dialect: Dialect | None = None) -> list[tuple[str, ...]]:
    return [site.path for site in walk(schema, dialect)]


def test_property_names_that_are_keywords_are_data() -> None:
    schema = {
        "properties": {"$schema": {"type": "string"}, "$id": {"$ref": "#/definitions/$ref"}},
        "definitions": {"$ref": {"type": "integer"}, "$anchor": True},
        "enum": [{"$schema": "x", "properties": {"a": {}}}],
        "default": {"properties": {"b": {}}},
    }
    assert _paths(schema) == [
        (),
        ("properties", "$schema"),
        ("properties", "$id"),
        ("definitions", "$ref"),
        ("definitions", "$anchor"),
    ]


@pytest.mark.parametrize(
    ("dialect", "schema", "paths"),
    [
        (
            DRAFT7,
            {"items": [{}, {}], "additionalItems": {}},
            [("items", "0"), ("items", "1"), ("additionalItems",)],
        ),
        (DRAFT2020, {"prefixItems": [{}], "items": {}}, [("prefixItems", "0"), ("items",)]),
        (DRAFT2020, {"items": [{}]}, []),  # not a schema in 2020-12: data
        (DRAFT4, {"contains": {}, "if": {}}, []),  # draft 4 has neither keyword: their values are data
        (DRAFT7, {"if": {}, "then": {}, "else": {}}, [("if",), ("then",), ("else",)]),
        (DRAFT7, {"dependencies": {"a": ["b"], "c": {}}}, [("dependencies", "c")]),
        (
            DRAFT2019,
            {"dependentSchemas": {"a": {}}, "$defs": {"b": {}}},
            [("dependentSchemas", "a"), ("$defs", "b")],
        ),
        (DRAFT7, {"$defs": {"b": {}}, "x-extension": {"properties": {}}}, [("$defs", "b")]),
        (
            DRAFT2019,
            {"unevaluatedProperties": False, "contentSchema": {}},
            [("unevaluatedProperties",), ("contentSchema",)],
        ),
    ],
)
def test_subschema_keywords_per_draft(dialect: Dialect, schema: Any, paths: list[tuple[str, ...]]) -> None:
    assert _paths(schema, dialect)[1:] == paths


def test_an_embedded_resource_may_declare_its_own_draft() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "old": {"$schema": "http://json-schema.org/draft-04/schema#", "id": "old.json", "items": [{}]},
            "no_id": {"$schema": "http://json-schema.org/draft-04/schema#"},
        },
    }
    dialects = {site.path: site.dialect for site in walk(schema)}
    assert dialects[()] is DRAFT2020
    assert dialects[("$defs", "old")] is DRAFT4
    assert dialects[("$defs", "old", "items", "0")] is DRAFT4
    assert dialects[("$defs", "no_id")] is DRAFT2020  # $schema below a resource's root changes nothing


def test_depth_is_not_limited_by_the_interpreter_stack() -> None:
    schema: dict[str, Any] = {}
    node = schema
    for _ in range(5000):
        node["not"] = {}
        node = node["not"]
    assert len(_paths(schema)) == 5001
