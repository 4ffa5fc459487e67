"""The resolver: base URIs, anchors, pointers, cycles and chains, one table of cases per feature."""

from __future__ import annotations

from typing import Any

import pytest

from bc_events.schema.dialects import DRAFT4, DRAFT2019, Dialect
from bc_events.schema.resolver import Resolver, UnresolvableRef
from bc_events.schema.uris import join_uri

INTEGER = {"type": "integer"}


@pytest.mark.parametrize(
    ("base", "reference", "joined"),
    [
        ("urn:uuid:deadbeef-1234", "#/definitions/x", "urn:uuid:deadbeef-1234#/definitions/x"),
        ("urn:uuid:deadbeef-1234#", "", "urn:uuid:deadbeef-1234"),
        ("http://a/b/c/d;p?q", "g", "http://a/b/c/g"),
        ("http://a/b/c/d;p?q", "../g", "http://a/b/g"),
        ("http://a/b/c/d;p?q", "../../../g", "http://a/g"),
        ("http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"),
        ("http://a/b/c/d;p?q", "//g", "http://g"),
        ("json-schema:///", "item.json", "json-schema:///item.json"),
        ("http://a/b", "urn:other", "urn:other"),
    ],
)
def test_join_uri_follows_rfc_3986(base: str, reference: str, joined: str) -> None:
    assert join_uri(base, reference) == joined


CASES: list[tuple[str, dict[str, Any], str, tuple[str, ...], tuple[str, ...]]] = [
    # (case, schema, $ref, met at, target path)
    ("pointer", {"definitions": {"a": INTEGER}}, "#/definitions/a", (), ("definitions", "a")),
    ("percent", {"definitions": {"a b": INTEGER}}, "#/definitions/a%20b", (), ("definitions", "a b")),
    ("tilde", {"definitions": {"a/b~": INTEGER}}, "#/definitions/a~1b~0", (), ("definitions", "a/b~")),
    ("root by #", {"properties": {"a": {}}}, "#", ("properties", "a"), ()),
    ("root by empty", {"properties": {"a": {}}}, "", ("properties", "a"), ()),
    ("into an array", {"items": [INTEGER, {}]}, "#/items/0", (), ("items", "0")),
    (
        "urn base",
        {"$id": "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed", "definitions": {"x": INTEGER}},
        "#/definitions/x",
        (),
        ("definitions", "x"),
    ),
    (
        "urn of a definition",
        {"$id": "urn:example:root", "definitions": {"x": {"$id": "urn:example:x", "type": "integer"}}},
        "urn:example:x",
        (),
        ("definitions", "x"),
    ),
    (
        "relative $id",
        {
            "$id": "http://example.com/root.json",
            "definitions": {"x": {"$id": "item.json", "type": "integer"}},
        },
        "item.json",
        (),
        ("definitions", "x"),
    ),
    (
        "pointer from an embedded resource",
        {"definitions": {"x": {"$id": "http://example.com/x", "definitions": {"y": INTEGER}, "not": {}}}},
        "#/definitions/y",
        ("definitions", "x", "not"),
        ("definitions", "x", "definitions", "y"),
    ),
    (
        "plain-name $id",
        {"definitions": {"x": {"$id": "#item", "type": "integer"}}},
        "#item",
        (),
        ("definitions", "x"),
    ),
]


@pytest.mark.parametrize(("case", "schema", "ref", "at", "path"), CASES, ids=[c[0] for c in CASES])
def test_resolve(
    case: str, schema: dict[str, Any], ref: str, at: tuple[str, ...], path: tuple[str, ...]
) -> None:
    target = Resolver(schema).resolve(ref, at)
    assert target.path == path
    assert target.node is Resolver(schema).root if not path else target.node == _at(schema, path)


def _at(schema: Any, path: tuple[str, ...]) -> Any:
    for token in path:
        schema = schema[int(token)] if isinstance(schema, list) else schema[token]
    return schema


@pytest.mark.parametrize(
    ("dialect", "schema", "ref", "path"),
    [
        (
            DRAFT4,
            {"id": "http://example.com/r", "definitions": {"x": {"id": "#item"}}},
            "#item",
            ("definitions", "x"),
        ),
        (
            DRAFT4,
            {"definitions": {"x": {"id": "http://example.com/x.json"}}},
            "http://example.com/x.json",
            ("definitions", "x"),
        ),
        (DRAFT2019, {"$defs": {"x": {"$anchor": "item"}}}, "#item", ("$defs", "x")),
        (
            None,
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"x": {"$dynamicAnchor": "n"}},
            },
            "#n",
            ("$defs", "x"),
        ),
    ],
)
def test_anchors_and_ids_per_draft(
    dialect: Dialect | None, schema: dict[str, Any], ref: str, path: tuple[str, ...]
) -> None:
    assert Resolver(schema, dialect).resolve(ref).path == path


def test_a_ref_hides_its_sibling_id_before_2019() -> None:
    schema = {
        "$id": "http://example.com/base/",
        "definitions": {"inner": {"$id": "foo.json", "type": "integer"}},
        "allOf": [{"$id": "http://example.com/other/", "$ref": "foo.json"}],
    }
    resolver = Resolver(schema)
    assert resolver.resolve("foo.json", ("allOf", "0")).path == ("definitions", "inner")


def test_keys_named_like_keywords_are_not_identifiers() -> None:
    schema = {
        "properties": {"$id": {"type": "string"}, "$anchor": {"type": "string"}},
        "enum": [{"$id": "http://example.com/data"}],
        "definitions": {"x": INTEGER},
    }
    resolver = Resolver(schema)
    assert resolver.resolve("#/definitions/x").path == ("definitions", "x")
    with pytest.raises(UnresolvableRef, match="outside the topic schema"):
        resolver.resolve("http://example.com/data")


@pytest.mark.parametrize(
    ("schema", "ref", "problem"),
    [
        ({"definitions": {}}, "#/definitions/missing", "does not resolve: nothing at /definitions/missing"),
        ({}, "#nowhere", "does not resolve: no anchor 'nowhere'"),
        ({}, "http://example.com/remote.json", "is outside the topic schema"),
        ({"$defs": {"x": {"$anchor": "a"}}}, "#a", "no anchor 'a'"),  # $anchor does not exist in draft 7
    ],
)
def test_unresolvable(schema: dict[str, Any], ref: str, problem: str) -> None:
    with pytest.raises(UnresolvableRef, match=problem):
        Resolver(schema).resolve(ref)


def test_a_chain_of_any_length_is_followed_without_recursion() -> None:
    definitions: dict[str, Any] = {f"d{i}": {"$ref": f"#/definitions/d{i + 1}"} for i in range(3000)}
    definitions["d3000"] = INTEGER
    resolver = Resolver({"$ref": "#/definitions/d0", "definitions": definitions})
    target = resolver.follow()
    assert target.path == ("definitions", "d3000")
    assert target.node == INTEGER


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#"},
        {"$ref": ""},
        {
            "$ref": "#/definitions/a",
            "definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}},
        },
    ],
)
def test_a_circular_chain_is_reported(schema: dict[str, Any]) -> None:
    with pytest.raises(UnresolvableRef, match="is circular"):
        Resolver(schema).follow()


def test_references_lists_each_reference_keyword_in_schema_positions() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "properties": {"$ref": {"$ref": "#/$defs/a"}, "b": {"$dynamicRef": "#n"}},
        "const": {"$ref": "#/not/a/schema"},
        "$defs": {"a": {"$dynamicAnchor": "n"}, "r": {"$recursiveRef": "#"}},
    }
    found = [(r.path, r.keyword, r.value) for r in Resolver(schema).references()]
    assert found == [
        (("properties", "$ref"), "$ref", "#/$defs/a"),
        (("properties", "b"), "$dynamicRef", "#n"),
    ]
    assert [t.path for t in Resolver(schema).dynamic_anchors("n")] == [("$defs", "a")]


def test_uri_of_names_a_schema_from_its_resource() -> None:
    schema = {"$id": "http://example.com/r", "$defs": {"x": {"$id": "x.json", "$defs": {"a b": {}}}}}
    resolver = Resolver(schema, DRAFT2019)
    assert resolver.uri_of(("$defs", "x", "$defs", "a b")) == "http://example.com/x.json#/$defs/a%20b"
    assert resolver.uri_of(()) == "http://example.com/r#"
    assert Resolver({}).uri_of(("definitions", "x")) == "json-schema:///#/definitions/x"


def test_path_of_finds_a_schema_by_identity() -> None:
    inner = {"type": "integer"}
    resolver = Resolver({"properties": {"a": inner}, "enum": [{"type": "integer"}]})
    assert resolver.path_of(inner) == ("properties", "a")
    assert resolver.path_of({"type": "integer"}) is None
