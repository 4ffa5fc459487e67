"""The ``bc-events-gen`` hook with its default ``files``: a missing, untracked or hand-edited module fails.

Run by ``pre-commit`` (and by ``git commit`` through the installed hook) in a
throwaway repository, offline: the config declares the hook as ``repo: local``
with this repository's definition, ``language: system`` and the test's Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from generator_support import BIN, EXAMPLE, ROOT, run

from bc_events.generator.hook import main, output_of

HOOK = next(
    h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "bc-events-gen"
)
MODULE = "events_gen.py"


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A git repository with topics.yaml and the hook as published (default ``files``), nothing committed."""
    repo = tmp_path / "service"
    repo.mkdir()
    shutil.copy(EXAMPLE / "topics.yaml", repo / "topics.yaml")
    hook = {key: value for key, value in HOOK.items() if key != "additional_dependencies"}
    entry = str(hook["entry"]).split()
    hook.update(language="system", entry=" ".join([str(BIN / entry[0]), *entry[1:]]))
    hook["args"] = ["topics.yaml", "-o", MODULE]
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    for command in (["init", "-q"], ["add", "."]):
        assert _git(repo, *command).returncode == 0
    return repo


def _env(repo: Path) -> dict[str, str]:
    home = repo.parent / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("git", *args, cwd=repo, env=_env(repo))


def _pre_commit(repo: Path, *args: str) -> tuple[int, str]:
    result = run(BIN / "pre-commit", "run", *args, cwd=repo, env=_env(repo))
    return result.returncode, result.stdout + result.stderr


def test_the_first_commit_with_the_hook_cannot_leave_the_module_untracked(service: Path) -> None:
    assert run(BIN / "pre-commit", "install", cwd=service, env=_env(service)).returncode == 0
    commit = _git(service, "commit", "-qm", "topics")
    assert commit.returncode == 1, commit.stdout + commit.stderr
    assert f"created {MODULE}, which git does not track: `git add {MODULE}`" in commit.stdout + commit.stderr
    assert (service / MODULE).read_bytes() == (EXAMPLE / MODULE).read_bytes()
    assert _git(service, "add", MODULE).returncode == 0
    commit = _git(service, "commit", "-qm", "topics and their module")
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert _git(service, "ls-files", "--error-unmatch", MODULE).returncode == 0


def test_an_existing_but_untracked_module_fails_too(service: Path) -> None:
    shutil.copy(EXAMPLE / MODULE, service / MODULE)  # up to date, so only the tracking is wrong
    status, output = _pre_commit(service, "--all-files")
    assert status == 1, output
    assert f"wrote {MODULE}, which git does not track" in output
    assert _git(service, "add", MODULE).returncode == 0
    status, output = _pre_commit(service, "--all-files")
    assert status == 0, output


def test_a_hand_edit_of_the_module_fails_the_default_configuration(service: Path) -> None:
    shutil.copy(EXAMPLE / MODULE, service / MODULE)
    assert _git(service, "add", MODULE).returncode == 0
    assert _git(service, "commit", "-qm", "topics and their module").returncode == 0
    module = service / MODULE
    module.write_text(module.read_text(encoding="utf-8") + "\nHAND_EDIT = 1\n", encoding="utf-8")
    assert _git(service, "add", MODULE).returncode == 0
    status, output = _pre_commit(service)  # only the staged files: the module, not the topics
    assert status == 1, output
    assert "files were modified by this hook" in output
    assert module.read_bytes() == (EXAMPLE / MODULE).read_bytes()


def test_bad_topics_fail_with_the_generator_s_message_and_no_tracking_complaint(service: Path) -> None:
    (service / "topics.yaml").write_text("Topics: [{Action: bad}]\n", encoding="utf-8")
    status, output = _pre_commit(service, "--all-files")
    assert status == 1, output  # pre-commit reports any failing hook as 1
    assert "bc-events-gen: topics.yaml" in output
    assert "does not track" not in output
    assert not (service / MODULE).exists()


@pytest.mark.parametrize(
    ("arguments", "output"),
    [
        (["topics.yaml", "-o", "events_gen.py"], "events_gen.py"),
        (["topics.yaml", "--output", "a/b.py"], "a/b.py"),
        (["topics.yaml", "--output=x.py"], "x.py"),
        (["topics.yaml", "-ox.py"], "x.py"),
        (["-o", "first.py", "topics.yaml", "-o", "last.py"], "last.py"),
        (["topics.yaml"], None),
        (["topics.yaml", "-o"], None),
        (["topics.yaml", "--strict"], None),
    ],
)
def test_the_output_is_read_from_the_arguments_as_click_reads_it(
    arguments: list[str], output: str | None
) -> None:
    assert output_of(arguments) == output


def test_outside_a_git_repository_the_hook_says_it_cannot_tell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(EXAMPLE / "topics.yaml", tmp_path / "topics.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert main(["topics.yaml", "-o", MODULE]) == 1
    assert (tmp_path / MODULE).read_bytes() == (EXAMPLE / MODULE).read_bytes()
    error = capsys.readouterr().err
    assert error.startswith(
        f"bc-events-gen: cannot see whether git tracks {MODULE}: fatal: not a git repository"
    )
