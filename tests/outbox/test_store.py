"""Every state change of an outbox row, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bc_events.outbox import sql
from bc_events.outbox.sqlstore import DbApiStore, append
from bc_events.outbox.store import DELIVERED, PENDING, REJECTED, Settlement
from tests.outbox.conftest import Writer, event


def states(store: DbApiStore) -> dict[int, tuple[str, int, str | None]]:
    with store.transaction() as cursor:
        cursor.execute("SELECT id, state, attempts, last_error FROM bc_events_outbox ORDER BY id")
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}


def test_committed_work_leaves_rows_holding_the_envelope_bytes(store: DbApiStore, write: Writer) -> None:
    events = [event("job-1", n) for n in range(3)]
    write(events)
    with store.claim(10) as claim:
        rows = claim.rows
    assert [row.body for row in rows] == [e.body for e in events]
    assert {(row.job_id, row.topic, row.state, row.attempts) for row in rows} == {
        ("job-1", "testing.TestCreated", PENDING, 0)
    }


def test_rolled_back_work_leaves_no_row(store: DbApiStore, database: Callable[..., DbApiStore]) -> None:
    writer = database()

    def failing_work() -> None:
        with writer.transaction() as cursor:
            append(cursor, writer.dialect, [event("job-1", 1)])
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        failing_work()
    writer.close()
    assert states(store) == {}


def test_pending_claimed_delivered(store: DbApiStore, write: Writer) -> None:
    write([event("job-1", 1), event("job-1", 2)])
    claim = store.claim(10)
    ids = [row.id for row in claim.rows]
    claim.settle(Settlement(delivered=ids))
    assert states(store) == {ids[0]: (DELIVERED, 1, None), ids[1]: (DELIVERED, 1, None)}
    with store.claim(10) as again:
        assert again.rows == []
    assert store.stats().delivered == 2


def test_rejected_is_a_dead_letter_with_the_reason_then_requeued(store: DbApiStore, write: Writer) -> None:
    write([event("job-1", 1), event("job-2", 2)])
    with store.claim(10) as claim:
        first, second = (row.id for row in claim.rows)
        claim.settle(Settlement(delivered=[second], rejected={first: "HTTP 400 ValidationError: bad data"}))
    [letter] = store.dead_letters()
    assert (letter.id, letter.state, letter.last_error, letter.attempts) == (
        first,
        REJECTED,
        "HTTP 400 ValidationError: bad data",
        1,
    )
    assert store.stats().rejected == 1
    with store.claim(10) as claim:
        assert claim.rows == []  # a dead letter is not retried by itself
    assert store.requeue([first]) == 1
    assert store.dead_letters() == []
    with store.claim(10) as claim:
        assert [(row.id, row.state, row.attempts) for row in claim.rows] == [(first, PENDING, 1)]


def test_requeue_all(store: DbApiStore, write: Writer) -> None:
    write([event("job-1", n) for n in range(3)])
    with store.claim(10) as claim:
        claim.settle(Settlement(rejected={row.id: "no" for row in claim.rows}))
    assert store.requeue() == 3
    assert store.stats().pending == 3


def test_released_rows_stay_pending_with_one_more_attempt_and_the_error(
    store: DbApiStore, write: Writer
) -> None:
    write([event("job-1", 1)])
    for attempt in (1, 2):
        with store.claim(10) as claim:
            [row] = claim.rows
            assert row.attempts == attempt - 1
            claim.settle(Settlement(released={row.id: f"HTTP 503 (attempt {attempt})"}))
    assert states(store) == {row.id: (PENDING, 2, "HTTP 503 (attempt 2)")}


def test_an_abandoned_claim_changes_nothing(store: DbApiStore, write: Writer) -> None:
    write([event("job-1", 1)])
    with store.claim(10) as claim:
        [row] = claim.rows
    assert states(store) == {row.id: (PENDING, 0, None)}
    with pytest.raises(RuntimeError, match="already settled or abandoned"):
        claim.settle(Settlement(delivered=[row.id]))


def test_purge_deletes_only_delivered_rows_older_than_the_retention(
    database: Callable[..., DbApiStore], write: Writer
) -> None:
    now = [1_000_000.0]
    store = database(clock=lambda: now[0])
    write([event("job-1", n) for n in range(4)])
    with store.claim(10) as claim:
        a, b, c, _ = (row.id for row in claim.rows)
        claim.settle(Settlement(delivered=[a], rejected={b: "no"}))
    now[0] += 100
    with store.claim(10) as claim:
        claim.settle(Settlement(delivered=[c]))
    now[0] += 50
    assert store.purge(older_than=120) == 1  # a: delivered 150 s ago; c only 50 s ago
    assert set(states(store)) == {b, c, _}
    assert store.purge(older_than=0) == 1
    assert store.stats().delivered == 0
    assert store.stats().rejected == 1  # dead letters are kept whatever their age
    with pytest.raises(ValueError, match="retention"):
        store.purge(-1)
    store.close()


def test_stats_count_rows_and_the_oldest_pending(database: Callable[..., DbApiStore], write: Writer) -> None:
    store = database()
    assert store.stats().oldest_pending_at is None
    write([event("job-1", 1)])
    write([event("job-1", 2)])
    stats = store.stats()
    with store.claim(1) as claim:
        assert stats.oldest_pending_at == claim.rows[0].created_at
    assert stats.pending == 2
    store.close()


def test_claim_limit_and_order(store: DbApiStore, write: Writer) -> None:
    write([event(f"job-{n % 3}", n) for n in range(10)])
    with store.claim(4) as claim:
        assert [row.body for row in claim.rows] == [event(f"job-{n % 3}", n).body for n in range(4)]
    with pytest.raises(ValueError, match="at least 1"):
        store.claim(0)


def test_a_batch_is_one_insert_statement_per_500_events(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "count.sqlite3", isolation_level=None)
    for statement in sql.SQLITE.ddl():
        connection.execute(statement)
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    cursor = connection.cursor()
    append(cursor, sql.SQLITE, [event("job-1", n) for n in range(3)])
    append(cursor, sql.SQLITE, [event("job-2", n) for n in range(501)])
    append(cursor, sql.SQLITE, [])
    assert [s.split()[0] for s in statements] == ["INSERT", "INSERT", "INSERT"]
    assert connection.execute("SELECT COUNT(*) FROM bc_events_outbox").fetchone() == (504,)
    bodies = [body for (body,) in connection.execute("SELECT body FROM bc_events_outbox ORDER BY id")]
    assert bodies[3:] == [event("job-2", n).body for n in range(501)]
