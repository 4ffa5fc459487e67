"""Mutated valid topic files: never a traceback, exit 0 or 2, and a failure leaves the output untouched.

The CLI runs in-process (click's runner) to keep hundreds of runs fast; the
table of bad inputs (test_bad_inputs.py) runs the real console script.
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bc_events.generator.cli import main

VALID = """
DefaultCategory: testing
Topics:
  - Action: Created
    Entity: Policy
    Description: A policy was created.
    Schema:
      type: object
      required: [id, status]
      additionalProperties: false
      properties:
        id: {type: string}
        status: {type: string, enum: [draft, active]}
        holder: {$ref: '#/definitions/Person'}
        tags: {type: array, items: {type: string}}
        limit: {anyOf: [{type: integer}, {type: 'null'}]}
        extra: {type: object, patternProperties: {'^x-': {type: integer}}}
      definitions:
        Person:
          type: object
          required: [name]
          properties:
            name: {type: string}
            kind: {enum: [person, company, null]}
  - Action: Cancelled
    Entity: Policy
    Category: billing
    Schema:
      allOf:
        - {type: object, properties: {id: {type: string}}, required: [id]}
        - properties:
            reason: {oneOf: [{const: fraud}, {type: object, properties: {text: {type: string}}}]}
"""

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["", "object", "string", "NO", "#/definitions/Person", "Created", "x" * 5, "^x-"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["type", "properties", "items", "required", "$ref", "enum", "allOf", "a"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _places(node: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) below ``node``, parents first."""
    stack = [node]
    while stack:
        current = stack.pop()
        keys = (
            list(current)
            if isinstance(current, dict)
            else range(len(current))
            if isinstance(current, list)
            else []
        )
        for key in keys:
            found.append((current, key))
            stack.append(current[key])
    return found


def _contains(node: Any, target: Any) -> bool:
    return any(container is target for container, _ in _places(node, [(node, None)]))


def _mutate(document: Any, data: st.DataObject) -> Any:
    for _ in range(data.draw(st.integers(1, 3))):
        places = _places(document, [])
        if not places:
            break
        container, key = data.draw(st.sampled_from(places))
        kind = data.draw(st.sampled_from(["delete", "duplicate", "retype", "swap", "nest", "alias"]))
        if kind == "delete":
            del container[key]
        elif kind == "duplicate":
            if isinstance(container, dict):
                container[f"{key}2"] = copy.deepcopy(container[key])
            else:
                container.append(copy.deepcopy(container[key]))
        elif kind == "retype":
            container[key] = data.draw(VALUES)
        elif kind == "swap":
            other, other_key = data.draw(st.sampled_from(places))
            if not _contains(container[key], other) and not _contains(other[other_key], container):
                container[key], other[other_key] = other[other_key], container[key]
        elif kind == "nest":
            value = container[key]
            for _ in range(data.draw(st.integers(1, 60))):
                value = {"type": "object", "properties": {"a": value}}
            container[key] = value
        else:  # the same node in a second place: an anchor and an alias in the YAML (never a cycle)
            source, source_key = data.draw(st.sampled_from(places))
            if not _contains(source[source_key], container):
                container[key] = source[source_key]
    return document


def _mutate_text(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(True)
    index = data.draw(st.integers(0, len(lines) - 1))
    kind = data.draw(st.sampled_from(["duplicate line", "delete line", "tab", "truncate", "none"]))
    if kind == "duplicate line":
        lines.insert(index, lines[index])
    elif kind == "delete line":
        del lines[index]
    elif kind == "tab":
        lines[index] = "\t" + lines[index]
    elif kind == "truncate":
        lines = [*lines[:index], lines[index][: len(lines[index]) // 2]]
    return "".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_topic_files_never_crash_or_clobber(data: st.DataObject) -> None:
    document = _mutate(yaml.safe_load(VALID), data)
    text = _mutate_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), data)
    with tempfile.TemporaryDirectory() as directory:
        topics, output = Path(directory, "topics.yaml"), Path(directory, "events_gen.py")
        topics.write_text(text, encoding="utf-8")
        output.write_bytes(b"old\n")
        inode = output.stat().st_ino
        result = CliRunner().invoke(main, [str(topics), "-o", str(output)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code in (0, 2), result.output
        event(f"exit {result.exit_code}")
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert output.read_bytes() == b"old\n"
            assert output.stat().st_ino == inode
            assert sorted(os.listdir(directory)) == ["events_gen.py", "topics.yaml"]  # no temporary left
