"""A runtime-only install (no extras), in a real virtual environment: the console scripts say what is missing.

The environment gets this checkout with ``--no-deps`` and then exactly the
runtime's dependencies from pyproject.toml, so nothing of the generator extra
(click, Jinja2, black) can leak in from the test's own environment.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False, timeout=600, cwd=cwd
    )


@pytest.fixture(scope="module")
def runtime_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a venv holding bc-events (editable) and only its runtime dependencies."""
    home = tmp_path_factory.mktemp("runtime-only") / "venv"
    venv.create(home, with_pip=True)
    bin_dir = home / ("Scripts" if sys.platform == "win32" else "bin")
    runtime = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    for command in (["--no-deps", "-e", str(ROOT)], runtime):
        result = _run(bin_dir / "python", "-m", "pip", "install", "-q", *command)
        if result.returncode != 0:
            pytest.fail(f"pip install {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return bin_dir


def test_the_environment_really_lacks_the_generator_extra(runtime_only: Path) -> None:
    result = _run(
        runtime_only / "python", "-c", "import bc_events, bc_events.testing, bc_events.compat; import click"
    )
    assert "No module named 'click'" in result.stderr, result.stderr


@pytest.mark.parametrize("program", ["bc-events-gen", "bc-events-compat"])
@pytest.mark.parametrize("arguments", [["--help"], ["topics.yaml"]])
def test_a_console_script_names_the_extra_to_install(
    runtime_only: Path, program: str, arguments: list[str], tmp_path: Path
) -> None:
    result = _run(runtime_only / program, *arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f'{program} needs the generator extra: pip install "bc-events[generator]"\n'


def test_the_runtime_itself_works_there(runtime_only: Path, tmp_path: Path) -> None:
    script = (
        "from bc_events import EventClient\n"
        "from bc_events.testing import EventsAPIServer\n"
        "topics = {'DefaultCategory': 'testing', 'Topics': [{'Action': 'Created', 'Entity': 'Test',"
        " 'Schema': {'type': 'object'}}]}\n"
        "with EventsAPIServer() as api, EventClient(api.url, 'Svc', topics) as client:\n"
        "    with client.service_session('job-1') as session:\n"
        "        session.publish(action='Created', entity='Test', data={})\n"
        "    print(len(api.accepted))\n"
    )
    result = _run(runtime_only / "python", "-c", script, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "1\n"), result.stderr
