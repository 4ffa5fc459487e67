"""`import bc_events` imports no integration's framework: services that do not use one pay nothing."""

from __future__ import annotations

import json
import subprocess
import sys

FRAMEWORKS = ("celery", "kombu", "starlette", "fastapi", "flask", "werkzeug", "anyio", "httpx", "uvicorn")


def test_import_bc_events_imports_no_framework() -> None:
    code = "import sys, json, bc_events; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.partition(".")[0] for name in json.loads(result.stdout)}
    assert loaded.isdisjoint(FRAMEWORKS), sorted(loaded.intersection(FRAMEWORKS))


def test_the_frameworks_are_importable_here_so_the_test_above_can_fail() -> None:
    code = "import sys, json, bc_events.celery; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "celery" in json.loads(result.stdout)
