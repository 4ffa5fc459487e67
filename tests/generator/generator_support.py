"""Helpers for the generator's tests: real processes, real files (imported as ``generator_support``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "generated_example"
BIN = Path(sys.executable).parent
GENERATOR = str(BIN / "bc-events-gen")


def run(
    *command: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a real process; never raises on a non-zero exit."""
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


def write_topics(directory: Path, yaml_text: str, name: str = "topics.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(yaml_text).lstrip(), encoding="utf-8")
    return path
