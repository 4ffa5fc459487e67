"""The framework examples in generated_example/ pass mypy --strict and pyright (strict), run as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "generated_example"
BIN = Path(sys.executable).parent
EXAMPLES = ["celery_app.py", "fastapi_app.py", "flask_app.py"]


def run(*command: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, env=env)


@pytest.mark.slow
def test_mypy_strict_passes_on_the_framework_examples() -> None:
    env = {**os.environ, "MYPYPATH": str(EXAMPLE)}
    flags = ("--strict", "--warn-unused-ignores", "--cache-dir", ".mypy_cache/integration-examples")
    result = run(BIN / "mypy", *flags, *(EXAMPLE / name for name in EXAMPLES), env=env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_pyright_strict_passes_on_the_framework_examples(tmp_path: Path) -> None:
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "extraPaths": [str(EXAMPLE)]}))
    result = run(
        BIN / "pyright",
        "--outputjson",
        "--pythonpath",
        BIN / "python",
        "-p",
        config,
        *(EXAMPLE / name for name in EXAMPLES),
    )
    report = json.loads(result.stdout)
    assert report["summary"]["errorCount"] == 0, report["generalDiagnostics"]
