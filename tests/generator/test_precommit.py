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
    assert status == 1, output  # a new module git does not track fails the hook (it must be added)
    assert "which git does not track" in output
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


def _snapshot_of_this_repository(destination: Path) -> str:
    """This working tree's tracked files as a one-commit git repository; its commit id."""
    listed = run("git", "ls-files", "-z", cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    env = _env(destination)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "snapshot"]):
        result = run("git", "-c", "user.name=t", "-c", "user.email=t@t", *command, cwd=destination, env=env)
        assert result.returncode == 0, result.stderr
    return run("git", "rev-parse", "HEAD", cwd=destination, env=env).stdout.strip()


def test_a_service_installs_the_hook_from_the_repository_as_published(service: Path) -> None:
    """No stand-ins: pre-commit clones bc-events, pip-installs it with its generator extra, runs it.

    This needs the package index (pip fetches Jinja2, black and click into the
    hook's own environment), as a service's pre-commit does on first use.
    """
    published = service.parent / "bc-events"
    revision = _snapshot_of_this_repository(published)
    hook = {"id": "bc-events-gen", "args": ["topics.yaml", "-o", "events_gen.py"], "files": r"^topics\.yaml$"}
    config = {"repos": [{"repo": str(published), "rev": revision, "hooks": [hook]}]}
    (service / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {**_env(service), "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip")}
    result = run(BIN / "pre-commit", "run", "--all-files", cwd=service, env=env)
    assert result.returncode == 1, result.stdout + result.stderr  # the new module is not tracked yet
    generated = (service / "events_gen.py").read_text(encoding="utf-8")
    assert generated == (EXAMPLE / "events_gen.py").read_text(encoding="utf-8")
    assert _git(service, "add", "events_gen.py").returncode == 0
    result = run(BIN / "pre-commit", "run", "--all-files", cwd=service, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
