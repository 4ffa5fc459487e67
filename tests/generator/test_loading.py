"""The generator shares the runtime's loader: the same problems, as one line and exit 2, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from generator_support import GENERATOR, run

HEAD = "DefaultCategory: testing\nTopics:\n  - Action: Created\n    Entity: Test\n"


def bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]" for level in range(1, levels)]
    return (
        HEAD
        + "    Schema:\n      type: object\n      definitions:\n"
        + "".join(f"        {x}\n" for x in lines)
    )


CASES = {
    "recursive alias": (
        HEAD + "    Schema: &s {type: object, properties: {self: *s}}\n",
        5,
        "recursive YAML alias: it refers to the node at line 5, which contains it",
    ),
    "recursive alias, full loader": (
        HEAD.replace("testing", "!!str testing", 1)
        + "    Schema: &s {type: object, properties: {self: *s}}\n",
        5,
        "recursive YAML alias: it refers to the node at line 5, which contains it",
    ),
    "billion laughs": (bomb(9), 13, "YAML aliases expand the definitions by more than 1,000,000 nodes"),
    "ten million laughs": (bomb(7), 13, "YAML aliases expand the definitions by more than 1,000,000 nodes"),
    "duplicate DefaultCategory": (
        "DefaultCategory: testing\n" + HEAD + "    Schema: {}\n",
        2,
        "duplicate key 'DefaultCategory' at lines 1 and 2",
    ),
    "duplicate Action": (
        HEAD + "    Action: Deleted\n    Schema: {}\n",
        5,
        "duplicate key 'Action' at lines 3 and 5",
    ),
    "duplicate property": (
        HEAD + "    Schema:\n      properties:\n        a: {type: string}\n        a: {type: integer}\n",
        8,
        "duplicate key 'a' at lines 7 and 8",
    ),
    "unknown $schema": (
        HEAD + "    Schema:\n      type: object\n      $schema: http://example.invalid/meta\n",
        7,
        "unknown $schema 'http://example.invalid/meta'",
    ),
    "key read as a boolean": (
        HEAD + "    Schema:\n      type: object\n      properties:\n        yes: {}\n",
        8,
        "the key yes is read by YAML as True, not a string; quote it: 'yes'",
    ),
    "invalid schema node": (
        HEAD + "    Schema:\n      type: object\n      properties:\n        a:\n          type: strin\n",
        9,
        "Schema is not a valid JSON Schema",
    ),
    "unknown $ref": (
        HEAD
        + "    Schema:\n      type: object\n      properties:\n        a: {}\n        b: {$ref: '#/nope'}\n",
        9,
        "Schema/properties/b: unknown $ref '#/nope'",
    ),
}


def one_error_line(tmp_path: Path, text: str) -> tuple[Path, str]:
    """Run the generator on ``text``; assert exit 2, nothing written, one line without a traceback."""
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    output = tmp_path / "events_gen.py"
    output.write_text("# keep me\n", encoding="utf-8")
    result = run(GENERATOR, path, "-o", output)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert output.read_text(encoding="utf-8") == "# keep me\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return path, lines[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_yaml_exits_2_with_one_line_naming_the_node(tmp_path: Path, case: str) -> None:
    text, line, problem = CASES[case]
    path, message = one_error_line(tmp_path, text)
    topic = "" if case == "duplicate DefaultCategory" else " topic testing.TestCreated:"
    if case == "duplicate Action":
        topic = " topic testing.TestDeleted:"
    assert message.startswith(f"bc-events-gen: {path}:{line}:{topic} "), message
    assert problem in message


@pytest.mark.parametrize("keyword", ["$schema", "$ref"])
def test_generation_never_fetches(tmp_path: Path, schema_server: tuple[str, list[str]], keyword: str) -> None:
    url, requests = schema_server
    node = (
        f"$schema: '{url}/meta'" if keyword == "$schema" else f"properties: {{a: {{$ref: '{url}/a.json'}}}}"
    )
    path, message = one_error_line(tmp_path, HEAD + f"    Schema: {{type: object, {node}}}\n")
    assert message.startswith(f"bc-events-gen: {path}:5: topic testing.TestCreated: "), message
    assert url in message
    assert requests == []


NORWAY = HEAD + (
    "    Schema:\n"
    "      type: object\n"
    "      properties:\n"
    "        country: {type: string, enum: [SE, NO, DK, FI]}\n"
    "        version: {type: string, enum: ['1.0', 1.10]}\n"
)


def test_string_enum_values_yaml_reads_otherwise_are_warned_about_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(NORWAY, encoding="utf-8")
    result = run(GENERATOR, path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "is read by YAML" in line]
    assert warnings == [
        f"{path}:8: topic testing.TestCreated: warning: enum value NO of a string schema is read by YAML"
        " as the boolean false, not the string 'NO'; quote it: 'NO'",
        f"{path}:9: topic testing.TestCreated: warning: enum value 1.10 of a string schema is read by YAML"
        " as the number 1.1, not the string '1.10'; quote it: '1.10'",
    ]
    quoted = NORWAY.replace("NO,", "'NO',").replace("1.10", "'1.10'")
    path.write_text(quoted, encoding="utf-8")
    assert "is read by YAML" not in run(GENERATOR, path).stderr


def test_a_generator_warning_names_the_line_of_its_schema_node(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    schema = "    Schema:\n      type: object\n      properties:\n        a: {type: string}\n        b:\n"
    path.write_text(HEAD + schema + "          not: {type: string}\n", encoding="utf-8")
    result = run(GENERATOR, path)
    assert result.returncode == 0, result.stderr
    [warning] = result.stderr.splitlines()
    expected = f"{path}:9: topic testing.TestCreated: warning: Schema/properties/b: not "
    assert warning.startswith(expected), warning
