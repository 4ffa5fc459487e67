"""Helpers for the compatibility tests: topic definitions from schemas, runtime validation, drawing."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from bc_events.compat import Finding, compare
from bc_events.topics import TopicDefinitions, load_topic_definitions

DRAWN = 12


def definitions(*schemas: dict[str, Any], source: str = "<mapping>") -> TopicDefinitions:
    """One topic ``testing.TestCreated`` (then ``TestN``...) per schema."""
    topics = [
        {"Entity": "Test" if i == 0 else f"Test{'x' * i}", "Action": "Created", "Schema": schema}
        for i, schema in enumerate(schemas)
    ]
    return load_topic_definitions({"DefaultCategory": "testing", "Topics": topics})


def findings(old: dict[str, Any], new: dict[str, Any], mode: str = "full") -> list[Finding]:
    return compare(definitions(old), definitions(new), mode)


def verdict(found: list[Finding], direction: str) -> str:
    """``ok``, ``break`` (a decided finding) or ``undecided`` (only undecided findings)."""
    mine = [f for f in found if f.breaks == direction]
    if not mine:
        return "ok"
    return "break" if any(f.undecided is None for f in mine) else "undecided"


def valid(schema: dict[str, Any], payload: Any) -> bool:
    """As the runtime validates: draft 7, formats not asserted."""
    return bool(jsonschema_rs.Draft7Validator(schema, validate_formats=False).is_valid(payload))


def drawn(schema: dict[str, Any], count: int = DRAWN) -> list[Any]:
    """Instances of ``schema`` drawn by hypothesis-jsonschema (reproducibly)."""
    values: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(schema))
    def collect(value: Any) -> None:
        values.append(value)

    collect()
    return values
