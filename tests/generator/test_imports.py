"""What generating and checking import: nothing of delivery, and no formatter when there is nothing to do.

Measured in real processes with ``python -X importtime`` (every module a run imports,
in the order imported), so a later import cannot quietly bring urllib3 back.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from generator_support import BIN, EXAMPLE, ROOT

import bc_events

DELIVERY = ("urllib3", "bc_events.transport", "bc_events.pool", "bc_events.client", "http.client")


def imported_by(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """(exit code, every module imported) of ``python -X importtime -m bc_events.generator *args``."""
    result = subprocess.run(
        [str(BIN / "python"), "-X", "importtime", "-m", "bc_events.generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    modules.discard("package")  # the header line
    return result.returncode, modules


def _delivery(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.startswith(DELIVERY))


def test_generating_imports_nothing_of_delivery(tmp_path: Path) -> None:
    code, modules = imported_by(str(EXAMPLE / "topics.yaml"), "-o", str(tmp_path / "events_gen.py"))
    assert code == 0
    assert "bc_events.generator.render" in modules  # the measure sees the generator's own modules
    assert _delivery(modules) == []


def test_check_imports_nothing_of_delivery(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE / "events_gen.py", tmp_path / "events_gen.py")
    code, modules = imported_by(
        str(EXAMPLE / "topics.yaml"), "-o", str(tmp_path / "events_gen.py"), "--check"
    )
    assert code == 0
    assert _delivery(modules) == []


def test_importing_the_package_loads_only_its_front() -> None:
    script = "import sys, bc_events; print(sorted(m for m in sys.modules if m.startswith('bc_events')))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['bc_events', 'bc_events._version']"  # the version is a leaf


def test_every_public_name_resolves_on_first_use() -> None:
    script = "import bc_events\nfor name in bc_events.__all__:\n    exec(f'from bc_events import {name}')\n"
    subprocess.run([sys.executable, "-c", script], check=True)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        bc_events.Nope  # noqa: B018
    assert set(bc_events.__all__) <= set(dir(bc_events))


def test_reading_topics_and_comparing_them_imports_nothing_of_delivery() -> None:
    script = (
        "import sys, bc_events.topics, bc_events.validation, bc_events.compat.cli\n"
        f"print(sorted(m for m in sys.modules if m.startswith({DELIVERY!r})))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
