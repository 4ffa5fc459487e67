"""The Django outbox in a real project (subprocesses): migration, transactions and savepoints, commands."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bc_events.testing import EventsAPIServer
from tests.outbox import pgserver
from tests.outbox.conftest import _pg_reset

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.outbox.django_project.settings"

Run = Callable[..., subprocess.CompletedProcess[str]]


def _environment(database: dict[str, str], api_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **database}
    if api_url:
        env["EVENTS_API_URL"] = api_url
    return env


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The project's database settings (environment variables), migrated."""
    if request.param == "sqlite":
        database = {"OUTBOX_SQLITE": str(tmp_path / "project.sqlite3")}
    else:
        server: pgserver.PostgresServer = request.getfixturevalue("postgres")
        _pg_reset(server.dsn)
        database = {"OUTBOX_PG": server.dsn}
        with __import__("psycopg").connect(server.dsn, autocommit=True) as connection:
            connection.execute("DROP TABLE IF EXISTS django_migrations")
    manage(database, "migrate", "bc_events")
    return database


def manage(
    database: dict[str, str], *args: str, api_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "django", *args, f"--settings={SETTINGS}"]
    result = subprocess.run(
        command, cwd=ROOT, env=_environment(database, api_url), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def scenario(database: dict[str, str], *args: str) -> dict[str, object]:
    command = [sys.executable, "-m", "tests.outbox.django_project.scenario", *args]
    result = subprocess.run(command, cwd=ROOT, env=_environment(database), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_the_migration_applies_and_rolls_back_cleanly(tmp_path: Path) -> None:
    database = {"OUTBOX_SQLITE": str(tmp_path / "m.sqlite3")}

    def tables() -> set[str]:
        with sqlite3.connect(tmp_path / "m.sqlite3") as connection:
            found = connection.execute("SELECT name FROM sqlite_master WHERE name LIKE 'bc_events%'")
            return {name for (name,) in found}

    manage(database, "migrate", "bc_events")
    assert tables() == {
        "bc_events_outbox",
        "bc_events_outbox_lease",
        "bc_events_outbox_state_id",
        "bc_events_outbox_job_id",
    }
    manage(database, "migrate", "bc_events", "zero")
    assert tables() == set()
    manage(database, "migrate", "bc_events")
    assert "bc_events_outbox" in tables()


def test_rows_commit_and_roll_back_with_atomic_blocks_and_savepoints(project: dict[str, str]) -> None:
    result = scenario(project, "transactions")
    # job-2's block rolled back; job-3's savepoint rolled back its second row only
    assert result["written"] == [["job-1", 0], ["job-1", 1], ["job-1", 2], ["job-3", 0]]
    _, second, third, fourth = result["ids"]  # type: ignore[misc]
    assert result["letters"] == [[second, "HTTP 400: no"]]
    assert result["pending_before_requeue"] == 2
    assert result["requeued"] == 1
    assert result["after"] == [[second, 1], [third, 1], [fourth, 0]]


def test_relay_command_delivers_once(project: dict[str, str]) -> None:
    scenario(project, "write", "7")
    with EventsAPIServer() as api:
        result = manage(project, "bc_events_relay", "--once", api_url=api.url)
        assert result.stdout.strip() == "delivered 7, rejected 0, released 0"
        assert [e.data["n"] for e in api.accepted] == list(range(7))
        assert {e.job_id for e in api.accepted} == {"job-w"}


@pytest.mark.slow
def test_relay_command_runs_until_sigterm_then_stops_cleanly(project: dict[str, str]) -> None:
    scenario(project, "write", "3")
    with EventsAPIServer() as api:
        command = [sys.executable, "-m", "django", "bc_events_relay", f"--settings={SETTINGS}"]
        relay = subprocess.Popen(
            command, cwd=ROOT, env=_environment(project, api.url), stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 20
            while len(api.accepted) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            scenario(project, "write", "2")  # written while the relay runs
            while len(api.accepted) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            relay.send_signal(signal.SIGTERM)
            _, errors = relay.communicate(timeout=20)
        finally:
            relay.kill()
        assert relay.returncode == 0, errors
        assert "outbox relay stopped (5 delivered)" in errors
        assert len(api.accepted) == 5


def test_dead_letter_command_lists_and_requeues(project: dict[str, str]) -> None:
    scenario(project, "dead_letter")
    listed = manage(project, "bc_events_dead_letters", "list").stdout
    assert "testing.TestCreated\tjob job-d" in listed
    assert "HTTP 400 ValidationException: bad" in listed
    assert manage(project, "bc_events_dead_letters", "requeue", "--all").stdout.strip() == "requeued 1 row(s)"
    assert manage(project, "bc_events_dead_letters", "list").stdout == ""


def test_relay_command_without_an_api_url_is_a_clear_error(tmp_path: Path) -> None:
    database = {"OUTBOX_SQLITE": str(tmp_path / "n.sqlite3")}
    command = [sys.executable, "-m", "django", "bc_events_relay", "--once", f"--settings={SETTINGS}"]
    result = subprocess.run(command, cwd=ROOT, env=_environment(database), capture_output=True, text=True)
    assert result.returncode == 1
    assert "BC_EVENTS['API_URL'] is not set" in result.stderr
    assert "Traceback" not in result.stderr
