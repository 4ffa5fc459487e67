"""Outbox stores on real databases: SQLite files, and a real PostgreSQL server started once per run."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bc_events.event import Event
from bc_events.outbox import sql
from bc_events.outbox.sqlstore import DbApiStore, append
from tests.outbox import pgserver

Writer = Callable[[Sequence[Event]], None]


def event(job_id: str, number: int, action: str = "Created") -> Event:
    return Event.create(
        category="testing",
        entity="Test",
        action=action,
        data={"n": number},
        actor_id="PolicyService",
        actor_type="service",
        job_id=job_id,
    )


@pytest.fixture(scope="session")
def postgres() -> Iterator[pgserver.PostgresServer]:
    bindir = pgserver.find_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH)")
    server = pgserver.start(bindir)
    yield server
    server.stop()


def _pg_reset(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {sql.TABLE}, {sql.LEASE_TABLE}")


def sqlite_store(path: Path, **options: Any) -> DbApiStore:
    return DbApiStore(
        lambda: sqlite3.connect(path, timeout=30, check_same_thread=False), sql.SQLITE, **options
    )


def postgres_store(dsn: str, **options: Any) -> DbApiStore:
    import psycopg

    return DbApiStore(lambda: psycopg.connect(dsn), sql.POSTGRESQL, **options)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., DbApiStore]:
    """A factory of stores on one fresh database (every store it makes shares the database)."""
    if request.param == "sqlite":
        path = tmp_path / "outbox.sqlite3"
        return lambda **options: sqlite_store(path, **options)
    server: pgserver.PostgresServer = request.getfixturevalue("postgres")
    _pg_reset(server.dsn)
    return lambda **options: postgres_store(server.dsn, **options)


@pytest.fixture
def store(database: Callable[..., DbApiStore]) -> Iterator[DbApiStore]:
    made = database()
    made.create_tables()
    yield made
    made.close()


@pytest.fixture
def write(store: DbApiStore, database: Callable[..., DbApiStore]) -> Iterator[Writer]:
    """Commits events the way an application does: in a transaction of its own, on its own connection."""
    writer = database()

    def write(events: Sequence[Event]) -> None:
        with writer.transaction() as cursor:
            append(cursor, writer.dialect, events)

    yield write
    writer.close()
