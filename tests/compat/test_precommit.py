"""The ``bc-events-compat`` hook of .pre-commit-hooks.yaml, run by ``pre-commit`` in a throwaway repository.

Offline, as the generator's hook test: the service's config declares the hook
as ``repo: local`` with this repository's hook definition (id, entry, files: unchanged, so the
default pattern is what picks topics.yaml and leaves other YAML alone)
and ``language: system`` pointing at the installed ``bc-events-compat``.  The
hook sees what is staged: pre-commit sets unstaged changes aside while it runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}

TOPICS = """\
DefaultCategory: billing
Topics:
  - Action: Paid
    Entity: Invoice
    Schema:
      type: object
      properties:
        amount: {type: integer}
        currency: {enum: [EUR, USD]}
      required: [amount]
  - Action: Voided
    Entity: Invoice
    Schema: {type: object}
"""


def _env(repo: Path) -> dict[str, str]:
    home = repo.parent / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _run(repo: Path, *command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=repo, env=_env(repo), capture_output=True, text=True, timeout=300
    )


def _git(repo: Path, *args: str) -> None:
    result = _run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", *args)
    assert result.returncode == 0, result.stderr


def _config(repo: Path, args: list[str]) -> None:
    hook: dict[str, Any] = dict(HOOKS["bc-events-compat"])
    hook.pop("additional_dependencies", None)
    entry = str(hook["entry"]).split()
    hook.update(language="system", entry=" ".join([str(BIN / entry[0]), *entry[1:]]), args=args)
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]})
    )


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A git repository whose first commit has topics.yaml and a config using the hook."""
    repo = tmp_path / "service"
    repo.mkdir()
    (repo / "topics.yaml").write_text(TOPICS, encoding="utf-8")
    _config(repo, [])
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "topics")
    return repo


def _stage(repo: Path, text: str) -> None:
    (repo / "topics.yaml").write_text(text, encoding="utf-8")
    _git(repo, "add", "topics.yaml")


def _pre_commit(repo: Path) -> tuple[int, str]:
    result = _run(repo, BIN / "pre-commit", "run")
    return result.returncode, result.stdout + result.stderr


def test_a_staged_breaking_change_stops_the_commit(service: Path) -> None:
    _stage(service, TOPICS.replace("required: [amount]", "required: [amount, currency]"))
    status, output = _pre_commit(service)
    assert status == 1, output
    assert "topic billing.InvoicePaid: $.currency: required key 'currency' added (breaks backward)" in output
    _stage(service, TOPICS.replace("[EUR, USD]", "[USD, EUR]"))  # reordered: no change
    status, output = _pre_commit(service)
    assert status == 0, output


def test_the_hook_checks_what_is_staged_not_the_working_tree(service: Path) -> None:
    _stage(service, TOPICS.replace("amount: {type: integer}", "amount: {type: integer, title: Amount}"))
    broken = TOPICS.split("  - Action: Voided")[0]  # removes a topic, but is not staged
    (service / "topics.yaml").write_text(broken, encoding="utf-8")
    status, output = _pre_commit(service)
    assert status == 0, output
    assert (service / "topics.yaml").read_text(encoding="utf-8") == broken  # set aside and restored
    _git(service, "add", "topics.yaml")
    status, output = _pre_commit(service)
    assert status == 1, output
    assert "topic billing.InvoiceVoided: $: topic removed (breaks backward)" in output


def test_the_revision_is_configurable(service: Path) -> None:
    _git(service, "tag", "released")
    _stage(service, TOPICS.replace("[EUR, USD]", "[EUR, USD, GBP]"))
    _git(service, "commit", "-qm", "GBP", "--no-verify")
    assert _pre_commit(service)[0] == 0  # nothing staged differs from HEAD
    _config(service, ["--against", "released", "--mode", "forward"])
    _git(service, "add", ".pre-commit-config.yaml")
    _stage(service, TOPICS.replace("[EUR, USD]", "[EUR, USD, GBP]") + "\n")  # staged, so the hook runs
    status, output = _pre_commit(service)
    assert status == 1, output
    assert 'value "GBP" added (breaks forward)' in output
    assert ".pre-commit-config.yaml" not in output  # staged too, but not a topic file: not passed
