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


def test_postgres_relays_claim_disjoint_rows_and_never_a_job_row_ahead_of_an_earlier_one(
    pg_pair: tuple[DbApiStore, DbApiStore],
) -> None:
    first, second = pg_pair
    _write(first, [event("job-a", n) for n in range(3)])
    _write(first, [event("job-b", n) for n in range(2)])
    claim = first.claim(2)  # job-a's first two rows, locked
    assert [row.job_id for row in claim.rows] == ["job-a", "job-a"]
    with second.claim(10) as other:
        # job-a's third row is free but would overtake the two the first relay holds
        assert [row.job_id for row in other.rows] == ["job-b", "job-b"]
        other.settle(Settlement(delivered=[row.id for row in other.rows]))
    with second.claim(10) as other:
        assert other.rows == []
    claim.settle(Settlement(delivered=[row.id for row in claim.rows]))
    with second.claim(10) as other:
        assert [(row.job_id, row.body) for row in other.rows] == [("job-a", event("job-a", 2).body)]
    first.close()
    second.close()


def test_postgres_a_released_claim_is_claimable_again(pg_pair: tuple[DbApiStore, DbApiStore]) -> None:
    first, second = pg_pair
    _write(first, [event("job-a", 1)])
    claim = first.claim(10)
    with second.claim(10) as other:
        assert other.rows == []
    claim.abandon()  # what a relay's death does to its transaction
    with second.claim(10) as other:
        assert len(other.rows) == 1
    first.close()
    second.close()


def test_postgres_checkpoint_commits_some_rows_and_keeps_the_others_locked(
    pg_pair: tuple[DbApiStore, DbApiStore],
) -> None:
    first, second = pg_pair
    _write(first, [event("job-a", 0), event("job-b", 0), event("job-b", 1)])
    claim = first.claim(10)
    a, b0, b1 = (row.id for row in claim.rows)
    claim.checkpoint(Settlement(delivered=[a]))
    assert [row.id for row in claim.rows] == [b0, b1]
    assert second.stats().delivered == 1  # committed: a restarted relay would not send it again
    with second.claim(10) as other:
        assert other.rows == []  # job-b's rows are still this claim's
    claim.checkpoint(Settlement(released={b0: "HTTP 503"}))
    claim.settle(Settlement())
    with second.claim(10) as other:
        assert [(row.id, row.attempts) for row in other.rows] == [(b0, 1), (b1, 0)]
    first.close()
    second.close()
