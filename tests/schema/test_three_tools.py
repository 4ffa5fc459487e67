"""The runtime, the generator and bc-events-compat accept and refuse the same topic files alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bc_events import EventClient
from bc_events.compat.cli import main as compat_main
from bc_events.errors import EventValidationError, TopicDefinitionError
from bc_events.generator import generate


def _write(directory: Path, schema: dict[str, Any], name: str = "topics.yaml") -> Path:
    document = {
        "DefaultCategory": "testing",
        "Topics": [{"Action": "Created", "Entity": "Test", "Schema": schema}],
    }
    path = directory / name
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def _compat(old: Path, new: Path) -> tuple[int, str]:
    result = CliRunner().invoke(compat_main, [str(old), str(new)])
    return result.exit_code, result.output


KEYWORD_NAMES = {
    "type": "object",
    "properties": {
        "$schema": {"type": "string"},
        "$id": {"$ref": "#/definitions/$ref"},
        "$ref": {"type": "string"},
        "$anchor": {"type": "string", "enum": [{"$schema": "data"}, "x"]},
    },
    "definitions": {"$ref": {"type": "integer"}, "$schema": {"type": "string"}},
    "required": ["$schema"],
}


def test_properties_named_like_keywords_load_in_all_three_tools(tmp_path: Path) -> None:
    path = _write(tmp_path, KEYWORD_NAMES)
    client = EventClient(None, "S", path)
    validator = client.validator("testing.TestCreated")
    validator.validate({"$schema": "https://example.com/s.json", "$id": 3, "$ref": "r"})
    with pytest.raises(EventValidationError, match=r"\$id"):
        validator.validate({"$schema": "s", "$id": "three"})
    assert "class " in generate(str(path), warn=lambda _: None)
    assert _compat(path, path) == (0, "compatible (full)\n")


def test_a_nested_unknown_schema_is_still_refused_where_it_is_a_keyword(tmp_path: Path) -> None:
    path = _write(tmp_path, {"type": "object", "properties": {"a": {"$schema": "http://example.com/x"}}})
    with pytest.raises(TopicDefinitionError, match=r"unknown \$schema 'http://example.com/x'"):
        EventClient(None, "S", path)


def test_a_schema_that_admits_no_object_is_refused_alike(tmp_path: Path) -> None:
    path = _write(tmp_path, {"type": "string"})
    expected = (
        f"{path}:8: topic testing.TestCreated: Schema type must be object (data is a mapping), got 'string'"
    )
    with pytest.raises(TopicDefinitionError) as runtime:
        EventClient(None, "S", path)
    with pytest.raises(TopicDefinitionError) as generator:
        generate(str(path))
    code, output = _compat(path, path)
    assert str(runtime.value) == str(generator.value) == expected
    assert (code, output) == (2, f"bc-events-compat: {expected}\n")


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"$ref": "#/definitions/s", "definitions": {"s": {"type": "array"}}}, "got 'array'"),
        ({"allOf": [{"type": ["string", "null"]}]}, "got ['string', 'null']"),
        ({"$ref": "#/definitions/o", "type": "string", "definitions": {"o": {}}}, None),  # draft 7 ignores it
        ({"items": {"type": "string"}, "prefixItems": []}, None),  # array keywords do not constrain objects
        ({"minimum": 5}, None),
    ],
)
def test_admitting_objects(tmp_path: Path, schema: dict[str, Any], problem: str | None) -> None:
    path = _write(tmp_path, schema)
    if problem is None:
        EventClient(None, "S", path)
        return
    with pytest.raises(TopicDefinitionError, match="Schema type must be object") as raised:
        EventClient(None, "S", path)
    assert problem in str(raised.value)


def test_a_pattern_with_literal_braces_loads_in_all_three_tools(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"run": {"type": "string", "pattern": r"^\${{.*}}$"}},
        "patternProperties": {"^{?[0-9A-Fa-f]{8}}?$": {"type": "integer"}},
    }
    path = _write(tmp_path, schema)
    validator = EventClient(None, "S", path).validator("testing.TestCreated")
    validator.validate({"run": "${{ inputs.x }}", "{0123abcd}": 1})
    with pytest.raises(EventValidationError):
        validator.validate({"run": "plain"})
    with pytest.raises(EventValidationError):
        validator.validate({"{0123abcd}": "one"})
    assert "class " in generate(str(path), warn=lambda _: None)
    assert _compat(path, path) == (0, "compatible (full)\n")


def _chain(length: int, end: dict[str, Any]) -> dict[str, Any]:
    links: dict[str, Any] = {f"d{i}": {"$ref": f"#/definitions/d{i + 1}"} for i in range(length)}
    return {
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/d0"}},
        "definitions": {**links, f"d{length}": end},
    }


def test_a_300_link_chain_works_in_all_three_tools(tmp_path: Path) -> None:
    old = _write(tmp_path, _chain(300, {"type": "integer"}), "old.yaml")
    new = _write(tmp_path, _chain(300, {"type": "string"}), "new.yaml")
    assert "    a: NotRequired[int]\n" in generate(str(old), warn=lambda _: None)
    assert "    a: NotRequired[str]\n" in generate(str(new), warn=lambda _: None)
    validator = EventClient(None, "S", old).validator("testing.TestCreated")
    validator.validate({"a": 1})
    with pytest.raises(EventValidationError):
        validator.validate({"a": "one"})
    assert _compat(old, old) == (0, "compatible (full)\n")
    code, output = _compat(old, new)
    assert code == 1
    assert "$.a: type integer removed (breaks backward)" in output


def test_an_anchored_definition_changed_is_breaking_in_compat(tmp_path: Path) -> None:
    def schema(kind: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"b": {"$ref": "#item"}},
            "definitions": {"item": {"$id": "#item", "type": kind}},
        }

    old, new = _write(tmp_path, schema("integer"), "old.yaml"), _write(tmp_path, schema("string"), "new.yaml")
    with pytest.raises(EventValidationError):
        EventClient(None, "S", new).validator("testing.TestCreated").validate({"b": 3})
    code, output = _compat(old, new)
    assert code == 1, output
    assert "$.b: type integer removed (breaks backward)" in output
