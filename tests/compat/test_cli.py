"""``bc-events-compat`` run as a real process: output, exit codes, errors, ``--against`` with real git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

COMPAT = str(Path(sys.executable).parent / "bc-events-compat")

OLD = """\
DefaultCategory: testing
Topics:
  - Action: Created
    Entity: Invoice
    Schema:
      type: object
      properties:
        id: {type: integer}
        state: {enum: [draft, sent]}
      required: [id]
  - Action: Deleted
    Entity: Invoice
    Schema: {type: object}
"""

NEW = """\
DefaultCategory: testing
Topics:
  - Action: Created
    Entity: Invoice
    Description: reworded, and the keys reordered
    Schema:
      required: [id]
      properties:
        state: {enum: [sent, draft, paid]}
        id: {type: integer, title: The id}
      type: object
  - Action: Removed
    Entity: Invoice
    Schema: {type: object}
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd or Path.cwd())}
    return subprocess.run(
        [COMPAT, *args], capture_output=True, text=True, cwd=cwd, env=env, check=False, timeout=120
    )


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_findings_lines_summary_and_exit_code(tmp_path: Path) -> None:
    old, new = write(tmp_path, "old.yaml", OLD), write(tmp_path, "new.yaml", NEW)
    result = run(old, new)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f'{new}:3: topic testing.InvoiceCreated: $.state: value "paid" added (breaks forward)',
        f"{old}:11: topic testing.InvoiceDeleted: $: topic removed (breaks backward)",
        "2 finding(s) in 2 topics: 1 break backward, 1 break forward (full)",
    ]


def test_modes_select_the_direction(tmp_path: Path) -> None:
    old, new = write(tmp_path, "old.yaml", OLD), write(tmp_path, "new.yaml", NEW)
    backward = run(old, new, "--mode", "backward")
    assert backward.returncode == 1
    assert "InvoiceDeleted" in backward.stdout
    assert "paid" not in backward.stdout
    renamed_back = write(tmp_path, "back.yaml", NEW.replace("Action: Removed", "Action: Deleted"))
    assert run(old, renamed_back, "--mode", "backward").returncode == 0
    assert run(old, renamed_back, "--mode", "forward").returncode == 1
    same = run(old, old)
    assert (same.returncode, same.stdout) == (0, "compatible (full)\n")


def test_added_topics_break_nothing(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", OLD)
    extra = OLD + "  - Action: Paid\n    Entity: Invoice\n    Schema: {type: object, required: [x]}\n"
    assert run(old, write(tmp_path, "new.yaml", extra)).returncode == 0


def test_json_format(tmp_path: Path) -> None:
    old, new = write(tmp_path, "old.yaml", OLD), write(tmp_path, "new.yaml", NEW)
    result = run(old, new, "--format", "json", "--mode", "forward")
    assert result.returncode == 1
    assert json.loads(result.stdout) == [
        {
            "file": new,
            "line": 3,
            "topic": "testing.InvoiceCreated",
            "path": "$.state",
            "change": 'value "paid" added',
            "breaks": "forward",
            "undecided": None,
        }
    ]


def test_allow_undecided(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", OLD)
    new = write(
        tmp_path, "new.yaml", OLD.replace("id: {type: integer}", "id: {type: integer, not: {const: 0}}")
    )
    strict = run(old, new, "--mode", "backward")
    assert strict.returncode == 1
    assert "$.id: cannot prove compatible: 'not' differs (breaks backward)" in strict.stdout
    assert run(old, new, "--mode", "backward", "--allow-undecided").returncode == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DefaultCategory: testing\nTopics: [\n", "new.yaml:3: invalid YAML"),
        (
            OLD.replace("Entity: Invoice", "Entity: invoice", 1),
            "new.yaml:4: topic testing.invoiceCreated: Entity",
        ),
        (
            OLD.replace("id: {type: integer}", "id: {$ref: '#/definitions/Missing'}"),
            "new.yaml:8: topic testing.InvoiceCreated: Schema/properties/id: "
            "unknown $ref '#/definitions/Missing'",
        ),
        (
            OLD.replace("id: {type: integer}", "id: {$ref: '#/definitions/A'}").replace(
                "required: [id]", "required: [id]\n      definitions: {A: {$ref: '#/definitions/A'}}"
            ),
            "new.yaml:3: topic testing.InvoiceCreated: circular $ref '#/definitions/A'",
        ),
        (
            OLD.replace("id: {type: integer}", "id: {type: 12}"),
            "new.yaml:8: topic testing.InvoiceCreated: Schema is not a valid JSON Schema",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    old, new = write(tmp_path, "old.yaml", OLD), write(tmp_path, "new.yaml", text)
    result = run(old, new, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(f"bc-events-compat: {tmp_path}/"), lines[0]
    assert message in lines[0], lines[0]


def test_usage_errors(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", OLD)
    assert run(old).returncode == 2
    assert run(old, str(tmp_path / "missing.yaml")).returncode == 2


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args]
    subprocess.run(command, cwd=repo, check=True, capture_output=True, env=env)


def test_against_a_git_revision(tmp_path: Path) -> None:
    repo = tmp_path / "service"
    (repo / "events").mkdir(parents=True)
    _git(repo, "init", "-q")
    topics = write(repo / "events", "topics.yaml", OLD)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")
    write(repo / "events", "topics.yaml", NEW)
    result = run("--against", "HEAD", "events/topics.yaml", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert "HEAD:events/topics.yaml:11: topic testing.InvoiceDeleted: $: topic removed" in result.stdout
    assert run("--against", "HEAD", topics, "--mode", "forward", cwd=tmp_path).returncode == 1
    _git(repo, "commit", "-qam", "two")
    assert run("--against", "HEAD", "events/topics.yaml", cwd=repo).returncode == 0
    assert run("--against", "HEAD~1", "events/topics.yaml", cwd=repo).returncode == 1
    unknown = run("--against", "no-such-branch", "events/topics.yaml", cwd=repo)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "bc-events-compat: unknown revision 'no-such-branch'"
    new_file = write(repo / "events", "more.yaml", OLD)
    assert run("--against", "HEAD", new_file, cwd=repo).returncode == 0  # not in HEAD: all additions


def test_against_head_before_the_first_commit(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    topics = write(tmp_path, "topics.yaml", OLD)
    assert run("--against", "HEAD", topics, cwd=tmp_path).returncode == 0  # nothing to be compatible with
    assert run("--against", "main~3", topics, cwd=tmp_path).returncode == 2
    broken = write(tmp_path, "broken.yaml", "Topics: {}\n")
    result = run("--against", "HEAD", broken, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"bc-events-compat: {broken}: DefaultCategory must be")


def test_against_outside_a_git_repository(tmp_path: Path) -> None:
    topics = write(tmp_path, "topics.yaml", OLD)
    result = run("--against", "HEAD", topics, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("bc-events-compat: not a git repository")
    assert len(result.stderr.splitlines()) == 1


def test_schemas_too_deep_to_compare_are_bad_input_not_a_verdict(tmp_path: Path) -> None:
    schema = "{}"
    for _ in range(196):
        schema = "{type: array, items: " + schema + "}"
    schema = "{type: object, properties: {a: " + schema + "}}"
    text = f"DefaultCategory: testing\nTopics:\n  - Action: Created\n    Entity: Thing\n    Schema: {schema}"
    topics = write(tmp_path, "topics.yaml", text)
    result = run(topics, topics, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr  # 1 would read as "breaking"
    assert "Traceback" not in result.stderr
    assert "nest too deeply to compare" in result.stderr
