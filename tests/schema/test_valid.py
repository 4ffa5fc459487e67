"""What makes a valid topic schema: each rule, with the message and the place it names."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from bc_events.schema.dialects import DRAFT7
from bc_events.schema.valid import InvalidTopicSchema, as_validated, compile_topic_schema

REFUSED = [
    ({"type": "string"}, "Schema type must be object (data is a mapping), got 'string'", ("type",)),
    ({"type": ["array", "null"]}, "got ['array', 'null']", ("type",)),
    (
        {"properties": {"a": {"$schema": "http://example.com/s"}}},
        "unknown $schema 'http://example.com/s'",
        ("properties", "a", "$schema"),
    ),
    (
        {"properties": {"a": {"$ref": "#/definitions/none"}}},
        "Schema/properties/a: unknown $ref '#/definitions/none': it leads to no place in the topic's schema",
        ("properties", "a", "$ref"),
    ),
    (
        {"properties": {"a": {"$ref": "https://example.com/a.json"}}},
        "https://example.com/a.json is outside the topic schema and is not fetched",
        ("properties", "a", "$ref"),
    ),
    (
        {"properties": {"a": {"$ref": "other.json#/x"}}},
        "unknown $ref 'other.json#/x': other.json#/x is outside the topic schema",
        ("properties", "a", "$ref"),
    ),
    (
        {"default": datetime.date(2024, 1, 2)},
        "Schema/default: JSON cannot hold datetime.date(2024, 1, 2)",
        ("default",),
    ),
    ({"const": float("nan")}, "Schema/const: JSON cannot hold nan", ("const",)),
    (
        {"properties": {"a": {"type": "strin"}}},
        "Schema is not a valid JSON Schema: ",
        ("properties", "a", "type"),
    ),
    (
        {"properties": {"a": {"pattern": "("}}},
        "Schema is not a valid JSON Schema: ",
        ("properties", "a", "pattern"),
    ),
]


@pytest.mark.parametrize(("schema", "problem", "path"), REFUSED, ids=[p for _, p, _ in REFUSED])
def test_refused(schema: dict[str, Any], problem: str, path: tuple[str, ...]) -> None:
    with pytest.raises(InvalidTopicSchema) as raised:
        compile_topic_schema(schema)
    assert problem in str(raised.value)
    assert raised.value.path == path


@pytest.mark.parametrize(
    "schema",
    [
        {},
        {"properties": {"$schema": {"type": "string"}, "$ref": {"enum": [{"$ref": "#/nowhere"}]}}},
        {"$ref": "http://json-schema.org/draft-07/schema#"},  # the validator knows the meta-schemas
        {"$schema": "http://json-schema.org/draft-04/schema#", "id": "urn:example:t", "properties": {}},
        {"$ref": "#/definitions/o", "type": "string", "definitions": {"o": {}}},  # draft 7 ignores the type
        {"items": {"type": "string"}},  # array keywords do not constrain an object
    ],
)
def test_accepted(schema: dict[str, Any]) -> None:
    assert compile_topic_schema(schema).is_valid({}) in (True, False)


def test_an_empty_ref_is_validated_as_the_resource_it_names() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "string"}, "child": {"$ref": ""}}}
    assert as_validated(schema, DRAFT7)["properties"]["child"] == {"$ref": "#"}
    assert schema["properties"]["child"] == {"$ref": ""}
    validator = compile_topic_schema(schema)
    assert validator.is_valid({"child": {"n": "x"}})
    assert not validator.is_valid({"child": {"n": 1}})
