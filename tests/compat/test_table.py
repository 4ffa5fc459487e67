"""The table of schema changes: each verdict, and each verdict checked against the schemas' meaning.

Compatible directions are checked by drawing instances from the one schema
(hypothesis-jsonschema) and validating them under the other with jsonschema-rs,
as the runtime does; breaking ones by their witness payload, valid under the
one and invalid under the other.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema_rs
import pytest

from bc_events.schema.dialects import DIALECTS, Dialect

from .cases import CASES, NO_WITNESS, Case, v
from .support import drawn, findings, valid, verdict


@functools.cache
def _drawn(text: str) -> tuple[Any, ...]:
    return tuple(drawn(json.loads(text)))


def drawn_once(schema: dict[str, Any]) -> tuple[Any, ...]:
    """``drawn``, cached: each schema is drawn from once for all five drafts."""
    return _drawn(json.dumps(schema, sort_keys=True))


IDS = [case.name for case in CASES]


def test_the_table_is_large_enough_and_names_are_unique() -> None:
    assert len(CASES) >= 60
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_verdicts(case: Case) -> None:
    found = findings(case.old, case.new)
    assert (verdict(found, "backward"), verdict(found, "forward")) == (case.backward, case.forward), [
        str(f) for f in found
    ]
    for mode, direction in (("backward", "backward"), ("forward", "forward")):
        only = findings(case.old, case.new, mode)
        assert {f.breaks for f in only} <= {direction}
        assert verdict(only, direction) == getattr(case, direction)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_verdicts_hold_for_payloads(case: Case) -> None:
    for direction, source, target, witness in (
        ("backward", case.old, case.new, case.backward_witness),
        ("forward", case.new, case.old, case.forward_witness),
    ):
        expected = getattr(case, direction)
        if witness is not NO_WITNESS:
            assert expected != "ok", f"{direction}: a witness for a compatible pair"
            assert valid(source, witness), f"{direction}: witness {witness!r} is not valid under its source"
            assert not valid(target, witness), f"{direction}: witness {witness!r} is valid under the target"
            continue
        assert expected != "break", f"{direction}: a breaking verdict needs a witness"
        as_payload = source if "type" in source else {**source, "type": "object"}  # payloads are objects
        drawn_or_given = drawn(as_payload) if case.drawable else [s for s in case.samples if valid(source, s)]
        instances = [i for i in drawn_or_given if isinstance(i, dict)]  # every payload is an object
        assert instances
        rejected = [instance for instance in instances if not valid(target, instance)]
        assert not rejected, f"{direction}: compatible, yet these are rejected: {rejected[:3]!r}"


def _compiles(schema: dict[str, Any]) -> bool:
    try:
        valid(schema, {})
    except (ValueError, jsonschema_rs.ValidationError):
        return False
    return True


def _in_draft(schema: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    return {**schema, "$schema": dialect.uri}


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
def test_compatible_verdicts_hold_for_payloads_in_every_draft(dialect: Dialect) -> None:
    """Each pair read in each draft: where compat says compatible, the draft's validator agrees."""
    checked, wrong = 0, []
    for case in CASES:
        if not case.drawable or "$schema" in case.old or "$schema" in case.new:
            continue
        old, new = _in_draft(case.old, dialect), _in_draft(case.new, dialect)
        if not (_compiles(old) and _compiles(new)):
            continue  # e.g. draft 4 wants a non-empty required
        found = findings(old, new)
        for direction, source, target, plain in (
            ("backward", old, new, case.old),
            ("forward", new, old, case.new),
        ):
            if verdict(found, direction) != "ok":
                continue
            as_payload = plain if "type" in plain else {**plain, "type": "object"}  # payloads are objects
            instances = [i for i in drawn_once(as_payload) if isinstance(i, dict) and valid(source, i)]
            checked += len(instances)
            wrong += [f"{case.name} ({direction}): {i!r}" for i in instances if not valid(target, i)]
    assert checked > 100
    assert not wrong, "\n".join(wrong[:10])


def test_findings_name_the_path_and_the_change() -> None:
    old = {"type": "object", "properties": {"a": {"type": "array", "items": {"enum": ["x", "y"]}}}}
    new = {"type": "object", "properties": {"a": {"type": "array", "items": {"enum": ["x"]}}}}
    (finding,) = findings(old, new)
    assert str(finding) == '<mapping>: topic testing.TestCreated: $.a[*]: value "y" removed (breaks backward)'
    (finding,) = findings(new, old)
    assert str(finding) == '<mapping>: topic testing.TestCreated: $.a[*]: value "y" added (breaks forward)'


def test_undecided_findings_name_the_keyword() -> None:
    (finding,) = findings(
        v({"type": "string", "pattern": "^a"}), v({"type": "string", "pattern": "^b"}), "backward"
    )
    assert finding.undecided == "pattern"
    assert "cannot prove compatible: 'pattern'" in finding.change


def test_paths_quote_names_that_are_not_identifiers() -> None:
    old = {
        "type": "object",
        "properties": {"a b": {"type": "object", "properties": {"c": {"type": "string"}}}},
    }
    new = {
        "type": "object",
        "properties": {"a b": {"type": "object", "properties": {"c": {"type": "integer"}}}},
    }
    assert [f.path for f in findings(old, new)] == ['$["a b"].c', '$["a b"].c']
