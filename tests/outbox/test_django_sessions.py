"""Django sessions in outbox mode, in a real project (subprocesses): requests under ATOMIC_REQUESTS
write their events as outbox rows in the request's transaction; the relay command delivers them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bc_events.testing import EventsAPIServer
from tests.outbox import pgserver
from tests.outbox.conftest import _pg_reset

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.outbox.django_project.web_settings"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The web project's environment, its database migrated (the outbox and the view's model)."""
    if request.param == "sqlite":
        env = {"OUTBOX_SQLITE": str(tmp_path / "web.sqlite3")}
    else:
        server: pgserver.PostgresServer = request.getfixturevalue("postgres")
        _pg_reset(server.dsn)
        with __import__("psycopg").connect(server.dsn, autocommit=True) as connection:
            connection.execute("DROP TABLE IF EXISTS django_migrations, django_content_type")
        env = {"OUTBOX_PG": server.dsn}
    run(env, "-m", "django", "migrate", f"--settings={SETTINGS}")
    return env


def run(env: dict[str, str], *args: str) -> str:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": SETTINGS, **env}
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def requests(env: dict[str, str], *paths: str) -> dict[str, list[object]]:
    loaded: dict[str, list[object]] = json.loads(
        run(env, "-m", "tests.outbox.django_project.web_scenario", *paths).splitlines()[-1]
    )
    return loaded


def created(job: str, *numbers: int) -> list[object]:
    return [[job, "testing.TestCreated", n] for n in numbers]


def test_a_committed_request_leaves_its_rows_a_failed_one_none(project: dict[str, str]) -> None:
    result = requests(project, "/publish/ok/", "/publish/boom/?fail")
    assert result["statuses"] == [200, 500]
    assert result["inserts"] == [3, 3]  # in a transaction: one INSERT per publish (module doc)
    assert result["rows"] == created("ok", 0, 1, 2)  # the view that raised: no row
    assert result["models"] == ["ok"]  # ... and no model row either


def test_a_rolled_back_savepoint_drops_only_its_own_events(project: dict[str, str]) -> None:
    result = requests(project, "/savepoint/sp/")
    assert result["statuses"] == [200]
    assert result["rows"] == created("sp", 0, 2)
    assert result["models"] == ["sp"]


def test_without_a_transaction_the_events_are_written_when_the_request_succeeds(
    project: dict[str, str],
) -> None:
    result = requests(project, "/outside/plain/", "/outside/bad/?fail")
    assert result["statuses"] == [200, 400]
    assert result["inserts"] == [1, 0]  # the session's 3 events in one INSERT, on success only
    assert result["rows"] == created("plain", 0, 1, 2)  # the 400's events follow the flush rules
    assert result["models"] == ["bad", "plain"]  # autocommit: its model row is the database's


def test_explicit_atomic_blocks_without_atomic_requests(project: dict[str, str]) -> None:
    result = requests(project, "/explicit/ex/")
    assert result["statuses"] == [200]
    assert result["inserts"] == [3]  # 0 and 1 in their blocks (1 rolled back), 2 when the request committed
    assert result["rows"] == created("ex", 0, 2)
    assert result["models"] == ["ex"]


def test_an_async_request_writes_its_events_when_it_commits(project: dict[str, str]) -> None:
    result = requests(project, "asgi:/async/aio/")
    assert result["statuses"] == [200]
    assert result["rows"] == created("aio", 0, 1, 2)
    assert result["models"] == ["aio"]


def test_the_outbox_lives_in_the_database_named_in_settings(tmp_path: Path) -> None:
    env = {"OUTBOX_SQLITE": str(tmp_path / "default.sqlite3"), "OUTBOX_OTHER": str(tmp_path / "o.sqlite3")}
    run(env, "-m", "django", "migrate", f"--settings={SETTINGS}")
    run(env, "-m", "django", "migrate", "--database=other", f"--settings={SETTINGS}")
    result = requests(env, "/two-databases/two/")
    assert result["statuses"] == [200]
    assert result["rows"] == []  # nothing in default's outbox
    # 1's block on default rolled back; 2 waited for default's commit, then was written to other
    assert result["other"] == created("two", 0, 2)
    assert result["models"] == ["two"]


def test_the_relay_delivers_the_committed_requests_events_in_order(project: dict[str, str]) -> None:
    requests(project, "/publish/one/", "/publish/two/?fail", "/savepoint/three/")
    with EventsAPIServer() as api:
        out = run(
            {**project, "EVENTS_API_URL": api.url},
            "-m",
            "django",
            "bc_events_relay",
            "--once",
            f"--settings={SETTINGS}",
        )
        assert out.strip() == "delivered 5, rejected 0, released 0"
        by_job: dict[str, list[int]] = {}
        for accepted in api.accepted:  # the relay keeps each job's order (not the order across jobs)
            by_job.setdefault(accepted.job_id, []).append(accepted.data["n"])
        assert by_job == {"one": [0, 1, 2], "three": [0, 2]}


def test_outbox_topics_route_only_those_topics_the_others_are_delivered_on_commit(
    project: dict[str, str],
) -> None:
    with EventsAPIServer() as api:
        env = {**project, "EVENTS_API_URL": api.url, "OUTBOX_TOPICS": "testing.TestCreated"}
        result = requests(env, "/mixed/m/")
        assert result["rows"] == created("m", 0)
        assert [(e.topic, e.job_id) for e in api.accepted] == [("testing.TestDeleted", "m")]
