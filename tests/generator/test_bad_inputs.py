"""Every input gets exit 0 or one clear line per problem, and a failure never touches the output.

The cases live in ``bad_inputs/`` (one topic file each, named after the case);
the few that are too big or too odd to keep as files are made here.  Each runs
the real ``bc-events-gen`` console script.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from generator_support import GENERATOR

CASES_DIR = Path(__file__).parent / "bad_inputs"


@dataclass(frozen=True)
class Case:
    file: str
    code: int
    topic_line: int | None = None
    """First line of the topic at fault (``None``: the file as a whole is).

    Every problem names a line from there on: the topic's own, or that of the
    node in its schema at fault.
    """
    says: str = ""
    args: tuple[str, ...] = ()
    stdin: str | None = None
    """A file of ``bad_inputs/`` fed to stdin (the input is then ``-``)."""


CASES = {
    "good": Case("good.yaml", 0),
    "crlf_input": Case("crlf_input.yaml", 0),
    "yaml_syntax": Case("yaml_syntax.yaml", 2, 3, "invalid YAML"),
    "tabs": Case("tabs.yaml", 2, 3, "invalid YAML"),
    "schema_missing": Case("schema_missing.yaml", 2, 3, "missing required key 'Schema'"),
    "schema_not_mapping": Case("schema_not_mapping.yaml", 2, 3, "Schema must be a mapping"),
    "schema_not_object": Case("schema_not_object.yaml", 2, 3, "Schema type must be object"),
    "non_string_key": Case("non_string_key.yaml", 2, 3, "not a string"),
    "bad_action": Case("bad_action.yaml", 2, 3, "Action must match"),
    "bad_entity": Case("bad_entity.yaml", 2, 3, "Entity must match"),
    "bad_category": Case("bad_category.yaml", 2, 3, "Category must match"),
    "duplicate_topics": Case("duplicate_topics.yaml", 2, 6, "duplicate topic"),
    "unknown_ref": Case("unknown_ref.yaml", 2, 3, "unknown $ref '#/definitions/Nope'"),
    "external_ref": Case("external_ref.yaml", 2, 3, "unknown $ref 'http://127.0.0.1:1/"),
    "file_ref": Case("file_ref.yaml", 2, 3, "unknown $ref 'file:///etc/passwd'"),
    "custom_schema_url": Case("custom_schema_url.yaml", 2, 3, "http://127.0.0.1:1/my-draft"),
    "allof_conflict": Case("allof_conflict.yaml", 2, 3, "conflicting types"),
    "non_utf8": Case("non_utf8.yaml", 2, None, "not UTF-8"),
    "utf16": Case("utf16.yaml", 2, None, "not UTF-8"),
    "empty": Case("empty.yaml", 2, None, "empty"),
    "directory_input": Case("directory_input", 2, None, "Is a directory"),
    "missing_file": Case("no_such_file.yaml", 2, None, "No such file"),
    "unsatisfiable_required": Case("unsatisfiable_required.yaml", 2, 3, "required key 'ghost' can never"),
    "required_by_pattern": Case("required_by_pattern.yaml", 0),
    "keyword_definitions": Case("keyword_definitions.yaml", 0),
    "non_ascii_names": Case("non_ascii_names.yaml", 0),
    "number_in_string_enum": Case("number_in_string_enum.yaml", 0),
    "widened_type_strict": Case(
        "required_by_pattern.yaml", 2, 3, "error: Schema: properties next to", ("--strict",)
    ),
    "client_class_keyword": Case("good.yaml", 2, says="--client-class", args=("--client-class", "None")),
    "session_class_payload_type": Case(
        "good.yaml", 2, says="--session-class", args=("--session-class", "TestCreatedData")
    ),
    "stdin": Case("-", 0, stdin="good.yaml"),
    "stdin_bad": Case("-", 2, 3, "Action must match", stdin="bad_action.yaml"),
    "stdin_not_utf8": Case("-", 2, None, "not UTF-8", stdin="non_utf8.yaml"),
    "deep_120": Case("deep_120.yaml", 0),
    # The runtime's validator refuses schemas 128 or more levels deep at start-up: so does the generator.
    "deep_250": Case("deep_250.yaml", 2, 3, "Recursion limit reached"),
    "deep_330": Case("deep_330.yaml", 2, 3, "Recursion limit reached"),
    "deep_490": Case("deep_490.yaml", 2, 3, "Recursion limit reached"),  # nearly YAML's flow-style limit
    "deep_1000": Case("deep_1000.yaml", 2, 3, "nesting depth"),
    # Reported by the topic-file loader (shared with the runtime):
    "recursive_alias": Case("recursive_alias.yaml", 2, 3),
    "duplicate_keys": Case("duplicate_keys.yaml", 2, 3, "Action"),
    "norway_strict": Case("norway.yaml", 2, 3, "'NO'", ("--strict",)),
    "number_in_string_enum_strict": Case("number_in_string_enum.yaml", 2, 3, "1.10", ("--strict",)),
}


def _deep(levels: int) -> str:
    """A topic whose schema nests ``levels`` objects, in flow style (YAML allows 1,000 levels)."""
    schema = "{type: string}"
    for _ in range(levels):
        schema = f"{{type: object, properties: {{a: {schema}}}}}"
    topic = f"  - Action: Created\n    Entity: Test\n    Schema:\n      {schema}\n"
    return f"DefaultCategory: testing\nTopics:\n{topic}"


def _input(case: Case, tmp_path: Path) -> str:
    match = re.fullmatch(r"deep_(\d+)\.yaml", case.file)
    if match:
        path = tmp_path / case.file
        path.write_text(_deep(int(match.group(1))), encoding="utf-8")
        return str(path)
    return case.file if case.file == "-" else str(CASES_DIR / case.file)


@pytest.mark.parametrize("name", CASES)
def test_every_input_gets_exit_0_or_one_line_per_problem(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    source = _input(case, tmp_path)
    output = tmp_path / "events_gen.py"
    output.write_text("old\n", encoding="utf-8")
    inode = output.stat().st_ino
    stdin = (CASES_DIR / case.stdin).read_bytes() if case.stdin else b""
    result = subprocess.run(
        [GENERATOR, source, "-o", str(output), *case.args],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    assert result.returncode == case.code, stderr
    if case.code == 0:
        assert "class EventClient" in output.read_text(encoding="utf-8")
        return
    assert output.read_bytes() == b"old\n"
    assert output.stat().st_ino == inode
    assert case.says in stderr
    if "Usage:" in stderr:  # a bad option: click's usage error, naming the option
        assert f"Invalid value for '{case.says}'" in stderr
        return
    name_in_messages = "<stdin>" if case.file == "-" else source
    for line in stderr.splitlines():
        if line.startswith(f"bc-events-gen: {name_in_messages}: ") and "(--strict)" in line:
            continue  # the closing summary of a --strict run
        match = re.match(rf"(?:bc-events-gen: )?{re.escape(name_in_messages)}(?::(\d+))?: ", line)
        assert match, line
        if case.topic_line is None:
            assert match.group(1) is None, line
        else:
            assert match.group(1) is not None, line
            assert int(match.group(1)) >= case.topic_line, line


def test_the_case_folder_and_the_table_agree() -> None:
    files = {case.file for case in CASES.values() if not case.file.startswith(("deep_", "no_such", "-"))}
    files |= {case.stdin for case in CASES.values() if case.stdin}
    assert files == set(os.listdir(CASES_DIR))


def _nested_arrays(levels: int) -> str:
    schema = "{}"
    for _ in range(levels):
        schema = "{type: array, items: " + schema + "}"
    return (
        "DefaultCategory: testing\nTopics:\n  - Action: Created\n    Entity: Thing\n"
        f"    Schema: {{type: object, properties: {{a: {schema}}}}}\n"
    )


def test_a_module_python_could_not_parse_is_not_written(tmp_path: Path) -> None:
    """Python's parser stops at 200 nested brackets: the generator says so instead of writing it."""
    topics, output = tmp_path / "topics.yaml", tmp_path / "events_gen.py"
    topics.write_text(_nested_arrays(200), encoding="utf-8")
    result = subprocess.run([GENERATOR, str(topics), "-o", str(output)], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "would not parse (too many nested parentheses)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()
    topics.write_text(_nested_arrays(150), encoding="utf-8")
    assert subprocess.run([GENERATOR, str(topics), "-o", str(output)], capture_output=True).returncode == 0


def test_a_schema_the_runtime_would_refuse_at_start_up_is_refused(tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    topics.write_text(
        "DefaultCategory: testing\nTopics:\n  - Action: Created\n    Entity: Thing\n    Schema:\n"
        "      $schema: 'https://json-schema.org/draft/2020-12/schema'\n"
        "      type: object\n      properties: {a: {$dynamicRef: '#meta'}}\n",
        encoding="utf-8",
    )
    result = subprocess.run([GENERATOR, str(topics), "-o", "-"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith(f"bc-events-gen: {topics}:5: topic testing.ThingCreated: ")
    assert "Anchor 'meta' does not exist" in result.stderr
