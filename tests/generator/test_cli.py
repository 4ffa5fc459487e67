"""``bc-events-gen`` as users run it: real processes, exit codes 0/1/2, atomic writes."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from generator_support import EXAMPLE, GENERATOR, run

GOOD = """
DefaultCategory: testing
Topics:
  - Action: Created
    Entity: Test
    Schema: {type: object, required: [id], properties: {id: {type: string}}}
"""


def test_stdout_is_the_default_output(topics_file: Callable[[str], Path]) -> None:
    result = run(GENERATOR, topics_file(GOOD))
    assert result.returncode == 0, result.stderr
    assert "class TestCreatedData(TypedDict):" in result.stdout
    assert run(GENERATOR, topics_file(GOOD), "-o", "-").stdout == result.stdout


def test_write_then_check(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    topics, output = topics_file(GOOD), tmp_path / "events_gen.py"
    assert run(GENERATOR, topics, "-o", output, "--check").returncode == 1  # missing
    assert not output.exists()
    assert run(GENERATOR, topics, "-o", output).returncode == 0
    assert run(GENERATOR, topics, "-o", output, "--check").returncode == 0
    topics.write_text(GOOD.replace("Created", "Deleted"), encoding="utf-8")
    stale = run(GENERATOR, topics, "-o", output, "--check")
    assert stale.returncode == 1
    summary, _, diff = stale.stdout.partition("\n---")
    assert summary.splitlines() == [
        f"{output} differs from what bc-events-gen generates:",
        "  topics added: testing.TestDeleted",
        "  topics removed: testing.TestCreated",
        "  declarations changed: EventSession, __all__",
        "  declarations added: TestDeletedData",
        "  declarations removed: TestCreatedData",
    ], stale.stdout
    assert "+class TestDeletedData(TypedDict):" in diff
    assert "is stale" in stale.stderr
    assert "TestCreatedData" in output.read_text(encoding="utf-8")  # --check wrote nothing


def test_writing_is_atomic_and_keeps_the_file_mode(
    topics_file: Callable[[str], Path], tmp_path: Path
) -> None:
    topics, output = topics_file(GOOD), tmp_path / "events_gen.py"
    output.write_text("old\n", encoding="utf-8")
    output.chmod(0o640)
    inode = output.stat().st_ino
    assert run(GENERATOR, topics, "-o", output).returncode == 0
    assert output.stat().st_ino != inode  # replaced by rename, never rewritten in place
    assert stat.S_IMODE(output.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["events_gen.py", "topics.yaml"]  # no temporary file left


def test_bad_input_leaves_the_output_untouched(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    output = tmp_path / "events_gen.py"
    output.write_text("old\n", encoding="utf-8")
    result = run(GENERATOR, topics_file("DefaultCategory: testing\nTopics: 3\n"), "-o", output)
    assert result.returncode == 2
    assert output.read_text(encoding="utf-8") == "old\n"


def test_help_and_version() -> None:
    help_text = run(GENERATOR, "--help")
    assert help_text.returncode == 0
    for option in ("--output", "--check", "--client-class", "--session-class", "--version"):
        assert option in help_text.stdout
    version = run(GENERATOR, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("bc-events-gen, version ")


def test_class_names_are_options(topics_file: Callable[[str], Path]) -> None:
    result = run(
        GENERATOR, topics_file(GOOD), "--client-class", "PolicyEvents", "--session-class", "PolicySession"
    )
    assert result.returncode == 0, result.stderr
    assert "class PolicyEvents(bc_events.EventClient):" in result.stdout
    assert "class PolicySession(bc_events.EventSession):" in result.stdout
    assert run(GENERATOR, topics_file(GOOD), "--client-class", "not valid").returncode == 2
    assert run(GENERATOR, topics_file(GOOD), "--client-class", "TestCreatedData").returncode == 2


TOPIC = "  - Action: {action}\n    Entity: {entity}\n    Schema: {schema}\n"


def _topics(*topics: tuple[str, str, str], extra: str = "") -> str:
    body = "".join(TOPIC.format(action=a, entity=e, schema=s) for a, e, s in topics)
    return "DefaultCategory: testing\nTopics:\n" + body + extra


OBJECT = "{type: object}"
BAD_INPUTS = {
    "yaml_syntax": ("DefaultCategory: testing\nTopics:\n  - Action: [Created\n", ":4: ", "invalid YAML"),
    "missing_key": (
        "DefaultCategory: testing\nTopics:\n  - Action: Created\n    Schema: {}\n",
        ":3: topic #1:",
        "'Entity'",
    ),
    "bad_pattern": (
        _topics(("created", "Test", OBJECT)),
        ":3: topic testing.Testcreated:",
        "Action must match",
    ),
    "duplicate_topic": (
        _topics(("Created", "Test", OBJECT), ("Created", "Test", OBJECT)),
        ":6: topic testing.TestCreated:",
        "duplicate topic",
    ),
    "schema_not_mapping": (
        _topics(("Created", "Test", "[1, 2]")),
        ":5: topic testing.TestCreated:",
        "Schema must be",
    ),
    "schema_not_object": (
        _topics(("Created", "Test", "{type: string}")),
        ":5: topic testing.TestCreated:",
        "object",
    ),
    "invalid_json_schema": (
        _topics(("Created", "Test", "{type: object, required: 5}")),
        ":5: ",
        "not a valid JSON Schema",
    ),
    "unknown_ref": (
        _topics(("Created", "Test", "{type: object, properties: {a: {$ref: '#/definitions/Nope'}}}")),
        ":5: topic testing.TestCreated:",
        "unknown $ref '#/definitions/Nope'",
    ),
    "allof_conflict": (
        _topics(
            (
                "Created",
                "Test",
                "{allOf: [{properties: {a: {type: string}}}, {properties: {a: {type: integer}}}]}",
            )
        ),
        ":5: topic testing.TestCreated:",
        "property 'a' has conflicting types",
    ),
    "method_collision": (
        _topics(("Created", "Test", OBJECT), ("Test", "Created", OBJECT)),
        # names are claimed in topic-name order: the topic whose name sorts later is blamed
        ":3: topic testing.TestCreated:",
        "method name 'created_test' is also produced by topic testing.CreatedTest (line 6)",
    ),
    "type_name_collision": (
        _topics(
            ("Paid", "BillingInvoice", OBJECT),
            extra=TOPIC.format(action="Paid", entity="Invoice", schema=OBJECT) + "    Category: billing\n",
        ),
        ":3: topic testing.BillingInvoicePaid:",
        "payload type name 'BillingInvoicePaidData' is also produced by topic billing.InvoicePaid",
    ),
    "shadows_session_attribute": (
        _topics(("Immediately", "Publish", OBJECT)),
        ":3: topic testing.PublishImmediately:",
        "method name 'publish_immediately' would shadow an attribute of bc_events.EventSession",
    ),
    "shadows_job_id": (_topics(("Id", "Job", OBJECT)), ":3: topic testing.JobId:", "'job_id' would shadow"),
    "not_json": (_topics(("Created", "Test", "{type: object, default: 2024-01-02}")), ":5: ", "JSON cannot"),
    "non_string_key": (
        _topics(("Created", "Test", "{type: object, properties: {+1: {}}}")),
        ":5: ",
        "the key +1 is read by YAML as 1",
    ),
    "missing_file": (None, "", "cannot read topic definitions"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_file_line_topic(case: str, tmp_path: Path) -> None:
    text, where, problem = BAD_INPUTS[case]
    path = tmp_path / "topics.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = run(GENERATOR, path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "Traceback" not in message, message
    assert "\n" not in message, message
    assert message.startswith(f"bc-events-gen: {path}{where}"), message
    assert problem in message


def test_check_and_stdout_cannot_be_combined() -> None:
    result = run(GENERATOR, EXAMPLE / "topics.yaml", "--check")
    assert result.returncode == 2
    assert "--check needs -o FILE" in result.stderr


WIDENED = _topics(
    ("Created", "Test", "{type: object, properties: {a: {type: string}}, patternProperties: {'^x-': {}}}"),
    ("Deleted", "Test", "{type: object, properties: {a: {type: string}}, patternProperties: {'^y-': {}}}"),
)


def test_strict_turns_every_warning_into_an_error(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    output = tmp_path / "events_gen.py"
    output.write_text("old\n", encoding="utf-8")
    topics = topics_file(WIDENED)
    warned = run(GENERATOR, topics)
    assert warned.returncode == 0
    assert [line.split(": ")[2] for line in warned.stderr.splitlines()] == ["warning", "warning"]
    result = run(GENERATOR, topics, "-o", output, "--strict")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in lines[:2]] == ["error", "error"]
    assert lines[:2] == [line.replace(": warning: ", ": error: ") for line in warned.stderr.splitlines()]
    assert lines[2] == f"bc-events-gen: {topics}: 2 warnings treated as errors (--strict); nothing written"
    assert output.read_text(encoding="utf-8") == "old\n"
    assert run(GENERATOR, topics_file(GOOD), "-o", output, "--strict").returncode == 0


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ("{type: object, required: [ghost], additionalProperties: false}", "Schema: required key 'ghost'"),
        (
            "{type: object, properties: {a: {type: object, required: [b], additionalProperties: false,"
            " patternProperties: {'^x': {}}}}}",
            "Schema/properties/a: required key 'b'",
        ),
        (
            "{allOf: [{type: object, required: [g], additionalProperties: false}]}",
            "Schema/allOf/0: required key 'g'",
        ),
    ],
)
def test_an_unsatisfiable_required_key_is_an_error(
    schema: str, problem: str, topics_file: Callable[[str], Path]
) -> None:
    result = run(GENERATOR, topics_file(_topics(("Created", "Test", schema))))
    assert result.returncode == 2
    assert f":3: topic testing.TestCreated: {problem} can never be present" in result.stderr


@pytest.mark.parametrize(
    "schema",
    [
        "{type: object, required: [x-a], additionalProperties: false, patternProperties: {'^x-': {}}}",
        "{type: object, required: [a], additionalProperties: false, properties: {a: {}}}",
        "{type: object, not: {required: [g], additionalProperties: false}}",  # negated: always true
        "{type: object, required: [g]}",
    ],
)
def test_satisfiable_required_keys_pass(schema: str, topics_file: Callable[[str], Path]) -> None:
    result = run(GENERATOR, topics_file(_topics(("Created", "Test", schema))))
    assert result.returncode == 0, result.stderr
