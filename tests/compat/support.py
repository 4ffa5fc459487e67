"""Helpers for the compatibility tests: topic definitions from schemas, runtime validation, drawing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from bc_events.compat import Finding, compare
from bc_events.schema.dialects import dialect_of, validator_class
from bc_events.schema.valid import as_validated
from bc_events.topics import Topic, TopicDefinitions

DRAWN = 12


def definitions(*schemas: dict[str, Any], source: str = "<mapping>") -> TopicDefinitions:
    """One topic ``testing.TestCreated`` (then ``TestN``...) per schema.

    Made by hand, not loaded: the comparison is tested on schemas of every
    type, though a topic file's schema must admit objects.
    """
    topics = tuple(
        Topic("testing", "Test" if i == 0 else f"Test{'x' * i}", "Created", schema)
        for i, schema in enumerate(schemas)
    )
    return TopicDefinitions("testing", topics, source)


def findings(old: dict[str, Any], new: dict[str, Any], mode: str = "full") -> list[Finding]:
    return compare(definitions(old), definitions(new), mode)


def verdict(found: list[Finding], direction: str) -> str:
    """``ok``, ``break`` (a decided finding) or ``undecided`` (only undecided findings)."""
    mine = [f for f in found if f.breaks == direction]
    if not mine:
        return "ok"
    return "break" if any(f.undecided is None for f in mine) else "undecided"


def valid(schema: dict[str, Any], payload: Any) -> bool:
    """As the runtime validates: in the schema's draft (7 if none), formats not asserted."""
    dialect = dialect_of(schema)
    validator = validator_class(dialect)(as_validated(schema, dialect), validate_formats=False)
    return bool(validator.is_valid(payload))


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
