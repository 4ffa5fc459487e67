"""The package's own quality gates, run as real processes: mypy --strict, pyright and ruff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_package_passes_mypy_strict() -> None:
    result = run(sys.executable, "-m", "mypy", "--strict", "bc_events")
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_passes_pyright() -> None:
    # What IDE users of the library see; --pythonpath so that pyright reads this environment's packages.
    pyright = Path(sys.executable).with_name("pyright")
    result = run(str(pyright), "--pythonpath", sys.executable, "bc_events")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_is_clean() -> None:
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run(sys.executable, "-m", "ruff", "format", "--check", "bc_events")
    assert result.returncode == 0, result.stdout + result.stderr
