"""bc-events-compat's way forward: fixes, acknowledged breaks (``topics.compat-ack.yaml``), property lines.

In process with click's ``CliRunner``; the pre-commit hook reading an
acknowledgement is run for real at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from bc_events.compat import ack
from bc_events.compat.cli import main
from bc_events.compat.lines import schema_path

OLD = """\
DefaultCategory: billing
Topics:
  - Action: Paid
    Entity: Invoice
    Schema:
      type: object
      required: [id]
      definitions:
        line:
          type: object
          properties:
            amount: {type: integer}
      properties:
        id: {type: string}
        state: {enum: [draft, sent]}
        lines: {type: array, items: {$ref: '#/definitions/line'}}
        memo: {type: string}
"""
# paid added (forward), amount widened inside a $ref (forward), note added to an open object
# (backward), memo removed (forward).
NEW = (
    OLD.replace("[draft, sent]", "[draft, sent, paid]")
    .replace("amount: {type: integer}", "amount: {type: number}")
    .replace("        memo: {type: string}\n", "        note: {type: string}\n")
)


def lines_of(text: str) -> dict[str, int]:
    """The 1-based line of the first occurrence of each word in ``text``."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for word in ("state:", "amount:", "note:", "Action:"):
            if word in line:
                found.setdefault(word, number)
        if line == "      properties:":  # the object's own, not a definition's
            found["properties:"] = number
    return found


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.yaml", tmp_path / "topics.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    return old, new


def compat(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def write_ack(path: Path, *entries: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"Acknowledged": list(entries)}, sort_keys=False), encoding="utf-8")
    return path


def test_findings_point_at_the_property_and_say_the_way_forward(files: tuple[Path, Path]) -> None:
    old, new = files
    result = compat(old, new)
    assert result.exit_code == 1, result.output
    at = lines_of(NEW)
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        f"{new}:{at['note:']}: topic billing.InvoicePaid: $.note: property 'note' added to an open object"
        " (OLD payloads may carry it with any value) (breaks backward)",
        "  way forward: only an untyped 'note' ({}) is compatible; if no publisher sends it today,"
        " acknowledging is safe; or --mode forward (protects consumers only); or acknowledge it",
        f"{new}:{at['amount:']}: topic billing.InvoicePaid: $.lines[*].amount: type integer widened to number"
        " (breaks forward)",
        "  way forward: keep type integer until the consumers accept fractions;"
        " or --mode backward (protects publishers only); or acknowledge it",
        f"{new}:{at['properties:']}: topic billing.InvoicePaid: $.memo: property 'memo' removed from an"
        " open object (NEW payloads may carry it with any value) (breaks forward)",
        "  way forward: keep 'memo' declared until the consumers accept any value there;"
        " or --mode backward (protects publishers only); or acknowledge it",
        f'{new}:{at["state:"]}: topic billing.InvoicePaid: $.state: value "paid" added (breaks forward)',
        '  way forward: add "paid" once the consumers accept it;'
        " or --mode backward (protects publishers only); or acknowledge it",
    ]
    assert lines[8] == "4 finding(s) in 1 topic: 1 break backward, 3 break forward (full)"
    assert lines[9].startswith(f"to ship a break on purpose, add it under 'Acknowledged:' in {new.parent}/")


def test_the_printed_template_once_given_reasons_acknowledges_every_finding(files: tuple[Path, Path]) -> None:
    old, new = files
    printed = compat(old, new).stdout.splitlines()
    heading = next(index for index, line in enumerate(printed) if line.startswith("to ship"))
    template = "\n".join(line[2:] for line in printed[heading + 1 :])
    entries = yaml.safe_load(template)
    assert len(entries) == 4
    for entry in entries:
        entry["Reason"] = "consumers updated first (PR 12)"
    write_ack(new.parent / "topics.compat-ack.yaml", *entries)
    result = compat(old, new)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "compatible (full); 4 acknowledged"
    assert "$.note: property 'note' added to an open object" in result.stdout
    assert result.stdout.count("[acknowledged: consumers updated first (PR 12)]") == 4
    assert result.stderr == ""


def test_an_acknowledgement_covers_only_what_it_names(files: tuple[Path, Path]) -> None:
    old, new = files
    write_ack(
        new.parent / "topics.compat-ack.yaml",
        {"Topic": "billing.InvoicePaid", "Path": "$.state", "Reason": "consumers take paid since 2.3"},
        {"Topic": "billing.InvoicePaid", "Path": "$.note", "Breaks": "forward", "Reason": "wrong direction"},
        {"Topic": "billing.InvoicePaid", "Path": "$.memo", "Change": "tightened", "Reason": "wrong change"},
    )
    result = compat(old, new, "--format", "json")
    assert result.exit_code == 1
    verdicts = {entry["path"]: entry["acknowledged"] for entry in json.loads(result.stdout)}
    assert verdicts == {
        "$.note": None,
        "$.lines[*].amount": None,
        "$.memo": None,
        "$.state": "consumers take paid since 2.3",
    }
    ack = new.parent / "topics.compat-ack.yaml"
    assert result.stderr.splitlines() == [
        f"bc-events-compat: {ack}:{n}: topic billing.InvoicePaid: {path}{breaks}: warning: acknowledgement"
        " matches no finding (stale: the change is at the revision compared with, or was undone); remove it"
        for n, path, breaks in (
            (5, "$.note", " (breaks forward)"),
            (9, "$.memo", ""),
        )  # entries at lines 2, 5, 9
    ]


def test_acknowledging_every_break_of_one_direction_leaves_the_mode_s_exit_code(
    files: tuple[Path, Path],
) -> None:
    old, new = files
    ack = write_ack(
        new.parent / "elsewhere.yaml",
        {
            "Topic": "billing.InvoicePaid",
            "Path": "$.note",
            "Change": "open object",
            "Reason": "nobody sends it",
        },
    )
    assert compat(old, new, "--mode", "backward").exit_code == 1  # the default file does not exist
    result = compat(old, new, "--mode", "backward", "--ack", ack)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "compatible (backward); 1 acknowledged"


def test_a_stale_acknowledgement_warns_and_does_not_fail(files: tuple[Path, Path]) -> None:
    old, _ = files
    ack = write_ack(
        old.parent / "old.compat-ack.yaml", {"Topic": "billing.InvoicePaid", "Path": "$", "Reason": "x"}
    )
    result = compat(old, old)
    assert (result.exit_code, result.stdout) == (0, "compatible (full)\n")
    assert result.stderr.startswith(f"bc-events-compat: {ack}:2: topic billing.InvoicePaid: $: warning:")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Acknowledged: [\n", ":2: invalid YAML"),
        ("- Topic: a\n", ":1: expected one key, Acknowledged: a list of entries"),
        ("Acknowledged: {Topic: a}\n", ":1: Acknowledged must be a list of entries"),
        ("Acknowledged:\n  - just text\n", ":2: an entry is a mapping with Topic, Path and Reason"),
        ("Acknowledged:\n  - {Topic: a, Path: $}\n", ":2: Reason is required: a non-empty string"),
        (
            "Acknowledged:\n  - {Topic: a, Path: $, Reason: '<why shipping this break is safe>'}\n",
            ":2: write the Reason",
        ),
        (
            "Acknowledged:\n  - {Topic: a, Path: $, Reason: r, Breaks: both}\n",
            ":2: Breaks must be backward or forward",
        ),
        (
            "Acknowledged:\n  - {Topic: a, Path: $, Reason: r, Why: w}\n",
            ":2: unknown key(s) Why; known: Topic",
        ),
    ],
)
def test_a_bad_acknowledgement_file_is_bad_input(files: tuple[Path, Path], text: str, problem: str) -> None:
    old, new = files
    ack = new.parent / "topics.compat-ack.yaml"
    ack.write_text(text, encoding="utf-8")
    result = compat(old, new)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"bc-events-compat: {ack}{problem}"), result.stderr


def test_a_named_acknowledgement_file_must_exist(files: tuple[Path, Path]) -> None:
    old, new = files
    result = compat(old, new, "--ack", new.parent / "missing.yaml")
    assert (result.exit_code, result.stderr) == (
        2,
        f"bc-events-compat: {new.parent}/missing.yaml: no such file\n",
    )


@pytest.mark.parametrize(
    ("schema", "steps", "path"),
    [
        ({"properties": {"a": {}}}, ["a"], ("properties", "a")),
        (
            {"properties": {"a": {"properties": {"b": {}}}}},
            ["a", "b"],
            ("properties", "a", "properties", "b"),
        ),
        ({"properties": {"a": {}}}, ["gone"], ("properties",)),
        ({"type": "object"}, ["gone"], ()),
        ({"properties": {"a": {}}}, ["a", "gone"], ("properties", "a")),
        ({"items": {"properties": {"x": {}}}}, ["[*]", "x"], ("items", "properties", "x")),
        ({"items": [{}, {"properties": {"x": {}}}]}, ["[1]", "x"], ("items", 1, "properties", "x")),
        ({"items": [{}], "additionalItems": {}}, ["[*]"], ("additionalItems",)),
        ({"additionalProperties": {"type": "string"}}, ["*"], ("additionalProperties",)),
        ({"patternProperties": {"^x": {}}}, ["/^x/"], ("patternProperties", "^x")),
        (
            {
                "definitions": {"d": {"properties": {"a": {}}}},
                "properties": {"r": {"$ref": "#/definitions/d"}},
            },
            ["r", "a"],
            ("definitions", "d", "properties", "a"),
        ),
        ({"allOf": [{"type": "object"}, {"properties": {"a": {}}}]}, ["a"], ("allOf", 1, "properties", "a")),
        (
            {"anyOf": [{"anyOf": [{"properties": {"a": {}}}]}]},
            ["a"],
            ("anyOf", 0, "anyOf", 0, "properties", "a"),
        ),
        (
            {"definitions": {"d": {"$ref": "#/definitions/d"}}, "$ref": "#/definitions/d"},
            ["a"],
            ("definitions", "d"),
        ),
        ({"properties": {"r": {"$ref": "#/nowhere"}}}, ["r", "a"], ("properties", "r")),
    ],
)
def test_the_schema_node_of_a_payload_path(
    schema: dict[str, Any], steps: list[str], path: tuple[Any, ...]
) -> None:
    assert schema_path(schema, steps) == path


TOPICS = """\
DefaultCategory: billing
Topics:
  - Action: Paid
    Entity: Invoice
    Schema:
      type: object
      properties:
        state: {enum: [draft, sent]}
"""


def test_the_pre_commit_hook_reads_the_staged_acknowledgement(tmp_path: Path) -> None:
    """A real ``pre-commit run`` of the published hook definition, in a throwaway repository."""
    bin_dir = Path(sys.executable).parent
    hooks = yaml.safe_load((Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "bc-events-compat")
    hook.pop("additional_dependencies", None)
    entry = str(hook["entry"]).split()
    hook.update(language="system", entry=" ".join([str(bin_dir / entry[0]), *entry[1:]]))
    repo = tmp_path / "service"
    repo.mkdir()
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }

    def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(c) for c in command],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def git(*args: str) -> None:
        assert run("git", "-c", "user.name=t", "-c", "user.email=t@t", *args).returncode == 0

    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]})
    )
    (repo / "topics.yaml").write_text(TOPICS, encoding="utf-8")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "topics"]):
        git(*args)
    (repo / "topics.yaml").write_text(
        TOPICS.replace("[draft, sent]", "[draft, sent, paid]"), encoding="utf-8"
    )
    git("add", "topics.yaml")
    refused = run(bin_dir / "pre-commit", "run")
    assert refused.returncode == 1, refused.stdout
    assert 'way forward: add "paid" once the consumers accept it' in refused.stdout
    ack = {"Topic": "billing.InvoicePaid", "Path": "$.state", "Reason": "every consumer takes paid"}
    write_ack(repo / "topics.compat-ack.yaml", ack)
    git("add", "topics.compat-ack.yaml")
    accepted = run(bin_dir / "pre-commit", "run", "--verbose")  # a passing hook's output is shown with it
    assert accepted.returncode == 0, accepted.stdout
    assert "[acknowledged: every consumer takes paid]" in accepted.stdout
    git("commit", "-qm", "paid", "--no-verify")
    (repo / "topics.yaml").write_text(
        TOPICS.replace("[draft, sent]", "[draft, sent, paid]") + "\n", encoding="utf-8"
    )
    git("add", "topics.yaml")
    later = run(bin_dir / "pre-commit", "run", "--verbose")
    assert later.returncode == 0, later.stdout
    assert "acknowledgement matches no finding (stale" in later.stdout


def test_the_readme_s_example_is_a_valid_acknowledgement_file(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Shipping a breaking change", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "topics.compat-ack.yaml"
    path.write_text(example, encoding="utf-8")
    [entry] = ack.load(str(path))
    assert (entry.topic, entry.path, entry.breaks, entry.line) == (
        "billing.InvoicePaid",
        "$.note",
        "backward",
        2,
    )
    assert entry.change == "added to an open object"
