"""Synthesized instances: each variant's choices, and only valid instances are kept."""

from __future__ import annotations

from typing import Any

from .instances import valid_instances

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "state", "owner"],
    "properties": {
        "id": {"type": "integer"},
        "state": {"type": "string", "enum": ["open", "closed"]},
        "owner": {"oneOf": [{"$ref": "#/definitions/User"}, {"type": "null"}]},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
    "definitions": {
        "User": {
            "type": "object",
            "required": ["login"],
            "properties": {"login": {"type": "string"}, "+1": {"type": "integer"}},
            "additionalProperties": False,
        }
    },
}


def test_variants_make_different_choices() -> None:
    found = dict(valid_instances(SCHEMA))
    assert found["minimal"] == {"id": 7, "state": "open", "owner": {"login": "text"}}
    assert found["full"] == {
        "id": 7,
        "state": "closed",
        "owner": {"login": "text", "+1": 7},
        "when": "2024-01-02T03:04:05Z",
        "tags": ["text"],
    }
    assert found["other_branches"]["owner"] is None
    assert found["nulls"] == {"id": 7, "state": "closed", "owner": None}


def test_all_of_members_are_merged() -> None:
    schema = {
        "type": "object",
        "required": ["issue"],
        "properties": {
            "issue": {
                "allOf": [
                    {"$ref": "#/definitions/Issue"},
                    {
                        "type": "object",
                        "required": ["state", "closed_at"],
                        "properties": {"state": {"enum": ["closed"]}, "closed_at": {"type": "string"}},
                    },
                ]
            }
        },
        "definitions": {
            "Issue": {
                "type": "object",
                "required": ["id", "removed"],
                "properties": {
                    "id": {"type": "integer"},
                    "state": {"enum": ["open", "closed"]},
                    "closed_at": {"type": ["null", "string"]},
                    "removed": {"type": "array", "items": {"type": "integer"}, "maxItems": 0},
                },
                "additionalProperties": False,
            }
        },
    }
    instance = {"issue": {"id": 7, "removed": [], "state": "closed", "closed_at": "text"}}
    assert dict(valid_instances(schema))["minimal"] == instance


def test_invalid_and_repeated_instances_are_dropped() -> None:
    # Both branches match every string: oneOf fails, so no instance is valid.
    assert list(valid_instances({"oneOf": [{"type": "string"}, {"type": "string"}]})) == []
    assert [name for name, _ in valid_instances({"type": "integer"})] == ["minimal"]
