"""Schemas the runtime accepts are typed at least as wide as they are: one test per construct.

Each case once was refused, narrowed or crashed (issue: generator fidelity on the
JSON-Schema-Test-Suite); the annotations are read back from the generated module
with ``ast``.  ``schema_cases/fidelity*.yaml`` proves the same types with the checkers.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from test_schema import generate_for, typed_dicts


def aliases(text: str) -> dict[str, str]:
    """``Name: TypeAlias = ...`` of a module: name -> the aliased type (quotes removed)."""
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.annotation) == "TypeAlias":
            assert node.value is not None
            value = node.value
            found[ast.unparse(node.target)] = (
                value.value if isinstance(value, ast.Constant) else ast.unparse(value)
            )
    return found


OBJECTLESS_ROOTS = {
    "empty": {},
    "a_number_keyword": {"minimum": 5},
    "items": {"items": {"type": "integer"}},
    "array_keywords": {"items": [{"type": "integer"}], "additionalItems": False, "uniqueItems": True},
    "prefix_items": {"$schema": "https://json-schema.org/draft/2020-12/schema", "prefixItems": [{}]},
    "array_keywords_in_allof": {"allOf": [{"items": {"type": "integer"}}, {"minItems": 2}]},
}


@pytest.mark.parametrize("schema", OBJECTLESS_ROOTS.values(), ids=OBJECTLESS_ROOTS)
def test_a_root_that_says_nothing_about_objects_is_any_object(tmp_path: Path, schema: dict[str, Any]) -> None:
    text, _ = generate_for(tmp_path, schema)
    assert aliases(text)["TestCreatedData"] == "Mapping[str, Any]"


def test_a_ref_to_the_root_inside_the_schema_is_the_root_as_a_value(tmp_path: Path) -> None:
    """``{"foo": false}`` is valid: ``$ref: "#"`` allows what the root allows, not only objects."""
    schema = {"properties": {"foo": {"$ref": "#"}}, "additionalProperties": False}
    text, warnings = generate_for(tmp_path, schema)
    assert typed_dicts(text)["TestCreatedData"] == {"foo": "NotRequired[TestCreated]"}
    assert aliases(text)["TestCreated"] == "TestCreatedData | list[Any] | str | float | bool | None"
    assert any("object keywords without `type`" in warning for warning in warnings)


def test_a_typed_root_referenced_inside_is_its_own_type(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"child": {"$ref": "#"}, "name": {"type": "string"}}}
    text, _ = generate_for(tmp_path, schema)
    assert typed_dicts(text)["TestCreatedData"] == {
        "child": "NotRequired[TestCreatedData]",
        "name": "NotRequired[str]",
    }


def test_recursion_through_a_union_and_additional_properties_is_a_recursive_alias(tmp_path: Path) -> None:
    """Once an ``AssertionError``: the definition looked like a plain object and became a mapping."""
    schema = {
        "type": "object",
        "properties": {"body": {"$ref": "#/definitions/node"}},
        "definitions": {
            "value": {"oneOf": [{"$ref": "#/definitions/node"}, {"type": "string"}]},
            "node": {
                "type": "object",
                "properties": {"then": {"$ref": "#/definitions/value"}},
                "additionalProperties": {"$ref": "#/definitions/value"},
            },
        },
    }
    text, warnings = generate_for(tmp_path, schema)
    assert typed_dicts(text)["TestCreatedData"] == {"body": "NotRequired[Node]"}
    assert aliases(text)["Node"] == "Mapping[str, Node | str]"
    assert any("properties next to an additionalProperties schema" in warning for warning in warnings)


BASES = {
    "urn_root_id": {
        "$id": "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed",
        "properties": {"x": {"$ref": "#/definitions/bar"}},
        "definitions": {"bar": {"type": "string"}},
    },
    "ref_through_the_urn": {
        "$id": "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed",
        "properties": {"x": {"$ref": "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed#/definitions/bar"}},
        "definitions": {"bar": {"type": "string"}},
    },
    "draft4_id_is_a_base": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "id": "http://example.com/root.json",
        "properties": {"x": {"$ref": "item.json"}},
        "definitions": {"item": {"id": "item.json", "type": "string"}},
    },
}


@pytest.mark.parametrize("schema", BASES.values(), ids=BASES)
def test_references_resolve_from_urn_and_draft4_bases(tmp_path: Path, schema: dict[str, Any]) -> None:
    text, _ = generate_for(tmp_path, {"type": "object", **schema})
    assert typed_dicts(text)["TestCreatedData"] == {"x": "NotRequired[str]"}


def test_any_of_objects_a_value_may_match_together_is_one_typed_dict(tmp_path: Path) -> None:
    """``{"foo": "baz", "bar": 2}`` matches both branches: it must type-check."""
    schema = {
        "anyOf": [
            {"properties": {"bar": {"type": "integer"}}, "required": ["bar"]},
            {"properties": {"foo": {"type": "string"}, "bar": {"type": "number"}}, "required": ["foo"]},
        ]
    }
    text, warnings = generate_for(tmp_path, schema)
    assert typed_dicts(text)["TestCreatedData"] == {"bar": "NotRequired[float]", "foo": "NotRequired[str]"}
    assert any("typed as one TypedDict of all their keys" in warning for warning in warnings)


def test_any_of_disjoint_objects_stays_a_union(tmp_path: Path) -> None:
    kind = {"type": "string"}
    schema = {
        "anyOf": [
            {"properties": {"kind": {**kind, "const": "a"}, "a": kind}, "required": ["kind"]},
            {"properties": {"kind": {**kind, "const": "b"}, "b": kind}, "required": ["kind"]},
        ]
    }
    types = typed_dicts(generate_for(tmp_path, schema)[0])
    assert types["TestCreatedOption1"] == {"kind": "Literal['a']", "a": "NotRequired[str]"}
    assert types["TestCreatedOption2"] == {"kind": "Literal['b']", "b": "NotRequired[str]"}


DYNAMIC = {
    "dynamic_ref": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.com/derived",
        "$ref": "./base",
        "$defs": {
            "derived": {"$dynamicAnchor": "addons", "properties": {"bar": {"type": "string"}}},
            "base": {
                "$id": "./base",
                "properties": {"foo": {"type": "string"}},
                "$dynamicRef": "#addons",
                "$defs": {"defaultAddons": {"$dynamicAnchor": "addons"}},
            },
        },
    },
    "recursive_ref": {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$recursiveAnchor": True,
        "type": "object",
        "properties": {"foo": {"type": "string"}, "child": {"$recursiveRef": "#"}},
    },
}


@pytest.mark.parametrize("name", DYNAMIC)
def test_dynamic_references_widen_with_a_warning(tmp_path: Path, name: str) -> None:
    text, warnings = generate_for(tmp_path, DYNAMIC[name])
    keyword = "$dynamicRef" if name == "dynamic_ref" else "$recursiveRef"
    assert any(f"{keyword} is typed as the union of every schema" in warning for warning in warnings)
    types = typed_dicts(text)
    if name == "dynamic_ref":  # the keys of every candidate: {"foo": ..., "bar": ...} type-checks
        assert {"foo": "NotRequired[str]", "bar": "NotRequired[str]"} in types.values()
    else:
        assert types["TestCreatedData"] == {
            "foo": "NotRequired[str]",
            "child": "NotRequired[TestCreatedData]",
        }


def _field(kind: str, shape: dict[str, Any]) -> dict[str, Any]:
    return {
        "if": {"properties": {"type": {"const": kind}}},
        "then": {"properties": {"attributes": {"type": "object", "properties": shape}}},
    }


def test_an_all_of_of_if_then_pairs_is_not_merged_as_if_every_then_held(tmp_path: Path) -> None:
    """Once "property 'attributes' has conflicting types in two branches": each then is conditional."""
    schema = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["dropdown", "input"]}},
        "allOf": [
            _field("dropdown", {"options": {"type": "array", "items": {"type": "string"}}}),
            _field("input", {"options": {"type": "string"}}),
        ],
    }
    text, warnings = generate_for(tmp_path, schema)
    types = typed_dicts(text)
    attributes = types["TestCreatedData"]["attributes"]
    assert attributes.startswith("NotRequired[")
    shapes = sorted(types[name]["options"] for name in attributes[12:-1].split(" | "))
    assert shapes == ["NotRequired[list[str]]", "NotRequired[str]"]
    assert any("then/else: the keys they declare are typed as optional keys" in w for w in warnings)


def test_keys_of_dependent_schemas_and_of_if_are_optional_keys(tmp_path: Path) -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"foo": {"type": "integer"}},
        "dependentSchemas": {"foo": {"properties": {"bar": {"type": "string"}}}},
        "if": {"properties": {"kind": {"const": "x"}}},
        "then": {"required": ["foo"]},
    }
    text, warnings = generate_for(tmp_path, schema)
    assert typed_dicts(text)["TestCreatedData"] == {
        "foo": "NotRequired[int]",
        "kind": "NotRequired[Any]",
        "bar": "NotRequired[Any]",
    }
    assert any("the keys dependent schemas declare are typed as optional keys" in w for w in warnings)


def test_schema_dependencies_of_draft_7_declare_keys_too(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"foo": {}},
        "dependencies": {"foo": {"properties": {"bar": {"type": "string"}}}, "baz": ["foo"]},
    }
    assert typed_dicts(generate_for(tmp_path, schema)[0])["TestCreatedData"] == {
        "foo": "NotRequired[Any]",
        "bar": "NotRequired[Any]",
    }


def test_pattern_properties_in_an_all_of_branch_survive_the_merge(tmp_path: Path) -> None:
    """Keys matching the branch's pattern stay valid: the merge is a mapping, not the TypedDict alone."""
    schema = {
        "type": "object",
        "properties": {"foo": {"type": "boolean"}},
        "allOf": [
            {"patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": {"type": "string"}}
        ],
    }
    text, warnings = generate_for(tmp_path, schema)
    assert aliases(text)["TestCreatedData"] == "Mapping[str, bool | int | str]"
    assert any("allOf with patternProperties" in warning for warning in warnings)
