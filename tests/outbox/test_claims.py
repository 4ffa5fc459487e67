"""Who may claim what: SQLite's lease (one relay delivers, others wait) and PostgreSQL's row locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bc_events.outbox.sqlstore import DbApiStore
from bc_events.outbox.store import Settlement
from tests.outbox import pgserver
from tests.outbox.conftest import _pg_reset, event, postgres_store, sqlite_store


def _write(store: DbApiStore, events: list) -> None:  # type: ignore[type-arg]
    from bc_events.outbox.sqlstore import append

    with store.transaction() as cursor:
        append(cursor, store.dialect, events)


def test_sqlite_one_relay_holds_the_lease_others_wait_until_it_expires(tmp_path: Path) -> None:
    now = [1000.0]
    first = sqlite_store(tmp_path / "o.sqlite3", lease_seconds=30, clock=lambda: now[0])
    second = sqlite_store(tmp_path / "o.sqlite3", lease_seconds=30, clock=lambda: now[0])
    first.create_tables()
    _write(first, [event("job-1", 1)])
    with first.claim(10) as claim:
        assert len(claim.rows) == 1
    with second.claim(10) as claim:
        assert claim.rows == []  # the first relay's lease runs until 1030
    now[0] += 29
    with first.claim(10) as claim:
        assert len(claim.rows) == 1  # renewed: now until 1059
    now[0] += 29
    with second.claim(10) as claim:
        assert claim.rows == []
    now[0] += 31  # the first relay died: its lease expired
    with second.claim(10) as claim:
        assert len(claim.rows) == 1
    with first.claim(10) as claim:
        assert claim.rows == []
    second.release_lease()  # a clean stop hands over at once
    with first.claim(10) as claim:
        assert len(claim.rows) == 1
    first.close()
    second.close()


@pytest.fixture
def pg_pair(postgres: pgserver.PostgresServer) -> tuple[DbApiStore, DbApiStore]:
    _pg_reset(postgres.dsn)
    first, second = postgres_store(postgres.dsn), postgres_store(postgres.dsn)
    first.create_tables()
    return first, second


def test_postgres_relays_take_disjoint_rows_and_never_a_job_row_ahead_of_an_earlier_one(
    pg_pair: tuple[DbApiStore, DbApiStore],
) -> None:
    first, second = pg_pair
    _write(first, [event("job-a", n) for n in range(3)])
    _write(first, [event("job-b", n) for n in range(2)])
    claim = first.claim(10)
    a0, a1, a2, b0, b1 = claim.rows
    assert [row.id for row in claim.take([a0, a1])] == [a0.id, a1.id]  # locked until the checkpoint
    with second.claim(10) as other:
        assert [row.id for row in other.take([a0, a1, a2])] == []  # a2 would overtake a0 and a1
        other.checkpoint(Settlement())
        assert [row.id for row in other.take([b0, b1])] == [b0.id, b1.id]
        other.settle(Settlement(delivered=[b0.id, b1.id]))
    claim.checkpoint(Settlement(delivered=[a0.id, a1.id]))
    with second.claim(10) as other:
        assert [row.id for row in other.rows] == [a2.id]
        assert [row.id for row in other.take(other.rows)] == [a2.id]
    claim.abandon()
    first.close()
    second.close()


def test_postgres_an_abandoned_round_is_taken_again(pg_pair: tuple[DbApiStore, DbApiStore]) -> None:
    first, second = pg_pair
    _write(first, [event("job-a", 1)])
    claim = first.claim(10)
    assert len(claim.take(claim.rows)) == 1
    with second.claim(10) as other:
        assert other.take(other.rows) == []
    claim.abandon()  # what a relay's death does to its transaction
    with second.claim(10) as other:
        assert len(other.take(other.rows)) == 1
    first.close()
    second.close()


def test_postgres_checkpoint_commits_the_round(pg_pair: tuple[DbApiStore, DbApiStore]) -> None:
    first, second = pg_pair
    _write(first, [event("job-a", 0), event("job-b", 0), event("job-b", 1)])
    claim = first.claim(10)
    a, b0, b1 = claim.rows
    claim.take([a])
    claim.checkpoint(Settlement(delivered=[a.id]))
    assert second.stats().delivered == 1  # committed: a restarted relay would not send it again
    assert claim.rows == [b0, b1]
    assert claim.take([b0, b1]) == [b0, b1]
    with second.claim(10) as other:
        assert other.take(other.rows) == []  # job-b's rows are held by the first relay's round
    with pytest.raises(RuntimeError, match="checkpointed"):
        claim.take([])
    claim.settle(Settlement(released={b0.id: "HTTP 503"}))
    with second.claim(10) as other:
        assert [(row.id, row.attempts) for row in other.take(other.rows)] == [(b0.id, 1), (b1.id, 0)]
    first.close()
    second.close()
