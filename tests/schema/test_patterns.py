"""ECMA-262 patterns: Annex B forms translated so the validator reads them as JavaScript does."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from bc_events.schema.dialects import DRAFT7, DRAFT2020
from bc_events.schema.patterns import translate, translate_schema
from bc_events.schema.valid import compile_topic_schema
from tests.schema.suite import groups, suite_or_skip

# (pattern as written, its translation, strings it matches, strings it does not)
CASES = [
    (r"^\${{.*}}$", r"^\$\{\{.*\}\}$", ["${{ secrets.X }}"], ["$x", "${x}"]),
    (
        r"^{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}}?$",
        r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}\}?$",
        ["{0123abcd-ef01}", "0123abcd-ef01"],
        ["0123"],
    ),
    (r"a{", r"a\{", ["a{"], ["a"]),
    (r"^a{,5}$", r"^a\{,5\}$", ["a{,5}"], ["aaa"]),  # no quantifier in ECMA-262 (one in Rust)
    (r"^x{2,}$", r"^x{2,}$", ["xxx"], ["x"]),
    (r"^]}$", r"^\]\}$", ["]}"], []),
    (r"^[\d-z]+$", r"^[\d\-z]+$", ["1-z"], ["y"]),
    (r"^[[]$", r"^[\[]$", ["["], ["]"]),
    (r"^\0$", r"^\x00$", ["\0"], ["0"]),
    (r"^\101\8$", r"^\x418$", ["A8"], []),  # a legacy octal escape; \8 is the digit
    (r"^(a)\1$", r"^(a)\1$", ["aa"], ["ab"]),  # a backreference stays one
    (r"^(?<n>a)\k<n>$", r"^(?<n>a)\1$", ["aa"], ["ab"]),
    (r"^[^]$", r"^[\s\S]$", ["\n"], ["ab"]),
    (r"[]", r"(?!)", [], ["", "a"]),
    (r"^\c1$", r"^\\c1$", ["\\c1"], []),
    (r"^\p{L}+$", r"^\p{L}+$", ["é"], ["1"]),  # the braces of \p{...} are its own
    (r"^\d+$", r"^\d+$", ["12"], ["x"]),
]


@pytest.mark.parametrize(("pattern", "translated", "matching", "other"), CASES, ids=[c[0] for c in CASES])
def test_translation(pattern: str, translated: str, matching: list[str], other: list[str]) -> None:
    assert translate(pattern) == translated
    validator = jsonschema_rs.Draft7Validator({"pattern": translated})
    assert [validator.is_valid(s) for s in matching] == [True] * len(matching)
    assert [validator.is_valid(s) for s in other] == [False] * len(other)


def test_a_pattern_without_annex_b_forms_is_returned_as_it_is() -> None:
    pattern = r"^[a-z]+(?:-[a-z]+)*\.json$"
    assert translate(pattern) is pattern


def test_translate_schema_touches_patterns_in_schema_positions_only() -> None:
    schema = {
        "properties": {"pattern": {"type": "string", "pattern": "^{x}$"}},
        "patternProperties": {"^{a}$": {"type": "integer"}},
        "enum": [{"pattern": "^{x}$"}],
    }
    translated = translate_schema(schema, DRAFT7)
    assert translated == {
        "properties": {"pattern": {"type": "string", "pattern": r"^\{x\}$"}},
        "patternProperties": {r"^\{a\}$": {"type": "integer"}},
        "enum": [{"pattern": "^{x}$"}],
    }
    assert schema["properties"]["pattern"]["pattern"] == "^{x}$"  # never changed in place
    assert translate_schema({"pattern": "^a$"}) == {"pattern": "^a$"}


def test_a_topic_schema_with_literal_braces_compiles_and_validates() -> None:
    validator = compile_topic_schema(
        {"type": "object", "properties": {"expr": {"type": "string", "pattern": r"^\${{.*}}$"}}}
    )
    assert validator.is_valid({"expr": "${{ github.sha }}"})
    assert not validator.is_valid({"expr": "plain"})


@pytest.mark.parametrize("dialect", [DRAFT7, DRAFT2020], ids=str)
def test_the_suites_ecmascript_regex_tests_still_pass_once_translated(dialect: object) -> None:
    suite_or_skip()
    wrong = []
    for group in groups(dialect):  # type: ignore[arg-type]
        if group.file != "optional/ecmascript-regex.json":
            continue
        schema = translate_schema(group.schema)
        validator = jsonschema_rs.validator_for(schema, validate_formats=True)
        for data, valid in group.tests:
            if validator.is_valid(data) != valid:
                wrong.append(f"{group.description}: {json.dumps(data)}")
    assert not wrong, "\n".join(wrong)
