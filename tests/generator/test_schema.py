"""JSON Schema -> types, one construct at a time, read back from the generated module with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from bc_events.errors import TopicDefinitionError
from bc_events.generator import generate


def generate_for(tmp_path: Path, *schemas: dict[str, Any]) -> tuple[str, list[str]]:
    """The module and its warnings for topics ``Test`` + ``Created``, ``Second``, ... with these schemas."""
    actions = ["Created", "Second", "Third", "Fourth"]
    topics = [{"Action": actions[i], "Entity": "Test", "Schema": schema} for i, schema in enumerate(schemas)]
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump({"DefaultCategory": "testing", "Topics": topics}, sort_keys=False))
    warnings: list[str] = []
    return generate(str(path), warn=warnings.append), warnings


def typed_dicts(text: str) -> dict[str, dict[str, str]]:
    """Every TypedDict of a module: name -> {key: annotation}."""
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and any(ast.unparse(base) == "TypedDict" for base in node.bases):
            found[node.name] = {
                ast.unparse(item.target): ast.unparse(item.annotation)
                for item in node.body
                if isinstance(item, ast.AnnAssign)
            }
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "TypedDict"
        ):
            name, mapping = node.value.args
            assert isinstance(mapping, ast.Dict)
            found[ast.literal_eval(name)] = {
                ast.literal_eval(key): _annotation(value)  # type: ignore[arg-type]
                for key, value in zip(mapping.keys, mapping.values, strict=True)
            }
    return found


def _annotation(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value  # a quoted forward reference
    return ast.unparse(node)


def field_type(tmp_path: Path, schema: dict[str, Any], required: bool = True) -> tuple[str, list[str]]:
    """The annotation of property ``x`` with ``schema``, and the warnings."""
    text, warnings = generate_for(
        tmp_path, {"type": "object", "required": ["x"] if required else [], "properties": {"x": schema}}
    )
    return typed_dicts(text)["TestCreatedData"]["x"], warnings


CONSTRUCTS = {
    "integer": ({"type": "integer"}, "int"),
    "number": ({"type": "number"}, "float"),
    "boolean": ({"type": "boolean"}, "bool"),
    "string_with_format": ({"type": "string", "format": "date-time"}, "str"),
    "string_pattern_minlength": ({"type": "string", "pattern": "^a", "minLength": 2}, "str"),
    "nullable_type_list": ({"type": ["string", "null"]}, "str | None"),
    "type_list": ({"type": ["string", "integer"]}, "str | int"),
    "number_absorbs_integer": ({"type": ["integer", "number"]}, "float"),
    "string_enum": ({"type": "string", "enum": ["a", "b"]}, "Literal['a', 'b']"),
    "int_enum": ({"type": "integer", "enum": [1, 2]}, "Literal[1, 2]"),
    "bool_enum": ({"enum": [True]}, "Literal[True]"),
    "mixed_enum_keeps_bool_and_int_apart": ({"enum": [1, True, "1"]}, "Literal[1, True, '1']"),
    "enum_with_null": ({"type": ["string", "null"], "enum": ["a", None]}, "Literal['a'] | None"),
    "enum_values_outside_type_dropped": ({"type": "string", "enum": ["a", None]}, "Literal['a']"),
    "const": ({"const": "fixed"}, "Literal['fixed']"),
    "const_null": ({"const": None}, "None"),
    "array": ({"type": "array", "items": {"type": "string"}}, "list[str]"),
    "array_unique_items": (
        {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
        "Sequence[int]",
    ),
    "array_without_items": ({"type": "array"}, "list[Any]"),
    "tuple_exact": (
        {
            "type": "array",
            "items": [{"type": "number"}, {"type": "number"}],
            "additionalItems": False,
            "minItems": 2,
        },
        "Sequence[float]",
    ),
    "prefix_items_exact": (
        {"type": "array", "prefixItems": [{"type": "string"}], "items": False, "minItems": 1},
        "list[str]",
    ),
    "additional_properties_only": (
        {"type": "object", "additionalProperties": {"type": "integer"}},
        "Mapping[str, int]",
    ),
    "pattern_properties": (
        {"type": "object", "patternProperties": {"^a": {"type": "string"}, "^b": {"type": "integer"}}},
        "Mapping[str, Any]",
    ),
    "pattern_properties_closed": (
        {"type": "object", "patternProperties": {"^a": {"type": "string"}}, "additionalProperties": False},
        "Mapping[str, str]",
    ),
    "empty_schema": ({}, "Any"),
    "true_schema": (True, "Any"),
    "bare_object": ({"type": "object"}, "Mapping[str, Any]"),
    "one_of": ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, "str | int"),
    "any_of_with_null": ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "str | None"),
    "one_of_with_null_branch_and_literals": (
        {"oneOf": [{"const": "a"}, {"const": "b"}, {"type": "null"}]},
        "Literal['a', 'b'] | None",
    ),
    "str_absorbs_literal": ({"anyOf": [{"const": "a"}, {"type": "string"}]}, "str"),
}


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_construct(construct: str, tmp_path: Path) -> None:
    schema, expected = CONSTRUCTS[construct]
    annotation, warnings = field_type(tmp_path, schema)
    assert annotation == expected
    assert warnings == []


def test_required_and_not_required_keys(tmp_path: Path) -> None:
    text, _ = generate_for(
        tmp_path,
        {
            "type": "object",
            "required": ["a"],
            "properties": {"a": {"type": ["string", "null"]}, "b": {"type": "string"}},
        },
    )
    assert typed_dicts(text)["TestCreatedData"] == {"a": "str | None", "b": "NotRequired[str]"}


WIDER = {
    "float_enum": ({"enum": [0.5, 1.5]}, "float", "0.5 as float"),
    "tuple_open_length": (
        {"type": "array", "items": [{"type": "string"}]},
        "list[Any]",
        "positional items",
    ),
    "tuple_of_mixed_positions": (
        {"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "additionalItems": False},
        "list[str | int]",
        "positional items typed as a list of their union",
    ),
    "not": ({"type": "string", "not": {"const": "x"}}, "str", "not cannot be typed"),
    "object_keywords_without_type": (
        {"required": ["a"], "properties": {"a": {"type": "integer"}}},
        "TestCreatedX | list[Any] | str | float | bool | None",
        "object keywords without `type`: any value that is not an object is valid too",
    ),
    "array_keywords_without_type": (
        {"items": {"type": "integer"}},
        "Mapping[str, Any] | Sequence[int] | str | float | bool | None",
        "array keywords without `type`",
    ),
    "properties_and_an_additional_properties_schema": (
        {
            "type": "object",
            "properties": {"total": {"type": "number"}},
            "additionalProperties": {"type": "number"},
        },
        "Mapping[str, float]",
        "properties next to an additionalProperties schema or patternProperties",
    ),
    "properties_and_pattern_properties_closed": (
        {
            "type": "object",
            "properties": {"main": {"type": "string"}},
            "patternProperties": {"^x-": {"type": "integer"}},
            "additionalProperties": False,
        },
        "Mapping[str, str | int]",
        "typed as a mapping of the union of every value type",
    ),
    "if_then": (
        {"type": "integer", "if": {"minimum": 1}, "then": {"maximum": 3}},
        "int",
        "then/else: the keys they declare are typed as optional keys",
    ),
    "false_schema": (False, "Any", "schema `false`"),
    "integer_literal_beyond_64_bits": ({"enum": [2**63, 1, -(2**63)]}, "int", "9223372036854775808 as int"),
    "empty_key": (
        {"type": "object", "additionalProperties": False, "properties": {"": {"type": "string"}}},
        "Mapping[str, str]",
        'a key named "" cannot be declared in a TypedDict',
    ),
    "nullable_is_openapi_not_json_schema": (
        {"type": "integer", "nullable": True},
        "int",
        "nullable: true has no effect in JSON Schema (null is rejected at run time; "
        'the type does not allow None): to allow null write type: [integer, "null"]',
    ),
    "arrays_in_any_of_branches": (
        {
            "anyOf": [
                {"type": "array", "items": {"enum": ["a", "b"]}},
                {"type": "array", "items": {"const": "*"}},
            ]
        },
        "Sequence[Literal['a', 'b', '*']]",
        "one list of the union of their items",
    ),
    "overlapping_one_of": (
        {"oneOf": [{"type": "string"}, {"type": "string", "minLength": 3}]},
        "str",
        "may overlap",
    ),
}


@pytest.mark.parametrize("construct", sorted(WIDER))
def test_untypable_constructs_are_wider_with_a_warning(construct: str, tmp_path: Path) -> None:
    schema, expected, warning = WIDER[construct]
    annotation, warnings = field_type(tmp_path, schema)
    assert annotation == expected
    assert len(warnings) == 1
    assert warning in warnings[0]
    assert ": topic testing.TestCreated: warning: Schema/properties/x" in warnings[0]


def test_nested_objects_become_named_typeddicts_with_docstrings(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "description": "The outer object.",
        "properties": {
            "inner": {"type": "object", "description": "Inner.", "properties": {"n": {"type": "integer"}}}
        },
    }
    text, _ = generate_for(tmp_path, {"type": "object", "required": ["x"], "properties": {"x": schema}})
    types = typed_dicts(text)
    assert types["TestCreatedData"] == {"x": "TestCreatedX"}
    assert types["TestCreatedX"] == {"inner": "NotRequired[TestCreatedXInner]"}
    assert types["TestCreatedXInner"] == {"n": "NotRequired[int]"}
    classes = {node.name: node for node in ast.parse(text).body if isinstance(node, ast.ClassDef)}
    assert ast.get_docstring(classes["TestCreatedXInner"]) == "Inner."


def test_refs_share_one_type_and_definitions_copied_into_many_topics_are_emitted_once(tmp_path: Path) -> None:
    person = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}

    def topic(key: str, group: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {key: {"$ref": f"#/{group}/Person"}},
            group: {"Person": dict(person)},
        }

    text, _ = generate_for(
        tmp_path, topic("a", "definitions"), topic("b", "$defs"), topic("c", "definitions")
    )
    types = typed_dicts(text)
    assert types["Person"] == {"name": "str"}
    assert [name for name in types if "Person" in name] == ["Person"]
    assert types["TestSecondData"] == {"b": "NotRequired[Person]"}


def test_different_definitions_with_one_name_get_distinct_names(tmp_path: Path) -> None:
    def topic(kind: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"p": {"$ref": "#/definitions/Person"}},
            "definitions": {"Person": {"type": "object", "properties": {"id": {"type": kind}}}},
        }

    types = typed_dicts(generate_for(tmp_path, topic("string"), topic("integer"))[0])
    assert types["Person"] == {"id": "NotRequired[str]"}
    assert types["TestSecondPerson"] == {"id": "NotRequired[int]"}


def test_recursive_refs(tmp_path: Path) -> None:
    node = {
        "type": "object",
        "properties": {
            "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
            "+1": {"$ref": "#/definitions/Node"},
        },
    }
    schema = {
        "type": "object",
        "properties": {"root": {"$ref": "#/definitions/Node"}},
        "definitions": {"Node": node},
    }
    text, warnings = generate_for(tmp_path, schema)
    assert typed_dicts(text)["Node"] == {"children": "NotRequired[Sequence[Node]]", "+1": "NotRequired[Node]"}
    assert warnings == []
    compile(text, "events_gen.py", "exec")


def test_all_of_merges_into_one_typeddict(tmp_path: Path) -> None:
    base = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}, "state": {"type": "string"}},
    }
    schema = {
        "type": "object",
        "properties": {
            "x": {
                "allOf": [
                    {"$ref": "#/definitions/Base"},
                    {"required": ["state"], "properties": {"state": {"enum": ["open"]}}},
                ]
            }
        },
        "definitions": {"Base": base},
    }
    types = typed_dicts(generate_for(tmp_path, schema)[0])
    assert types["TestCreatedData"] == {"x": "NotRequired[TestCreatedX]"}
    assert types["TestCreatedX"] == {"id": "str", "state": "Literal['open']"}
    assert "class TestCreatedX(Base)" not in generate_for(tmp_path, schema)[0]


def test_all_of_conflict_is_an_error(tmp_path: Path) -> None:
    schema = {
        "allOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"a": {"type": "integer"}}}]
    }
    with pytest.raises(
        TopicDefinitionError, match=r"topic testing.TestCreated: Schema/allOf: allOf: property 'a'"
    ):
        generate_for(tmp_path, schema)


def test_sibling_keywords_refine_one_of_branches(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"kind": {"type": "string"}},
        "oneOf": [
            {"required": ["kind"], "properties": {"kind": {"const": "a"}}},
            {"properties": {"b": {"type": "integer"}}},
        ],
    }
    types = typed_dicts(generate_for(tmp_path, schema)[0])
    options = [name for name in types if name.startswith("TestCreatedOption")]
    assert [types[name] for name in options] == [
        {"kind": "Literal['a']"},
        {"kind": "NotRequired[str]", "b": "NotRequired[int]"},
    ]


def test_non_identifier_and_keyword_keys_use_the_functional_syntax_and_are_never_renamed(
    tmp_path: Path,
) -> None:
    keys = [
        "class",
        "from",
        "first-name",
        "+1",
        "@type",
        "_private",
        "__dunder",
        "Test",
        "str",
        "ünïcode",
        "TestCreatedData",
    ]
    schema = {"type": "object", "properties": {key: {"type": "integer"} for key in keys}}
    text, _ = generate_for(tmp_path, schema)
    assert list(typed_dicts(text)["TestCreatedData"]) == keys
    assert 'TestCreatedData = TypedDict(\n    "TestCreatedData",' in text


def test_builtin_names_as_keys_keep_the_class_syntax_when_harmless(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "type": {"type": "string"}, "hash": {}},
    }
    text, _ = generate_for(tmp_path, schema)
    assert "class TestCreatedData(TypedDict):" in text


def test_a_warning_for_a_definition_copied_into_many_topics_is_given_once(tmp_path: Path) -> None:
    def topic() -> dict[str, Any]:
        loose = {"type": "object", "properties": {"v": {"enum": [0.5]}}}
        return {
            "type": "object",
            "properties": {"l": {"$ref": "#/definitions/Loose"}},
            "definitions": {"Loose": loose},
        }

    _, warnings = generate_for(tmp_path, topic(), topic(), topic())
    assert len(warnings) == 1
    assert "topic testing.TestCreated: warning: Schema/definitions/Loose/properties/v" in warnings[0]


def test_root_that_is_not_one_typeddict_gets_an_alias(tmp_path: Path) -> None:
    schema = {
        "oneOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "properties": {"b": {"type": "integer"}}},
        ]
    }
    text, _ = generate_for(tmp_path, schema)
    assert "TestCreatedData: TypeAlias = TestCreatedOption1 | TestCreatedOption2" in text


def test_identical_payloads_of_two_topics_stay_two_types(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string"}}}
    text, _ = generate_for(tmp_path, schema, dict(schema))
    types = typed_dicts(text)
    assert types["TestCreatedData"] == types["TestSecondData"] == {"id": "NotRequired[str]"}
    assert "TypeAlias" not in text


def test_definitions_and_inline_objects_of_one_shape_keep_their_own_names(tmp_path: Path) -> None:
    address = {"type": "object", "properties": {"street": {"type": "string"}}}
    schema = {
        "type": "object",
        "properties": {
            "home": {"$ref": "#/$defs/HomeAddress"},
            "work": {"$ref": "#/$defs/WorkAddress"},
            "other": dict(address),
        },
        "$defs": {"HomeAddress": dict(address), "WorkAddress": dict(address)},
    }
    types = typed_dicts(generate_for(tmp_path, schema)[0])
    assert types["TestCreatedData"] == {
        "home": "NotRequired[HomeAddress]",
        "work": "NotRequired[WorkAddress]",
        "other": "NotRequired[TestCreatedOther]",
    }
    assert types["HomeAddress"] == types["WorkAddress"] == types["TestCreatedOther"]


def _names_by_content(tmp_path: Path, topics: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """Generate topics given as (action, schema) and map each type name to its fields."""
    path = tmp_path / "topics.yaml"
    documents = [{"Action": action, "Entity": "Test", "Schema": schema} for action, schema in topics]
    path.write_text(yaml.safe_dump({"DefaultCategory": "testing", "Topics": documents}, sort_keys=False))
    return {name: repr(fields) for name, fields in typed_dicts(generate(str(path), warn=print)).items()}


def test_reordering_or_adding_topics_never_renames_a_type(tmp_path: Path) -> None:
    def topic(kind: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"p": {"$ref": "#/definitions/Person"}, "q": {"type": "object"}},
            "definitions": {"Person": {"type": "object", "properties": {"id": {"type": kind}}}},
        }

    topics = [("Opened", topic("string")), ("Closed", topic("integer")), ("Moved", topic("string"))]
    names = _names_by_content(tmp_path, topics)
    assert names["Person"] != names["TestMovedPerson"]  # Closed sorts first: its Person is bare
    assert _names_by_content(tmp_path, topics[::-1]) == names
    added = _names_by_content(tmp_path, [("Renamed", topic("boolean")), *topics])
    assert {name: added[name] for name in names} == names


@pytest.mark.parametrize(
    "root",
    [
        {"type": ["object", "null"], "properties": {"a": {"type": "string"}}},
        {"oneOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "string"}]},
    ],
)
def test_a_root_that_allows_other_values_is_typed_by_its_objects(
    root: dict[str, Any], tmp_path: Path
) -> None:
    text, warnings = generate_for(tmp_path, root)
    assert "def created_test(self, data: TestCreatedData)" in text
    assert len(typed_dicts(text)) == 1
    assert len(warnings) == 1
    assert (
        "Schema: event data is a JSON object: the payload type keeps only the schema's object" in warnings[0]
    )


def test_a_root_without_objects_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TopicDefinitionError, match="no object satisfies the schema"):
        generate_for(tmp_path, {"oneOf": [{"type": "array"}, {"type": "string"}]})


def test_identical_inline_objects_at_one_path_share_a_class_and_keep_every_topics_name(
    tmp_path: Path,
) -> None:
    changes = {"type": "object", "properties": {"body": {"type": "object", "properties": {"from": {}}}}}
    schema = {"type": "object", "properties": {"changes": changes}}
    text, _ = generate_for(tmp_path, schema, dict(schema))
    types = typed_dicts(text)
    assert types["TestCreatedData"] == {"changes": "NotRequired[TestCreatedChanges]"}
    assert types["TestSecondData"] == {"changes": "NotRequired[TestCreatedChanges]"}
    assert "TestSecondChanges: TypeAlias = TestCreatedChanges" in text
    assert "TestSecondChangesBody: TypeAlias = TestCreatedChangesBody" in text


def test_a_branch_no_value_can_match_is_dropped_with_a_warning(tmp_path: Path) -> None:
    schema = {"anyOf": [{"type": "integer"}, {"type": "string", "const": ["auto"]}]}
    annotation, warnings = field_type(tmp_path, schema)
    assert annotation == "int"
    assert len(warnings) == 1
    assert "Schema/properties/x/anyOf/1: no value can match this branch, dropped" in warnings[0]
    with pytest.raises(TopicDefinitionError, match="no enum value matches"):
        field_type(tmp_path, {"oneOf": [{"type": "string", "const": 1}]})


def test_keys_declared_under_then_and_else_are_optional_keys(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "required": ["line"],
        "properties": {"line": {"type": "string"}},
        "allOf": [
            {
                "if": {"properties": {"line": {"const": "auto"}}},
                "then": {"required": ["vin"], "properties": {"vin": {"type": "string"}}},
                "else": {"properties": {"vin": {"type": "integer"}, "hull": {"type": "string"}}},
            }
        ],
    }
    text, warnings = generate_for(tmp_path, schema)
    assert typed_dicts(text)["TestCreatedData"] == {
        "line": "str",
        "vin": "NotRequired[str | int]",
        "hull": "NotRequired[str]",
    }
    assert len(warnings) == 1
    assert "Schema/allOf/0: then/else" in warnings[0]


def test_enum_and_const_definitions_are_named_aliases_the_module_can_import(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {
            "first-name": {"$ref": "#/definitions/Title"},
            "title": {"$ref": "#/definitions/Title"},
        },
        "definitions": {"Title": {"enum": ["mr", "ms"]}},
    }
    text, warnings = generate_for(tmp_path, schema)
    assert warnings == []
    assert 'Title: TypeAlias = Literal["mr", "ms"]' in text
    assert typed_dicts(text)["TestCreatedData"] == {
        "first-name": "NotRequired[Title]",
        "title": "NotRequired[Title]",
    }
    namespace: dict[str, Any] = {}
    exec(compile(text, "events_gen.py", "exec"), namespace)  # the functional TypedDict quotes Title
    assert namespace["Title"] is not None


def test_recursion_through_a_union_is_typed_recursively_and_the_module_imports(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"expr": {"$ref": "#/definitions/Expr"}, "raw-expr": {"$ref": "#/definitions/Expr"}},
        "definitions": {
            "Expr": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/definitions/Expr"}}]
            }
        },
    }
    text, warnings = generate_for(tmp_path, schema)
    assert warnings == []
    assert 'Expr: TypeAlias = "str | list[Expr]"' in text  # list: a str is a Sequence of Expr
    exec(compile(text, "events_gen.py", "exec"), {})  # the functional TypedDict quotes Expr
