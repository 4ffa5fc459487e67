"""SqlStore: the relay side of the outbox over ``bc_events.outbox.sql``, for any way of opening transactions.

Subclasses say how a transaction is opened (``_transaction``): on a DB-API
connection, through Django's ``atomic``, on a SQLAlchemy engine.  Everything
else (claims, leases, settlements, dead letters, purge, stats) is here once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bc_events.outbox import sql
from bc_events.outbox.sql import Cursor, Dialect
from bc_events.outbox.store import OutboxRow, OutboxStats, Settlement

Clock = Callable[[], float]


class SqlClaim:
    """A claim of ``SqlStore``: candidate rows, taken round by round (on PostgreSQL, locked per round)."""

    def __init__(self, store: SqlStore, rows: list[OutboxRow]) -> None:
        self.rows = rows
        self._store = store
        self._open: contextlib.ExitStack | None = None
        self._cursor: Cursor | None = None
        self._ended = False

    def take(self, rows: Sequence[OutboxRow]) -> list[OutboxRow]:
        if self._ended or self._open is not None:
            raise RuntimeError("take() needs a claim not ended, its previous round checkpointed")
        wanted = {row.id for row in rows}
        self.rows = [row for row in self.rows if row.id not in wanted]
        if not self._store.dialect.locks_rows:
            return list(rows)  # SQLite: the lease makes every row ours
        stack = contextlib.ExitStack()
        cursor = stack.enter_context(self._store.transaction())
        try:
            held = sql.lock_rows(cursor, self._store.dialect, rows)
        except BaseException as error:
            stack.__exit__(type(error), error, error.__traceback__)
            raise
        self._open, self._cursor = stack, cursor
        return held

    def checkpoint(self, settlement: Settlement) -> None:
        if self._ended:
            raise RuntimeError("this claim was already settled or abandoned")
        dialect, now = self._store.dialect, self._store.clock()
        if self._open is not None and self._cursor is not None:
            stack, cursor = self._open, self._cursor
            self._open = self._cursor = None
            with stack:  # commits the round: its marks, and the end of its locks
                sql.settle(cursor, dialect, settlement, now)
            return
        with self._store.transaction() as cursor:
            sql.settle(cursor, dialect, settlement, now)
            if not dialect.locks_rows:  # a long pass keeps its lease
                sql.take_lease(cursor, dialect, self._store.holder, now, self._store.lease_seconds)

    def settle(self, settlement: Settlement) -> None:
        self.checkpoint(settlement)
        self._ended = True

    def abandon(self) -> None:
        if self._ended:
            return
        self._ended = True
        if self._open is not None:
            stack, self._open, self._cursor = self._open, None, None
            stack.__exit__(_Abandoned, _Abandoned(), None)  # rolls the round back

    def __enter__(self) -> SqlClaim:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.abandon()


class _Abandoned(Exception):
    """Thrown into the claim's transaction to roll it back."""


class SqlStore:
    """The outbox store protocol on SQL: subclasses provide ``transaction()`` and ``close()``."""

    def __init__(self, dialect: Dialect, *, lease_seconds: float = 60.0, clock: Clock = time.time) -> None:
        self.dialect = dialect
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """Who holds the lease on SQLite: a relay restarted after a crash is someone else."""

    def transaction(self) -> contextlib.AbstractContextManager[Cursor]:
        """A cursor in a new transaction: committed when the block ends, rolled back if it raises."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def claim(self, limit: int) -> SqlClaim:
        if limit < 1:
            raise ValueError(f"claim limit must be at least 1, got {limit!r}")
        with self.transaction() as cursor:
            if not self.dialect.locks_rows and not sql.take_lease(
                cursor, self.dialect, self.holder, self.clock(), self.lease_seconds
            ):
                return SqlClaim(self, [])
            # PostgreSQL: read without locks; each round locks its own rows (take)
            return SqlClaim(self, sql.select_pending(cursor, self.dialect, limit))

    def release_lease(self) -> None:
        """Give up the SQLite lease (a relay stopping cleanly); nothing to do on PostgreSQL."""
        if not self.dialect.locks_rows:
            with self.transaction() as cursor:
                sql.drop_lease(cursor, self.dialect, self.holder)

    def dead_letters(self, limit: int = 100) -> list[OutboxRow]:
        with self.transaction() as cursor:
            return sql.dead_letters(cursor, self.dialect, limit)

    def requeue(self, ids: Sequence[int] | None = None) -> int:
        with self.transaction() as cursor:
            return sql.requeue(cursor, self.dialect, ids)

    def purge(self, older_than: float) -> int:
        if older_than < 0:
            raise ValueError(f"retention must not be negative, got {older_than!r} seconds")
        with self.transaction() as cursor:
            return sql.purge(cursor, self.dialect, self.clock() - older_than)

    def stats(self) -> OutboxStats:
        with self.transaction() as cursor:
            return sql.stats(cursor, self.dialect)

    def create_tables(self) -> None:
        """Create the outbox's tables if missing (Django and SQLAlchemy users have migrations instead)."""
        with self.transaction() as cursor:
            for statement in self.dialect.ddl():
                cursor.execute(statement)


class DbApiStore(SqlStore):
    """The outbox on a DB-API connection of its own: ``sqlite3`` or psycopg 3.

    ``connect`` opens the connection (called once, lazily): e.g.
    ``lambda: sqlite3.connect(path)`` or ``lambda: psycopg.connect(dsn)``.
    """

    def __init__(self, connect: Callable[[], Any], dialect: Dialect, **options: Any) -> None:
        super().__init__(dialect, **options)
        self._connect = connect
        self._connection: Any = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Cursor]:
        connection = self._connection_()
        cursor = connection.cursor()
        if self.dialect.qmark:  # sqlite3 in autocommit mode: take the write lock at once
            cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            if self.dialect.qmark:
                cursor.execute("ROLLBACK")
            else:
                connection.rollback()
            raise
        else:
            if self.dialect.qmark:
                cursor.execute("COMMIT")
            else:
                connection.commit()
        finally:
            cursor.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _connection_(self) -> Any:
        if self._connection is None:
            connection = self._connect()
            if self.dialect.qmark:  # transactions are begun explicitly (BEGIN IMMEDIATE)
                getattr(connection, "driver_connection", connection).isolation_level = None
            self._connection = connection
        return self._connection


def append(cursor: Cursor, dialect: Dialect, events: Sequence[Any], now: float | None = None) -> None:
    """Write ``events`` to the outbox with ``cursor``, inside whatever transaction it is in."""
    sql.insert(cursor, dialect, events, time.time() if now is None else now)
