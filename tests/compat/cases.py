"""The table of (OLD, NEW) schema pairs with their expected verdicts and witnesses.

Each ``Case`` gives the verdict per direction: ``ok`` (compatible), ``break``
or ``undecided`` ("cannot prove compatible").  A breaking direction carries a
witness: a payload valid under one schema and invalid under the other
(``backward``: valid under OLD, invalid under NEW; ``forward``: the reverse).
``v(schema)`` wraps a schema as the required property ``v`` of an object, so
most witnesses read ``{"v": ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NO_WITNESS = object()


@dataclass(frozen=True)
class Case:
    name: str
    old: dict[str, Any]
    new: dict[str, Any]
    backward: str
    forward: str
    backward_witness: Any = NO_WITNESS
    forward_witness: Any = NO_WITNESS
    drawable: bool = True
    """False where hypothesis-jsonschema cannot draw instances (recursive $ref): ``samples`` are used."""
    samples: tuple[Any, ...] = ()


def v(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"v": schema}, "required": ["v"], **extra}


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


S, INT, N, NULL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "null"}
D4 = "http://json-schema.org/draft-04/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D2019 = "https://json-schema.org/draft/2019-09/schema"
D2020 = "https://json-schema.org/draft/2020-12/schema"


def chain(length: int, end: dict[str, Any]) -> dict[str, Any]:
    """``definitions`` where ``d0`` refers to ``d1``... and ``d{length}`` is ``end``."""
    links: dict[str, Any] = {f"d{i}": {"$ref": f"#/definitions/d{i + 1}"} for i in range(length)}
    return {**links, f"d{length}": end}


CLOSED = {"additionalProperties": False}
TREE_OLD = {
    "definitions": {
        "Node": {
            "type": "object",
            "properties": {
                "value": INT,
                "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
            },
            "required": ["value"],
        }
    },
    "$ref": "#/definitions/Node",
}
TREE_RENAMED = {
    "definitions": {
        "Tree": {
            "type": "object",
            "required": ["value"],
            "properties": {
                "children": {"items": {"$ref": "#/definitions/Tree"}, "type": "array"},
                "value": INT,
            },
        }
    },
    "$ref": "#/definitions/Tree",
}
TREE_NUMBER = {
    "definitions": {
        "Node": {
            "type": "object",
            "properties": {
                "value": N,
                "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
            },
            "required": ["value"],
        }
    },
    "$ref": "#/definitions/Node",
}
TREE_SAMPLES = ({"value": 1}, {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})

CASES = [
    # --- required keys
    Case("required added", obj({"a": S}), obj({"a": S}, ("a",)), "break", "ok", {}),
    Case("required removed", obj({"a": S}, ("a",)), obj({"a": S}), "ok", "break", forward_witness={}),
    Case(
        "required reordered", obj({"a": S, "b": S}, ("a", "b")), obj({"a": S, "b": S}, ("b", "a")), "ok", "ok"
    ),
    # --- properties on open objects
    Case("typed property added, open", obj({}), obj({"p": S}), "break", "ok", {"p": 1}),
    Case("typed property removed, open", obj({"p": S}), obj({}), "ok", "break", forward_witness={"p": 1}),
    Case("untyped property added, open", obj({}), obj({"p": {}}), "ok", "ok"),
    Case("property made required, open", obj({"p": S}), obj({"p": S}, ("p",)), "break", "ok", {}),
    # --- properties on closed objects
    Case(
        "property added, closed",
        obj({"a": S}, **CLOSED),
        obj({"a": S, "p": S}, **CLOSED),
        "ok",
        "break",
        forward_witness={"p": "x"},
    ),
    Case(
        "property removed, closed",
        obj({"a": S, "p": S}, **CLOSED),
        obj({"a": S}, **CLOSED),
        "break",
        "ok",
        {"p": "x"},
    ),
    Case(
        "required property added, closed",
        obj({"a": S}, **CLOSED),
        obj({"a": S, "p": S}, ("p",), **CLOSED),
        "break",
        "break",
        {},
        {"p": "x"},
    ),
    # --- types
    Case("null added", v(S), v({"type": ["string", "null"]}), "ok", "break", forward_witness={"v": None}),
    Case("null removed", v({"type": ["string", "null"]}), v(S), "break", "ok", {"v": None}),
    Case("integer widened to number", v(INT), v(N), "ok", "break", forward_witness={"v": 1.5}),
    Case("number narrowed to integer", v(N), v(INT), "break", "ok", {"v": 1.5}),
    Case("string to integer", v(S), v(INT), "break", "break", {"v": "x"}, {"v": 1}),
    Case(
        "type list branch added",
        v({"type": ["string"]}),
        v({"type": ["string", "boolean"]}),
        "ok",
        "break",
        forward_witness={"v": True},
    ),
    Case("type list branch removed", v({"type": ["string", "boolean"]}), v(S), "break", "ok", {"v": False}),
    Case("type dropped (any value)", v(S), v({}), "ok", "break", forward_witness={"v": 3}),
    Case("type added (was any)", v({}), v(S), "break", "ok", {"v": 3}),
    Case("type list as anyOf", v({"type": ["string", "null"]}), v({"anyOf": [S, NULL]}), "ok", "ok"),
    Case("anyOf as oneOf of disjoint types", v({"anyOf": [S, INT]}), v({"oneOf": [INT, S]}), "ok", "ok"),
    Case(
        "anyOf branch added",
        v({"anyOf": [S, INT]}),
        v({"anyOf": [S, INT, NULL]}),
        "ok",
        "break",
        forward_witness={"v": None},
    ),
    Case(
        "anyOf branch removed", v({"anyOf": [S, INT, NULL]}), v({"anyOf": [S, NULL]}), "break", "ok", {"v": 7}
    ),
    Case("oneOf branch removed", v({"oneOf": [S, NULL]}), v({"oneOf": [S]}), "break", "ok", {"v": None}),
    # --- enum and const
    Case(
        "enum value added",
        v({"enum": ["a", "b"]}),
        v({"enum": ["a", "b", "c"]}),
        "ok",
        "break",
        forward_witness={"v": "c"},
    ),
    Case("enum value removed", v({"enum": ["a", "b"]}), v({"enum": ["a"]}), "break", "ok", {"v": "b"}),
    Case("enum reordered", v({"enum": ["a", "b", 1]}), v({"enum": [1, "b", "a"]}), "ok", "ok"),
    Case("const changed", v({"const": "a"}), v({"const": "b"}), "break", "break", {"v": "a"}, {"v": "b"}),
    Case("enum of one as const", v({"enum": ["a"]}), v({"const": "a"}), "ok", "ok"),
    Case("enum restriction added", v(S), v({"type": "string", "enum": ["a"]}), "break", "ok", {"v": "zz"}),
    Case(
        "enum restriction removed",
        v({"type": "string", "enum": ["a"]}),
        v(S),
        "ok",
        "break",
        forward_witness={"v": "zz"},
    ),
    Case("const true is not 1", v({"const": True}), v({"const": 1}), "break", "break", {"v": True}, {"v": 1}),
    Case("boolean as enum of both", v({"type": "boolean"}), v({"enum": [True, False]}), "ok", "ok"),
    # --- numeric bounds
    Case(
        "minimum raised",
        v({"type": "integer", "minimum": 0}),
        v({"type": "integer", "minimum": 5}),
        "break",
        "ok",
        {"v": 0},
    ),
    Case(
        "minimum lowered",
        v({"type": "integer", "minimum": 5}),
        v({"type": "integer", "minimum": 0}),
        "ok",
        "break",
        forward_witness={"v": 0},
    ),
    Case(
        "maximum lowered",
        v({"type": "number", "maximum": 10}),
        v({"type": "number", "maximum": 5}),
        "break",
        "ok",
        {"v": 7.5},
    ),
    Case(
        "maximum removed",
        v({"type": "number", "maximum": 10}),
        v(N),
        "ok",
        "break",
        forward_witness={"v": 11},
    ),
    Case(
        "exclusiveMinimum instead of minimum",
        v({"type": "number", "minimum": 0}),
        v({"type": "number", "exclusiveMinimum": 0}),
        "break",
        "ok",
        {"v": 0},
    ),
    Case(
        "multipleOf tightened",
        v({"type": "integer", "multipleOf": 2}),
        v({"type": "integer", "multipleOf": 4}),
        "break",
        "ok",
        {"v": 2},
    ),
    Case(
        "multipleOf relaxed",
        v({"type": "integer", "multipleOf": 4}),
        v({"type": "integer", "multipleOf": 2}),
        "ok",
        "break",
        forward_witness={"v": 2},
    ),
    Case("multipleOf 1 on integers", v(INT), v({"type": "integer", "multipleOf": 1}), "ok", "ok"),
    # --- lengths and sizes
    Case(
        "minLength raised",
        v({"type": "string", "minLength": 1}),
        v({"type": "string", "minLength": 3}),
        "break",
        "ok",
        {"v": "a"},
    ),
    Case(
        "maxLength lowered",
        v({"type": "string", "maxLength": 10}),
        v({"type": "string", "maxLength": 2}),
        "break",
        "ok",
        {"v": "abc"},
    ),
    Case(
        "maxLength removed",
        v({"type": "string", "maxLength": 2}),
        v(S),
        "ok",
        "break",
        forward_witness={"v": "abc"},
    ),
    Case(
        "minItems raised",
        v({"type": "array", "minItems": 0}),
        v({"type": "array", "minItems": 1}),
        "break",
        "ok",
        {"v": []},
    ),
    Case(
        "maxItems lowered",
        v({"type": "array", "maxItems": 3}),
        v({"type": "array", "maxItems": 1}),
        "break",
        "ok",
        {"v": [1, 2]},
    ),
    Case(
        "maxProperties added",
        v({"type": "object"}),
        v({"type": "object", "maxProperties": 1}),
        "break",
        "ok",
        {"v": {"a": 1, "b": 2}},
    ),
    # --- additionalProperties and patternProperties
    Case(
        "additionalProperties opened",
        obj({"a": S}, **CLOSED),
        obj({"a": S}),
        "ok",
        "break",
        forward_witness={"zz": 1},
    ),
    Case("additionalProperties closed", obj({"a": S}), obj({"a": S}, **CLOSED), "break", "ok", {"zz": 1}),
    Case(
        "additionalProperties widened",
        obj({}, additionalProperties=S),
        obj({}, additionalProperties={"type": ["string", "integer"]}),
        "ok",
        "break",
        forward_witness={"k": 1},
    ),
    Case(
        "additionalProperties typed (was any)",
        obj({}),
        obj({}, additionalProperties=INT),
        "break",
        "ok",
        {"k": "x"},
    ),
    Case(
        "patternProperties added to a closed object",
        obj({}, **CLOSED),
        obj({}, patternProperties={"^x-": S}, **CLOSED),
        "ok",
        "undecided",
        forward_witness={"x-a": "s"},
    ),
    Case(
        "patternProperties closed (pattern removed)",
        obj({}, patternProperties={"^x-": S}, **CLOSED),
        obj({}, **CLOSED),
        "undecided",
        "ok",
        {"x-a": "s"},
    ),
    Case(
        "patternProperties value narrowed",
        obj({}, patternProperties={"^x-": {"type": ["string", "null"]}}),
        obj({}, patternProperties={"^x-": S}),
        "break",
        "ok",
        {"x-a": None},
    ),
    # --- items
    Case(
        "items type changed",
        v({"type": "array", "items": S}),
        v({"type": "array", "items": INT}),
        "break",
        "break",
        {"v": ["x"]},
        {"v": [1]},
    ),
    Case(
        "items widened",
        v({"type": "array", "items": INT}),
        v({"type": "array", "items": N}),
        "ok",
        "break",
        forward_witness={"v": [0.5]},
    ),
    Case(
        "items tuple form: second slot changed",
        v({"type": "array", "items": [S, INT], "additionalItems": False}),
        v({"type": "array", "items": [S, S], "additionalItems": False}),
        "break",
        "break",
        {"v": ["a", 1]},
        {"v": ["a", "b"]},
    ),
    Case(
        "items tuple form: extra items allowed",
        v({"type": "array", "items": [S], "additionalItems": False}),
        v({"type": "array", "items": [S], "additionalItems": INT}),
        "ok",
        "break",
        forward_witness={"v": ["a", 1]},
    ),
    Case(
        "uniqueItems added",
        v({"type": "array", "items": INT}),
        v({"type": "array", "items": INT, "uniqueItems": True}),
        "break",
        "ok",
        {"v": [1, 1]},
    ),
    # --- $ref and definitions
    Case(
        "definition renamed",
        {**v({"$ref": "#/definitions/A"}), "definitions": {"A": S}},
        {**v({"$ref": "#/definitions/B"}), "definitions": {"B": S}},
        "ok",
        "ok",
    ),
    Case(
        "inline object moved into definitions",
        v(obj({"x": INT}, ("x",))),
        {**v({"$ref": "#/definitions/X"}), "definitions": {"X": obj({"x": INT}, ("x",))}},
        "ok",
        "ok",
    ),
    Case(
        "$ref target changed",
        {**v({"$ref": "#/definitions/A"}), "definitions": {"A": S, "B": INT}},
        {**v({"$ref": "#/definitions/B"}), "definitions": {"A": S, "B": INT}},
        "break",
        "break",
        {"v": "x"},
        {"v": 1},
    ),
    Case(
        "definition changed under the same name",
        {**v({"$ref": "#/definitions/A"}), "definitions": {"A": S}},
        {**v({"$ref": "#/definitions/A"}), "definitions": {"A": {"type": ["string", "null"]}}},
        "ok",
        "break",
        forward_witness={"v": None},
    ),
    Case(
        "recursive definition renamed",
        TREE_OLD,
        TREE_RENAMED,
        "ok",
        "ok",
        drawable=False,
        samples=TREE_SAMPLES,
    ),
    Case(
        "recursive definition widened deep inside",
        TREE_OLD,
        TREE_NUMBER,
        "ok",
        "break",
        forward_witness={"value": 1, "children": [{"value": 0.5}]},
        drawable=False,
        samples=TREE_SAMPLES,
    ),
    # --- combinators recombined
    Case(
        "allOf merged into one object",
        {"allOf": [obj({"a": S}, ("a",)), obj({"b": INT}, ("b",))]},
        obj({"a": S, "b": INT}, ("a", "b")),
        "ok",
        "ok",
    ),
    Case(
        "allOf part adds a required key",
        {"allOf": [obj({"a": S})]},
        {"allOf": [obj({"a": S}), {"required": ["a"]}]},
        "break",
        "ok",
        {},
    ),
    Case(
        "allOf with a closed part",
        {"allOf": [obj({"a": S}, **CLOSED), obj({"a": S})]},
        obj({"a": S}, **CLOSED),
        "ok",
        "ok",
    ),
    Case(
        "oneOf of objects split from one",
        v({"oneOf": [obj({"k": {"const": "a"}}, ("k",)), obj({"k": {"const": "b"}}, ("k",))]}),
        v(obj({"k": {"enum": ["a", "b"]}}, ("k",))),
        "ok",
        "ok",
    ),
    Case(
        "overlapping oneOf kept as is",
        v({"oneOf": [S, {"type": "string", "enum": [""]}]}),
        v({"oneOf": [{"enum": [""], "type": "string"}, {"type": "string", "title": "t"}]}),
        "ok",
        "ok",
    ),
    # --- annotations are no change
    Case(
        "annotations changed",
        v({"type": "string", "title": "A", "description": "d", "examples": ["e"]}),
        v({"type": "string", "title": "B", "$comment": "c", "default": "x", "deprecated": True}),
        "ok",
        "ok",
    ),
    Case(
        "format changed",
        v({"type": "string", "format": "date-time"}),
        v({"type": "string", "format": "uri"}),
        "ok",
        "ok",
    ),
    # --- what cannot be decided
    Case(
        "pattern changed",
        v({"type": "string", "pattern": "^a"}),
        v({"type": "string", "pattern": "^b"}),
        "undecided",
        "undecided",
        {"v": "a"},
        {"v": "b"},
    ),
    Case(
        "pattern removed",
        v({"type": "string", "pattern": "^a"}),
        v(S),
        "ok",
        "undecided",
        forward_witness={"v": "b"},
    ),
    Case("not added", v(S), v({"type": "string", "not": {"const": "x"}}), "undecided", "ok", {"v": "x"}),
    Case(
        "if/then/else added",
        v(obj({"a": S})),
        v({**obj({"a": S}), "if": {"required": ["a"]}, "then": {"required": ["b"]}}),
        "undecided",
        "ok",
        {"v": {"a": "x"}},
    ),
    Case(
        "dependencies added",
        obj({"a": S, "b": S}),
        {**obj({"a": S, "b": S}), "dependencies": {"a": ["b"]}},
        "undecided",
        "ok",
        {"a": "x"},
    ),
    Case(
        "not unchanged, definition renamed",
        {**v({"not": {"$ref": "#/definitions/A"}}), "definitions": {"A": INT}},
        {**v({"not": {"$ref": "#/definitions/B"}}), "definitions": {"B": INT}},
        "ok",
        "ok",
    ),
    Case(
        "unknown keyword added",
        v(S),
        v({"type": "string", "frobnicate": {}}),
        "undecided",
        "ok",
    ),
    Case(
        "a keyword of a later draft is ignored, as the validator ignores it",
        v(S),
        v({"type": "string", "dependentRequired": {}}),
        "ok",
        "ok",
    ),
    Case(
        "a draft 2020-12 schema changed",
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **v(S)},
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **v(INT)},
        "break",
        "break",
        {"v": "x"},
        {"v": 1},
    ),
    Case(
        "minLength lowered",
        v({"type": "string", "minLength": 3}),
        v({"type": "string", "minLength": 1}),
        "ok",
        "break",
        forward_witness={"v": "a"},
    ),
    Case(
        "minItems lowered",
        v({"type": "array", "minItems": 2}),
        v({"type": "array", "minItems": 1}),
        "ok",
        "break",
        forward_witness={"v": [1]},
    ),
    Case(
        "maxItems raised",
        v({"type": "array", "maxItems": 1}),
        v({"type": "array", "maxItems": 3}),
        "ok",
        "break",
        forward_witness={"v": [1, 2]},
    ),
    Case(
        "exclusiveMaximum added",
        v(N),
        v({"type": "number", "exclusiveMaximum": 10}),
        "break",
        "ok",
        {"v": 10},
    ),
    Case(
        "oneOf of closed objects: a branch drops a property",
        v({"oneOf": [obj({"a": S}, ("a",), **CLOSED), obj({"b": INT}, ("b",), **CLOSED)]}),
        v({"oneOf": [obj({"a": S}, ("a",), **CLOSED), obj({"b": INT}, ("b",), **CLOSED, maxProperties=0)]}),
        "break",
        "ok",
        {"v": {"b": 1}},
    ),
    Case(
        "anyOf of overlapping objects covered only together",
        v(obj({"n": INT})),
        v(
            {
                "anyOf": [
                    obj({"n": {"type": "integer", "minimum": 0}}),
                    obj({"n": {"type": "integer", "maximum": 0}}),
                ]
            }
        ),
        "undecided",
        "ok",
    ),
    Case(
        "enum value already excluded by a bound removed",
        v({"enum": [1, 2, 3], "minimum": 2}),
        v({"enum": [2, 3]}),
        "ok",
        "ok",
    ),
    Case(
        "$ref siblings are ignored (draft 7)",
        {**v({"$ref": "#/definitions/A", "type": "integer"}), "definitions": {"A": S}},
        v(S),
        "ok",
        "ok",
        drawable=False,
        samples=({"v": "x"}, {"v": ""}),
    ),
    # --- references, read by bc_events.schema's resolver
    Case(
        "anchored definition changed from integer to string ($id: '#item')",
        {**v({"$ref": "#item"}), "definitions": {"item": {"$id": "#item", "type": "integer"}}},
        {**v({"$ref": "#item"}), "definitions": {"item": {"$id": "#item", "type": "string"}}},
        "break",
        "break",
        {"v": 3},
        {"v": "x"},
    ),
    Case(
        "anchored definition changed from integer to string ($anchor, 2019-09)",
        {"$schema": D2019, **v({"$ref": "#item"}), "$defs": {"item": {"$anchor": "item", "type": "integer"}}},
        {"$schema": D2019, **v({"$ref": "#item"}), "$defs": {"item": {"$anchor": "item", "type": "string"}}},
        "break",
        "break",
        {"v": 3},
        {"v": "x"},
    ),
    Case(
        "a pointer with %20 compares equal to itself",
        {**v({"$ref": "#/definitions/a%20b"}), "definitions": {"a b": INT}},
        {**v({"$ref": "#/definitions/a%20b"}), "definitions": {"a b": INT}},
        "ok",
        "ok",
    ),
    Case(
        "a pointer with %20 to a definition changed",
        {**v({"$ref": "#/definitions/a%20b"}), "definitions": {"a b": INT}},
        {**v({"$ref": "#/definitions/a%20b"}), "definitions": {"a b": S}},
        "break",
        "break",
        {"v": 1},
        {"v": "x"},
    ),
    Case(
        "$ref '' and '#' both name the root",
        obj({"n": INT, "child": {"$ref": ""}}),
        obj({"n": INT, "child": {"$ref": "#"}}),
        "ok",
        "ok",
        drawable=False,
        samples=({"n": 1}, {"child": {"n": 2, "child": {}}}, {"child": {"child": {"n": 3}}}),
    ),
    Case(
        "$ref '' to a root whose property changed",
        obj({"n": INT, "child": {"$ref": ""}}),
        obj({"n": S, "child": {"$ref": ""}}),
        "break",
        "break",
        {"child": {"n": 1}},
        {"child": {"n": "x"}},
    ),
    Case(
        "the end of a 300-link $ref chain changed",
        {**v({"$ref": "#/definitions/d0"}), "definitions": chain(300, INT)},
        {**v({"$ref": "#/definitions/d0"}), "definitions": chain(300, S)},
        "break",
        "break",
        {"v": 1},
        {"v": "x"},
    ),
    Case(
        "a 300-link $ref chain against the definition it ends in",
        {**v({"$ref": "#/definitions/d0"}), "definitions": chain(300, INT)},
        v(INT),
        "ok",
        "ok",
        drawable=False,
        samples=({"v": 1}, {"v": -7}),
    ),
    Case(
        "draft-04 id as the base of a reference (a URN)",
        {
            "$schema": D4,
            "id": "urn:example:root",
            **v({"$ref": "#/definitions/n"}),
            "definitions": {"n": INT},
        },
        {
            "$schema": D4,
            "id": "urn:example:root",
            **v({"$ref": "#/definitions/m"}),
            "definitions": {"m": INT},
        },
        "ok",
        "ok",
        drawable=False,
        samples=({"v": 1}, {"v": 0}),
    ),
    # --- drafts other than 7, each read with its own keywords
    Case(
        "a draft-04 description change",
        {"$schema": D4, **v({"type": "integer", "description": "old"})},
        {"$schema": D4, **v({"type": "integer", "description": "new"})},
        "ok",
        "ok",
    ),
    Case(
        "draft-04 exclusiveMaximum: true read as draft 7's exclusiveMaximum",
        {"$schema": D4, **v({"type": "number", "maximum": 5, "exclusiveMaximum": True})},
        {"$schema": D7, **v({"type": "number", "exclusiveMaximum": 5})},
        "ok",
        "ok",
        drawable=False,
        samples=({"v": 4.5}, {"v": -3}),
    ),
    Case(
        "draft-04 exclusiveMaximum dropped",
        {"$schema": D4, **v({"type": "integer", "maximum": 5, "exclusiveMaximum": True})},
        {"$schema": D4, **v({"type": "integer", "maximum": 5})},
        "ok",
        "break",
        forward_witness={"v": 5},
    ),
    Case(
        "$schema draft-04 -> draft-07: 1.0 becomes an integer",
        {"$schema": D4, **v(INT)},
        {"$schema": D7, **v(INT)},
        "ok",
        "break",
        forward_witness={"v": 1.0},
        drawable=False,
        samples=({"v": 1}, {"v": -2}),
    ),
    Case(
        "a constant ignored by draft 4 (const is a draft-6 keyword)",
        {"$schema": D4, **v({"const": 1})},
        {"$schema": D4, **v({"const": 2})},
        "ok",
        "ok",
        drawable=False,
        samples=({"v": 1}, {"v": "x"}),
    ),
    Case(
        "2020-12: prefixItems changed",
        {"$schema": D2020, **v({"type": "array", "prefixItems": [S], "items": False})},
        {"$schema": D2020, **v({"type": "array", "prefixItems": [INT], "items": False})},
        "break",
        "break",
        {"v": ["x"]},
        {"v": [1]},
    ),
    Case(
        "2020-12: items after prefixItems loosened",
        {"$schema": D2020, **v({"type": "array", "prefixItems": [S], "items": False})},
        {"$schema": D2020, **v({"type": "array", "prefixItems": [S], "items": INT})},
        "ok",
        "break",
        forward_witness={"v": ["x", 1]},
        drawable=False,
        samples=({"v": []}, {"v": ["x"]}),
    ),
    Case(
        "2020-12: a minimum beside $ref dropped",
        {"$schema": D2020, **v({"$ref": "#/$defs/n", "minimum": 0}), "$defs": {"n": INT}},
        {"$schema": D2020, **v({"$ref": "#/$defs/n"}), "$defs": {"n": INT}},
        "ok",
        "break",
        forward_witness={"v": -1},
        drawable=False,
        samples=({"v": 0}, {"v": 5}),
    ),
    Case(
        "draft 7: a minimum beside $ref dropped (it never applied)",
        {**v({"$ref": "#/definitions/n", "minimum": 0}), "definitions": {"n": INT}},
        {**v({"$ref": "#/definitions/n"}), "definitions": {"n": INT}},
        "ok",
        "ok",
        drawable=False,
        samples=({"v": 0}, {"v": -5}),
    ),
    Case(
        "2019-09: dependentRequired kept, a title changed",
        {"$schema": D2019, **obj({"a": S, "b": S}, dependentRequired={"a": ["b"]}), "title": "old"},
        {"$schema": D2019, **obj({"a": S, "b": S}, dependentRequired={"a": ["b"]}), "title": "new"},
        "ok",
        "ok",
        drawable=False,
        samples=({"a": "x", "b": "y"}, {}),
    ),
    # --- what every payload is, and what keywords imply
    Case(
        "root type: object added",
        {"properties": {"a": S}},
        {"type": "object", "properties": {"a": S}},
        "ok",
        "ok",
    ),
    Case(
        "required [version] replaced by minProperties: 1",
        obj({"version": S}, ("version",)),
        obj({"version": S}, minProperties=1),
        "ok",
        "break",
        forward_witness={"other": 1},
    ),
]
