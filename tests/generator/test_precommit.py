"""The hook from .pre-commit-hooks.yaml, run by ``pre-commit`` itself in a throwaway git repository.

Offline by construction: the service's config declares the hook as ``repo: local``
with this repository's hook definition (id, entry, files, pass_filenames) and
``language: system`` pointing at the installed ``bc-events-gen``, so pre-commit
installs nothing.  What is tested is the hook definition and how pre-commit runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from generator_support import BIN, EXAMPLE, ROOT, run

HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def _local_hook(hook_id: str, args: list[str]) -> dict[str, object]:
    hook = dict(HOOKS[hook_id])
    hook.pop("additional_dependencies", None)
    entry = str(hook["entry"]).split()
    hook.update(
        language="system",
        entry=" ".join([str(BIN / entry[0]), *entry[1:]]),
        args=args,
        files=r"^topics\.yaml$",
    )
    return hook


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A git repository with topics.yaml and a .pre-commit-config.yaml using both hooks."""
    repo = tmp_path / "service"
    repo.mkdir()
    shutil.copy(EXAMPLE / "topics.yaml", repo / "topics.yaml")
    args = ["topics.yaml", "-o", "events_gen.py"]
    config = {"repos": [{"repo": "local", "hooks": [_local_hook("bc-events-gen", args)]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    (repo / "check.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [_local_hook("bc-events-gen-check", args)]}]})
    )
    for command in (["init", "-q"], ["add", "."]):
        assert _git(repo, *command).returncode == 0
    return repo


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("git", *args, cwd=repo, env=_env(repo))


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


def _pre_commit(repo: Path, *args: str) -> tuple[int, str]:
    result = run(BIN / "pre-commit", "run", "--all-files", *args, cwd=repo, env=_env(repo))
    return result.returncode, result.stdout + result.stderr


def test_the_hook_regenerates_the_module_when_the_topics_change(service: Path) -> None:
    status, output = _pre_commit(service)
    assert status == 0, output  # a new, untracked file is not a modification pre-commit can see
    generated = (service / "events_gen.py").read_text(encoding="utf-8")
    assert generated == (EXAMPLE / "events_gen.py").read_text(encoding="utf-8")
    assert _git(service, "add", "events_gen.py").returncode == 0
    topics = service / "topics.yaml"
    topics.write_text(
        topics.read_text(encoding="utf-8").replace("Action: Paid", "Action: Refunded"), encoding="utf-8"
    )
    status, output = _pre_commit(service)
    assert status == 1, output  # the module changed: the commit stops so it can be added
    assert "files were modified by this hook" in output
    assert "billing__refunded_invoice" in (service / "events_gen.py").read_text(encoding="utf-8")
    assert _git(service, "add", "topics.yaml", "events_gen.py").returncode == 0
    status, output = _pre_commit(service)
    assert status == 0, output


def test_the_check_hook_reports_a_stale_module_and_writes_nothing(service: Path) -> None:
    status, output = _pre_commit(service, "--config", "check.yaml")
    assert status == 1, output
    assert "events_gen.py is missing" in output
    assert not (service / "events_gen.py").exists()
    shutil.copy(EXAMPLE / "events_gen.py", service / "events_gen.py")
    status, output = _pre_commit(service, "--config", "check.yaml")
    assert status == 0, output
