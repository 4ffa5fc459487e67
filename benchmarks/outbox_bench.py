"""Outbox benchmark: relay throughput on PostgreSQL (1, 2, 4 relays) and the request-path cost of outbox rows.

    .venv/bin/python benchmarks/outbox_bench.py [--events 40000]

Relay throughput: a throwaway PostgreSQL server (``tests/outbox/pgserver.py``:
initdb on a temporary directory, fsync off) and the local Events API
(``bc_events.testing.EventsAPIServer``, in this process).  The relays are real
``bc-events-relay run`` processes, started and idle before the rows are
committed in one transaction; the clock runs from that commit until the
outbox's depth is 0.  Two workloads: units of work of 50 events of one job
(bulk requests of 50) and of 3 events (the API takes 5 or fewer events of a job
one request each, so these go as single requests); with ``--senders N`` a relay
sends N jobs at once.

Request-path cost: the time a transaction that writes one row of application
data takes without events, and with the outbox rows of 3 events written in it
(one executemany INSERT), and the outbox's ``append`` alone; p50 and p99 over
many transactions, on a SQLite file (the default rollback journal) and on the
PostgreSQL server.

Targets (issue 21): at least 5,000 events/s per relay; at most 1 ms p99 for 3 events' rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bc_events.event import Event  # noqa: E402
from bc_events.outbox import sql  # noqa: E402
from bc_events.outbox.sqlstore import DbApiStore, append  # noqa: E402
from bc_events.testing import EventsAPIServer  # noqa: E402
from tests.outbox import pgserver  # noqa: E402


def event(job_id: str, number: int) -> Event:
    return Event.create(
        category="policy",
        entity="Policy",
        action="Created",
        data={"policy_id": f"P-{number:08d}", "premium": "1234.56", "state": "VA", "term_months": 12},
        actor_id="PolicyService",
        actor_type="service",
        job_id=job_id,
    )


def _reset(dsn: str) -> DbApiStore:
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {sql.TABLE}, {sql.LEASE_TABLE}")
    store = DbApiStore(lambda: psycopg.connect(dsn), sql.POSTGRESQL)
    store.create_tables()
    return store


def relay_throughput(
    server: pgserver.PostgresServer, relays: int, events: int, per_unit: int, senders: int
) -> float:
    """Events per second from the commit of ``events`` rows until the outbox is empty."""
    store = _reset(server.dsn)
    url = f"postgresql+psycopg://{server.user}@127.0.0.1:{server.port}/postgres"
    with EventsAPIServer() as api:
        command = [
            sys.executable, "-m", "bc_events.outbox.cli", "--database-url", url, "run", "--api-url", api.url,
            "--interval", "0.01", "--batch-size", "500", "--senders", str(senders), "--metrics-every", "0",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        processes = [
            subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(relays)
        ]
        try:
            for process in processes:  # started and idle: its first line says so
                assert process.stderr is not None
                process.stderr.readline()
            time.sleep(0.3)
            batch = [event(f"job-{n // per_unit}", n) for n in range(events)]
            with store.transaction() as cursor:
                append(cursor, store.dialect, batch)
            start = time.perf_counter()
            while store.stats().pending:
                time.sleep(0.01)
            seconds = time.perf_counter() - start
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
        accepted = len(api.accepted)
    store.close()
    if accepted < events:
        raise SystemExit(f"the API accepted {accepted} of {events} events")
    return events / seconds


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e3, ordered[int(len(ordered) * 0.99) - 1] * 1e3


def request_path(
    connect: Callable[[], Any], dialect: sql.Dialect, begin: str | None, rounds: int
) -> list[str]:
    """p50/p99 (ms) of a transaction without events, with 3 events' outbox rows, and of append alone."""
    connection = connect()
    cursor = connection.cursor()
    for statement in dialect.ddl():
        cursor.execute(statement)
    cursor.execute("CREATE TABLE IF NOT EXISTS policy (id VARCHAR(32) PRIMARY KEY, premium VARCHAR(16))")
    connection.commit()
    insert_policy = dialect.sql("INSERT INTO policy (id, premium) VALUES (%s, %s)")
    timings: dict[str, list[float]] = {"none": [], "outbox": [], "append": []}
    for number in range(rounds):
        for kind in ("none", "outbox"):
            events = [event(f"job-{kind}-{number}", k) for k in range(3)]
            start = time.perf_counter()
            if begin:
                cursor.execute(begin)
            cursor.execute(insert_policy, (f"{kind}-{number}", "1234.56"))
            if kind == "outbox":
                before = time.perf_counter()
                append(cursor, dialect, events)
                timings["append"].append(time.perf_counter() - before)
            connection.commit() if not begin else cursor.execute("COMMIT")
            timings[kind].append(time.perf_counter() - start)
    connection.close()
    return [
        f"{p50:.3f} / {p99:.3f}"
        for p50, p99 in (percentiles(timings[key]) for key in ("none", "outbox", "append"))
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    bindir = pgserver.find_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH)")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPU(s); {args.events} events per run\n")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))  # stop the server and relays too
    server = pgserver.start(bindir)
    try:
        print("Relay throughput on PostgreSQL (events/s, all relays together; per relay in brackets)\n")
        print(f"| {'workload':<34} | {'1 relay':>16} | {'2 relays':>16} | {'4 relays':>16} |")
        print(f"|{'-' * 36}|{'-' * 18}|{'-' * 18}|{'-' * 18}|")
        for label, per_unit, senders in (
            ("units of 50 events (bulk)", 50, 1),
            ("units of 50 events, --senders 4", 50, 4),
            ("units of 3 events (single POSTs)", 3, 1),
            ("units of 3 events, --senders 8", 3, 8),
        ):
            events = args.events if per_unit > 5 else args.events // 4
            cells = []
            for relays in (1, 2, 4):
                rate = relay_throughput(server, relays, events, per_unit, senders)
                cells.append(f"{rate:,.0f} ({rate / relays:,.0f})")
            print(f"| {label:<34} | {cells[0]:>16} | {cells[1]:>16} | {cells[2]:>16} |")
        print("\nRequest path: a transaction writing one application row, p50 / p99 in ms\n")
        print(f"| {'database':<30} | {'no events':>15} | {'+ 3 outbox rows':>15} | {'append() alone':>15} |")
        print(f"|{'-' * 32}|{'-' * 17}|{'-' * 17}|{'-' * 17}|")
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "app.sqlite3"
            sqlite_row = request_path(
                lambda: sqlite3.connect(path, isolation_level=None), sql.SQLITE, "BEGIN", args.rounds
            )
        print(
            f"| {'SQLite file (rollback journal)':<30} | " + " | ".join(f"{c:>15}" for c in sqlite_row) + " |"
        )
        _reset(server.dsn)
        pg_row = request_path(lambda: psycopg.connect(server.dsn), sql.POSTGRESQL, None, args.rounds)
        print(f"| {'PostgreSQL 127.0.0.1':<30} | " + " | ".join(f"{c:>15}" for c in pg_row) + " |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
