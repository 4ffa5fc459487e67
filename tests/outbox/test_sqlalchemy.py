"""The SQLAlchemy outbox: tables in the user's metadata, append in a Session's transaction, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, create_engine, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from bc_events.outbox.cli import main
from bc_events.outbox.sqlalchemy import SqlAlchemyOutboxStore, add_outbox_tables, append, outbox_table
from bc_events.outbox.store import Settlement
from bc_events.testing import EventsAPIServer
from tests.outbox import pgserver
from tests.outbox.conftest import _pg_reset, event


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite3'}"
    server: pgserver.PostgresServer = request.getfixturevalue("postgres")
    _pg_reset(server.dsn)
    return f"postgresql+psycopg://{server.user}@127.0.0.1:{server.port}/postgres"


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    made = create_engine(url)
    metadata = MetaData()
    add_outbox_tables(metadata)
    metadata.create_all(made)
    yield made
    made.dispose()


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(outbox_table)).scalar_one())


def test_rows_commit_and_roll_back_with_the_session_and_its_savepoints(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        append(session, [event("job-1", n) for n in range(3)])
    assert count(engine) == 3
    with Session(engine) as session:
        session.begin()
        append(session, [event("job-2", 0)])
        session.rollback()
    assert count(engine) == 3
    with Session(engine) as session, session.begin():
        append(session, [event("job-3", 0)])
        savepoint = session.begin_nested()
        append(session, [event("job-3", 1)])
        savepoint.rollback()
    assert count(engine) == 4
    with engine.begin() as connection:  # a Connection works the same
        append(connection, [event("job-4", 0)])
    assert count(engine) == 5


def test_a_batch_is_one_insert_statement(engine: Engine) -> None:
    statements: list[tuple[str, bool]] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        statements.append((statement.split()[0], executemany))

    sa_event.listen(engine, "before_cursor_execute", seen)
    with engine.begin() as connection:
        append(connection, [event("job-1", n) for n in range(10)])
    sa_event.remove(engine, "before_cursor_execute", seen)
    inserts = [entry for entry in statements if entry[0] == "INSERT"]
    assert inserts == [("INSERT", False)]  # one statement, its VALUES holding the ten rows


def test_the_store_on_an_engine_settles_rows(engine: Engine) -> None:
    with engine.begin() as connection:
        append(connection, [event("job-1", 0), event("job-1", 1)])
    store = SqlAlchemyOutboxStore(engine)
    with store.claim(10) as claim:
        first, second = (row.id for row in claim.rows)
        claim.settle(Settlement(delivered=[first], rejected={second: "no"}))
    assert [row.id for row in store.dead_letters()] == [second]
    store.close()


def test_console_script_delivers_lists_and_requeues(
    engine: Engine, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as connection:
        append(connection, [event("job-1", n) for n in range(8)])
    with EventsAPIServer() as api:
        assert main(["--database-url", url, "run", "--once", "--api-url", api.url]) == 0
        assert capsys.readouterr().out.strip() == "delivered 8, rejected 0, released 0"
        assert [e.data["n"] for e in api.accepted] == list(range(8))
    assert main(["--database-url", url, "metrics"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert (metrics["depth"], metrics["delivered_kept"], metrics["rejected"]) == (0, 8, 0)
    assert main(["--database-url", url, "dead-letters", "list"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["--database-url", url, "dead-letters", "requeue", "--all"]) == 0
    assert capsys.readouterr().out.strip() == "requeued 0 row(s)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", "--once", "--api-url", "http://x"],
            "--database-url (or $BC_EVENTS_DATABASE_URL) is required",
        ),
        (["--database-url", "nonsense", "metrics"], "--database-url 'nonsense'"),
        (["--database-url", "mysql://h/d", "metrics"], "--database-url 'mysql://h/d'"),
        (["--database-url", "sqlite://", "run", "--once", "--api-url", "ftp://x"], "api_url must start with"),
        (["--database-url", "sqlite://", "dead-letters", "requeue"], "name the row ids to requeue"),
    ],
)
def test_console_script_bad_arguments_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BC_EVENTS_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
