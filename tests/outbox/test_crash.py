"""The relay killed (SIGKILL) at random points, then restarted: nothing lost, duplicates counted, order kept.

A real relay process (``bc-events-relay run``) on a real PostgreSQL server
delivers to the local Events API while units of work commit (and some roll
back).  Each round arms a fault that holds one request open, kills the relay
while it waits, and starts a new one:

- ``wire``: the request is on the wire, the API has not accepted it yet (it
  will, after its delay, as a real server would for a client that vanished);
- ``accepted``: the API accepted the events and is sending its reply, so the
  rows are not marked yet;
- ``random``: no fault, a kill at a random moment.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from bc_events.outbox.sqlstore import append
from bc_events.testing import AcceptedEvent, EventsAPIServer
from bc_events.wire import SINGLE_LIMIT
from tests.outbox import pgserver
from tests.outbox.conftest import _pg_reset, event, postgres_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BATCH = 40


class Writer(threading.Thread):
    """Commits units of work of 1-6 events per job; every fifth unit rolls back."""

    def __init__(self, dsn: str, seed: int) -> None:
        super().__init__(daemon=True)
        self.store = postgres_store(dsn)
        self.random = random.Random(seed)
        self.committed: dict[str, int] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        unit = 0
        while not self.stopping.is_set():
            unit += 1
            job = f"job-{self.random.randrange(25)}"
            size = self.random.randint(1, 6)
            start = self.committed.get(job, 0)
            try:
                with self.store.transaction() as cursor:
                    if unit % 5 == 0:
                        append(cursor, self.store.dialect, [event(f"rolled-back-{unit}", 0)])
                        raise _Rollback
                    append(cursor, self.store.dialect, [event(job, start + k) for k in range(size)])
                self.committed[job] = start + size
            except _Rollback:
                pass
            time.sleep(0.002)
        self.store.close()


class _Rollback(Exception):
    pass


def _relay(url: str, api_url: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "bc_events.outbox.cli", "--database-url", url, "run", "--api-url", api_url,
        "--interval", "0.02", "--batch-size", str(BATCH), "--metrics-every", "0",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return False


def test_relay_killed_at_random_points_loses_nothing_and_keeps_order(
    postgres: pgserver.PostgresServer,
) -> None:
    seed = int(os.environ.get("BC_EVENTS_CRASH_SEED", random.randrange(1 << 30)))
    _pg_reset(postgres.dsn)
    postgres_store(postgres.dsn).create_tables()
    url = f"postgresql+psycopg://{postgres.user}@127.0.0.1:{postgres.port}/postgres"
    writer = Writer(postgres.dsn, seed)
    kills: Counter[str] = Counter()
    relays: list[subprocess.Popen[bytes]] = []
    with EventsAPIServer() as api:
        writer.start()
        try:
            accepted = _kill_and_restart(api, url, random.Random(seed), kills, writer, relays, postgres.dsn)
            log = api.request_log
        finally:
            writer.stopping.set()
            for process in relays:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    expected = {(job, n) for job, count in writer.committed.items() for n in range(count)}
    delivered = Counter((e.job_id, e.data["n"]) for e in accepted)
    duplicates = sum(count - 1 for count in delivered.values())
    # The relay commits after each job's round of requests: a kill re-sends that round only, one bulk
    # request or the five or fewer single requests of a small job.
    in_flight = max(SINGLE_LIMIT, *(request.records for request in log))
    print(
        f"\ncrash test (seed {seed}): {len(expected)} events committed, {len(accepted)} accepted,"
        f" kills {dict(kills)}, {duplicates} duplicate(s) (at most {in_flight} per kill: one round in flight)"
    )
    assert set(delivered) == expected  # 0 lost, and nothing of a rolled-back unit
    assert duplicates <= sum(kills.values()) * in_flight
    assert max(delivered.values()) <= 1 + sum(kills.values())
    for job in {job for job, _ in expected}:
        numbers = [e.data["n"] for e in accepted if e.job_id == job]
        first_seen = list(dict.fromkeys(numbers))
        assert first_seen == sorted(first_seen), f"{job} out of order: {numbers}"


def _kill_and_restart(
    api: EventsAPIServer,
    url: str,
    chooser: random.Random,
    kills: Counter[str],
    writer: Writer,
    relays: list[subprocess.Popen[bytes]],
    dsn: str,
) -> list[AcceptedEvent]:
    """Six rounds of fault, kill, restart; then the last relay drains the outbox and stops on SIGTERM."""
    relays.append(_relay(url, api.url))
    for round_number in range(6):
        kind = ("wire", "accepted", "random")[round_number % 3]
        seen = len(api.request_log)
        assert _wait(lambda seen=seen: len(api.request_log) > seen, 20), "the relay delivers nothing"
        if kind == "wire":
            api.faults.delay(1.0)
        elif kind == "accepted":
            api.faults.trickle(1.0)
        if kind == "random":
            time.sleep(chooser.uniform(0, 0.3))
        else:
            assert _wait(lambda: api.faults.remaining == 0, 20), "the fault was never reached"
            time.sleep(chooser.uniform(0.05, 0.6))
        relays[-1].send_signal(signal.SIGKILL)
        relays[-1].wait()
        kills[kind] += 1
        api.faults.clear()
        relays.append(_relay(url, api.url))
    writer.stopping.set()
    writer.join()
    reader = postgres_store(dsn)
    assert _wait(lambda: reader.stats().pending == 0, 60), f"left pending: {reader.stats()}"
    reader.close()
    time.sleep(1.1)  # a request a killed relay left in a delay is accepted by now
    relays[-1].send_signal(signal.SIGTERM)
    assert relays[-1].wait(timeout=20) == 0
    return api.accepted
