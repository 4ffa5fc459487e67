"""The outbox for SQLAlchemy 2 applications: its tables, ``append`` on a Connection or Session, the store.

from bc_events.outbox.sqlalchemy import add_outbox_tables, append, SqlAlchemyOutboxStore

add_outbox_tables(Base.metadata)          # then create_all() or an Alembic migration
with Session(engine) as session, session.begin():
    session.add(order)
    append(session, events)               # committed with the order, or not at all
SqlAlchemyOutboxStore(engine)             # what the relay (bc-events-relay) reads
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
)
from sqlalchemy.orm import Session

from bc_events.event import Event
from bc_events.outbox import sql
from bc_events.outbox.sqlstore import DbApiStore
from bc_events.outbox.store import LEASE_TABLE, PENDING, TABLE

_metadata = MetaData()

outbox_table = Table(
    TABLE,
    _metadata,
    # BIGINT on PostgreSQL, INTEGER (SQLite's autoincrementing rowid) elsewhere
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("job_id", String(255), nullable=False),
    Column("topic", String(255), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", Float(precision=53), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("state", String(16), nullable=False, server_default=PENDING),
    Column("last_error", Text, nullable=True),
    Column("settled_at", Float(precision=53), nullable=True),
    Index(f"{TABLE}_state_id", "state", "id"),
    Index(f"{TABLE}_job_id", "job_id", "id"),
)
"""The outbox's rows (the same table as the Django model's and ``Dialect.ddl()``'s)."""

lease_table = Table(
    LEASE_TABLE,
    _metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("expires_at", Float(precision=53), nullable=False),
)
"""On SQLite, the relay holding this lease is the only one delivering."""


def add_outbox_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Copies of the outbox's two tables in ``metadata`` (for ``create_all`` or Alembic's autogenerate)."""
    return outbox_table.to_metadata(metadata), lease_table.to_metadata(metadata)


def append(bind: Connection | Session, events: Sequence[Event]) -> None:
    """Insert ``events`` in ``bind``'s current transaction: one multi-row INSERT per 500 events."""
    now = time.time()
    for start in range(0, len(events), 500):
        rows = [
            {"job_id": event.job_id, "topic": event.topic_name, "body": event.body, "created_at": now}
            for event in events[start : start + 500]
        ]
        bind.execute(insert(outbox_table).values(rows))


def dialect_of(engine: Engine) -> sql.Dialect:
    """The outbox SQL dialect of ``engine``: SQLite (``sqlite3``) or PostgreSQL (psycopg 3)."""
    name, driver = engine.dialect.name, engine.dialect.driver
    if name == "sqlite" and driver == "pysqlite":
        return sql.SQLITE
    if name == "postgresql" and driver == "psycopg":
        return sql.POSTGRESQL
    raise ValueError(
        f"the bc-events outbox supports sqlite:// and postgresql+psycopg:// engines, not {name}+{driver}"
    )


class SqlAlchemyOutboxStore(DbApiStore):
    """The relay side of the outbox on one connection of ``engine``'s pool."""

    def __init__(self, engine: Engine, **options: Any) -> None:
        super().__init__(engine.raw_connection, dialect_of(engine), **options)
        self.engine = engine
