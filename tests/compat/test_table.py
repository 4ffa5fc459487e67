"""The table of schema changes: each verdict, and each verdict checked against the schemas' meaning.

Compatible directions are checked by drawing instances from the one schema
(hypothesis-jsonschema) and validating them under the other with jsonschema-rs,
as the runtime does; breaking ones by their witness payload, valid under the
one and invalid under the other.
"""

from __future__ import annotations

import pytest

from .cases import CASES, NO_WITNESS, Case
from .support import drawn, findings, valid, verdict

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
        instances = drawn(source) if case.drawable else [s for s in case.samples if valid(source, s)]
        assert instances
        rejected = [instance for instance in instances if not valid(target, instance)]
        assert not rejected, f"{direction}: compatible, yet these are rejected: {rejected[:3]!r}"


def test_findings_name_the_path_and_the_change() -> None:
    old = {"type": "object", "properties": {"a": {"type": "array", "items": {"enum": ["x", "y"]}}}}
    new = {"type": "object", "properties": {"a": {"type": "array", "items": {"enum": ["x"]}}}}
    (finding,) = findings(old, new)
    assert str(finding) == '<mapping>: topic testing.TestCreated: $.a[*]: value "y" removed (breaks backward)'
    (finding,) = findings(new, old)
    assert str(finding) == '<mapping>: topic testing.TestCreated: $.a[*]: value "y" added (breaks forward)'


def test_undecided_findings_name_the_keyword() -> None:
    (finding,) = findings(
        {"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"}, "backward"
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
