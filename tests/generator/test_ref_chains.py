"""Long chains of definitions: the generator is bounded by the schema, not by Python's recursion limit.

A chain of definitions that are only a ``$ref`` is followed in a loop, any length;
real nesting (``allOf: [{$ref: next}]``) runs on a deep stack and is refused with
a located error beyond the documented depth, never with a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from generator_support import GENERATOR, run

from bc_events import EventClient
from bc_events.errors import TopicDefinitionError
from bc_events.generator import depth, generate

END = {"type": "object", "properties": {"x": {"type": "integer"}}}


def _schema(kind: str, links: int) -> dict[str, Any]:
    """A root whose property ``a`` reaches ``END`` through ``links`` definitions (or levels)."""
    if kind == "nested":
        inner: dict[str, Any] = END
        for _ in range(links):
            inner = {"type": "object", "properties": {"p": inner}}
        return {"type": "object", "properties": {"a": inner}}
    if kind == "ref":
        chain = {f"d{i}": {"$ref": f"#/definitions/d{i + 1}"} for i in range(links)}
    else:
        chain = {f"d{i}": {"allOf": [{"$ref": f"#/definitions/d{i + 1}"}]} for i in range(links)}
    return {
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/d0"}},
        "definitions": {**chain, f"d{links}": END},
    }


def _write(directory: Path, schema: dict[str, Any], name: str) -> Path:
    document = {
        "DefaultCategory": "testing",
        "Topics": [{"Action": "Created", "Entity": "Test", "Schema": schema}],
    }
    path = directory / f"{name}.yaml"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


CHAINS = [("ref", 300), ("ref", 1000), ("allof", 300), ("allof", 1000)]


def test_chains_generate_modules_that_mypy_strict_accepts(tmp_path: Path) -> None:
    """generate() and the real bc-events-gen agree; the chain collapses to the target's type."""
    uses = []
    for kind, links in CHAINS:
        name = f"{kind}{links}"
        topics = _write(tmp_path, _schema(kind, links), name)
        module = generate(str(topics), warn=lambda _: None)
        process = run(GENERATOR, topics, "-o", tmp_path / f"{name}_gen.py", "--no-cache")
        assert process.returncode == 0, process.stderr
        assert (tmp_path / f"{name}_gen.py").read_text(encoding="utf-8") == module
        assert "class D" + str(links) + "(TypedDict):" in module
        assert "    a: NotRequired[D" + str(links) + "]" in module
        uses.append(
            f"from {name}_gen import TestCreatedData as {name.capitalize()}\n"
            f"good_{name}: {name.capitalize()} = {{'a': {{'x': 1}}}}\n"
            f"bad_{name}: {name.capitalize()} = {{'a': {{'x': 'one'}}}}  # E: wrong type\n"
        )
    (tmp_path / "use.py").write_text("".join(uses), encoding="utf-8")
    checked = run(sys.executable, "-m", "mypy", "--strict", "--no-incremental", "use.py", cwd=tmp_path)
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["3", "6", "9", "12"], checked.stdout
    assert all("use.py" in line for line in errors), checked.stdout


def test_the_runtime_accepts_what_the_chains_type(tmp_path: Path) -> None:
    for kind, links in CHAINS:
        validator = EventClient(None, "S", _write(tmp_path, _schema(kind, links), f"{kind}{links}"))
        validator.validator("testing.TestCreated").validate({"a": {"x": 1}})


def test_an_allof_chain_beyond_the_depth_limit_is_refused_with_its_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real limit (``depth.FRAMES``) is about 14,000 levels; lowered here so the test stays quick."""
    monkeypatch.setattr(depth, "FRAMES", 3_000)
    topics = _write(tmp_path, _schema("allof", 1000), "deep")
    expected = f"{topics}:7: topic testing.TestCreated: Schema: {depth.NESTING_ADVICE}"
    with pytest.raises(TopicDefinitionError) as raised:
        generate(str(topics), warn=lambda _: None)
    assert str(raised.value) == expected
    assert sys.getrecursionlimit() < 3_000  # given back once the deep thread is done
    monkeypatch.undo()
    assert "class D1000(TypedDict):" in generate(str(topics), warn=lambda _: None)


def test_properties_nested_300_deep_are_refused_as_the_runtime_refuses_them(tmp_path: Path) -> None:
    topics = _write(tmp_path, _schema("nested", 300), "nested")
    expected = (
        f"{topics}:7: topic testing.TestCreated: Schema is not a valid JSON Schema: Recursion limit reached"
    )
    with pytest.raises(TopicDefinitionError) as runtime:
        EventClient(None, "S", topics)
    with pytest.raises(TopicDefinitionError) as generator:
        generate(str(topics), warn=lambda _: None)
    assert str(runtime.value) == str(generator.value) == expected
    process = run(GENERATOR, topics, "--no-cache")
    assert (process.returncode, "Traceback" in process.stderr) == (2, False)
    assert expected in process.stderr


def test_properties_nested_as_deep_as_the_runtime_allows_generate(tmp_path: Path) -> None:
    topics = _write(tmp_path, _schema("nested", 120), "nested")
    EventClient(None, "S", topics)
    assert "class TestCreatedData(TypedDict):" in generate(str(topics), warn=lambda _: None)


def test_a_cycle_of_bare_references_is_still_converted_as_a_recursion(tmp_path: Path) -> None:
    """Following links in a loop stops where the chain comes back: the old reading, unchanged."""
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/b"}, "n": {"$ref": "#/definitions/node"}},
        "definitions": {
            "b": {"$ref": "#/definitions/c"},
            "c": {"$ref": "#/definitions/node"},
            "node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/b"}}},
        },
    }
    module = generate(str(_write(tmp_path, schema, "cycle")), warn=lambda _: None)
    assert "class Node(TypedDict):" in module
    assert "    next: NotRequired[Node]" in module
    assert "    a: NotRequired[Node]" in module
