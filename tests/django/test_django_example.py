"""The example project (generated_example/django_project): its two views, its settings, its types."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_support import EXAMPLE

from bc_events.deliverer import wait_all_delivered
from bc_events.testing import EventsAPIServer

BIN = Path(sys.executable).parent


def policy(number: str) -> dict[str, Any]:
    return {"number": number, "insured": "Ada Lovelace", "premium": 1234.5}


def post(path: str, body: object) -> tuple[int, Any]:
    response = Client().post(path, json.dumps(body), content_type="application/json")
    assert wait_all_delivered()  # what the request committed went to the background deliverer
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("events_settings")
def test_bind_policy_sends_after_commit_and_nothing_for_a_duplicate(events_api: EventsAPIServer) -> None:
    status, reply = post("/policies/", policy("P-000001"))
    assert status == 201
    [event] = events_api.accepted_for("policies.PolicyCreated")
    assert (event.data["id"], event.data["number"]) == (reply["id"], "P-000001")
    status, _ = post("/policies/", policy("P-000001"))
    assert status == 409
    assert len(events_api.accepted) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("events_settings")
def test_import_sends_the_committed_policies_only(events_api: EventsAPIServer) -> None:
    post("/policies/", policy("P-000002"))
    status, reply = post("/policies/import/", [policy("P-000003"), policy("P-000002"), policy("P-000004")])
    assert (status, reply) == (200, {"imported": ["P-000003", "P-000004"], "skipped": ["P-000002"]})
    numbers = [event.data["number"] for event in events_api.accepted_for("policies.PolicyCreated")]
    assert numbers == ["P-000002", "P-000003", "P-000004"]


def run(*command: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=EXAMPLE, capture_output=True, text=True, env=env, check=False
    )


def test_the_project_runs_with_its_own_settings(tmp_path: Path) -> None:
    env = {**os.environ, "POLICY_DB": str(tmp_path / "db.sqlite3")}
    env.pop("EVENTS_API_URL", None)
    for command in (("check",), ("migrate", "--no-input")):
        result = run(sys.executable, "manage.py", *command, env=env)
        assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_with_django_stubs_passes_on_the_project() -> None:
    result = run(BIN / "mypy", "--cache-dir", str(EXAMPLE.parents[1] / ".mypy_cache" / "django-example"), ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyright_passes_on_the_project() -> None:
    result = run(BIN / "pyright", "--outputjson", "--pythonpath", sys.executable)
    report = json.loads(result.stdout)
    assert report["summary"]["errorCount"] == 0, report["generalDiagnostics"]
    assert report["summary"]["filesAnalyzed"] >= 6
