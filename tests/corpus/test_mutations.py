"""The mutation engine on small schemas: it draws only mutations a sound typing must reject."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .mutations import (
    ENUM_VALUE_REPLACED,
    KINDS,
    REQUIRED_KEY_REMOVED,
    WRONG_NESTED_TYPE,
    Mutator,
    nodes,
    type_level_schema,
)

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}


def closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def test_type_level_schema_reads_one_of_as_any_of_and_drops_value_constraints() -> None:
    schema = {
        "type": "object",
        "properties": {
            "format": {"type": "string", "format": "date-time", "maxLength": 3},
            "pattern": {"oneOf": [{"type": "string", "pattern": "^a"}, {"type": "null"}]},
            "items": {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 2},
        },
        "definitions": {"D": {"type": "string", "enum": ["format", "pattern"], "default": "format"}},
    }
    assert type_level_schema(schema) == {
        "type": "object",
        "properties": {
            "format": {"type": "string"},
            "pattern": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "items": {"type": "array", "items": {"type": "integer"}},
        },
        "definitions": {"D": {"type": "string", "enum": ["format", "pattern"], "default": "format"}},
    }


def test_type_level_schema_keeps_both_one_of_and_any_of() -> None:
    both = type_level_schema({"oneOf": [STR, INT], "anyOf": [INT]})
    assert both == {"anyOf": [STR, INT], "allOf": [{"anyOf": [INT]}]}


def test_type_level_schema_accepts_what_only_one_of_exclusivity_rejects() -> None:
    # Both branches match "x": invalid for oneOf, and no Union can say so.
    mutator = Mutator({"oneOf": [STR, {"type": "string", "format": "date-time"}]})
    assert not mutator.rejects("x")


def test_removes_only_required_keys() -> None:
    schema = closed({"a": STR, "b": STR}, required=["a"])
    found = Mutator(schema).mutate("p", {"a": "x", "b": "y"}, (REQUIRED_KEY_REMOVED,))
    mutation = found[REQUIRED_KEY_REMOVED]
    assert mutation.path == ("a",)
    assert mutation.payload == {"b": "y"}


def test_removal_needs_the_key_required_in_every_branch_that_could_match() -> None:
    # "a" is required by one branch only; the other accepts the object without it.
    schema = {"oneOf": [closed({"a": STR, "b": STR}), closed({"a": STR, "b": STR}, required=["b"])]}
    for seed in range(20):
        mutation = Mutator(schema, seed).mutate("p", {"a": "x", "b": "y"})[REQUIRED_KEY_REMOVED]
        assert mutation.path == ("b",)


def test_replaces_enum_values_only_where_there_is_an_enum() -> None:
    schema = closed(
        {
            "plain": STR,
            "count": INT,
            "state": {"type": "string", "enum": ["open", "closed"]},
        }
    )
    mutation = Mutator(schema).mutate("p", {"plain": "x", "count": 1, "state": "open"})[ENUM_VALUE_REPLACED]
    assert mutation.path == ("state",)
    assert mutation.after not in ("open", "closed")
    assert isinstance(mutation.after, str)


@pytest.mark.parametrize(
    ("enum", "value"),
    [([1, 2], 1), ([True], True), (["a", None], "a"), (["", "0", "won't fix"], "won't fix")],
)
def test_enum_replacement_keeps_the_json_type(enum: list[Any], value: Any) -> None:
    mutation = Mutator(closed({"e": {"enum": enum}})).mutate("p", {"e": value})[ENUM_VALUE_REPLACED]
    assert type(mutation.after) is type(value)
    assert mutation.after not in enum


def test_const_counts_as_an_enum() -> None:
    schema = closed({"action": {"type": "string", "const": "opened"}})
    mutation = Mutator(schema).mutate("p", {"action": "opened"})[ENUM_VALUE_REPLACED]
    assert mutation.payload == {"action": "not-an-allowed-value"}


def test_wrong_nested_type_is_below_the_top_level_and_of_another_type() -> None:
    schema = closed({"id": INT, "user": closed({"login": STR, "id": INT})})
    mutation = Mutator(schema).mutate("p", {"id": 1, "user": {"login": "o", "id": 2}})[WRONG_NESTED_TYPE]
    assert len(mutation.path) == 2
    assert type(mutation.after) is not type(mutation.before)


def test_wrong_type_is_never_a_bool_or_float() -> None:
    # bool is an int and int a float to type checkers: such a swap cannot be caught.
    schema = closed({"n": closed({"i": INT, "f": {"type": "number"}, "s": STR, "b": {"type": "boolean"}})})
    payload = {"n": {"i": 1, "f": 1.5, "s": "x", "b": True}}
    for seed in range(40):
        mutation = Mutator(schema, seed).mutate("p", payload)[WRONG_NESTED_TYPE]
        assert not isinstance(mutation.after, (bool, float))


def test_no_wrong_type_where_anything_goes() -> None:
    schema = closed({"free": {"type": "object"}, "any": {}})
    assert WRONG_NESTED_TYPE not in Mutator(schema).mutate("p", {"free": {"k": [1]}, "any": {"x": 1}})


def test_null_is_a_wrong_type_only_where_null_is_not_allowed() -> None:
    schema = closed({"o": closed({"maybe": {"type": ["string", "null"]}, "never": STR})})
    for seed in range(40):
        mutation = Mutator(schema, seed).mutate("p", {"o": {"maybe": "a", "never": "b"}})[WRONG_NESTED_TYPE]
        assert mutation.path != ("o", "maybe") or mutation.after is not None


def test_refs_and_all_of_are_followed() -> None:
    schema = {
        "type": "object",
        "properties": {"issue": {"allOf": [{"$ref": "#/definitions/Issue"}, {"required": ["state"]}]}},
        "definitions": {"Issue": {"type": "object", "properties": {"state": {"enum": ["open", "closed"]}}}},
    }
    found = Mutator(schema).mutate("p", {"issue": {"state": "open"}})
    assert found[REQUIRED_KEY_REMOVED].path == ("issue", "state")
    assert found[ENUM_VALUE_REPLACED].path == ("issue", "state")


def test_is_deterministic_and_leaves_the_payload_unchanged() -> None:
    schema = closed({f"k{i}": closed({"v": {"enum": ["a", "b"]}, "n": INT}) for i in range(20)})
    payload = {f"k{i}": {"v": "a", "n": i} for i in range(20)}
    original = copy.deepcopy(payload)
    first = Mutator(schema, seed=7).mutate("p", payload)
    assert payload == original
    assert list(payload) == list(original)
    assert Mutator(schema, seed=7).mutate("p", payload) == first
    draws = {Mutator(schema, seed=7).mutate(name, payload)[ENUM_VALUE_REPLACED].path for name in "abcdefgh"}
    assert len(draws) > 1, "the payload's name is part of the seed"
    assert set(first) == set(KINDS)


def test_removal_restores_key_order_between_tries() -> None:
    schema = closed({"a": STR, "b": STR, "c": STR}, required=["c"])
    payload = {"a": "1", "b": "2", "c": "3"}
    mutation = Mutator(schema).mutate("p", payload)[REQUIRED_KEY_REMOVED]
    assert mutation.payload == {"a": "1", "b": "2"}
    assert list(mutation.payload) == ["a", "b"]


def test_rejects_a_payload_that_is_not_valid_to_begin_with() -> None:
    with pytest.raises(ValueError, match="not valid"):
        Mutator(closed({"a": INT})).mutate("p", {"a": "x"})


def test_nodes_walks_in_document_order() -> None:
    assert list(nodes({"a": [1, {"b": None}]})) == [
        ((), {"a": [1, {"b": None}]}),
        (("a",), [1, {"b": None}]),
        (("a", 0), 1),
        (("a", 1), {"b": None}),
        (("a", 1, "b"), None),
    ]
