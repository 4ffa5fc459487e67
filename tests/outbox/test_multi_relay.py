"""Several relays at once on a real PostgreSQL server under steady load: no duplicate, no reordering."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from bc_events.outbox.relay import Relay, RelayOptions
from bc_events.outbox.sqlstore import append
from bc_events.retry import RetryPolicy
from bc_events.testing import EventsAPIServer
from bc_events.transport import HttpTransport
from tests.outbox import pgserver
from tests.outbox.conftest import _pg_reset, event, postgres_store

pytestmark = pytest.mark.slow

RETRY = RetryPolicy(total_time=5.0, initial_backoff=0.01, max_backoff=0.05, jitter=0.01)


def _load(dsn: str, jobs: int, per_job: int, stop_writing: threading.Event) -> None:
    """Commit units of work of 1-7 events, jobs interleaved, as fast as one writer can."""
    writer = postgres_store(dsn)
    written = dict.fromkeys(range(jobs), 0)
    while any(count < per_job for count in written.values()):
        for job, count in written.items():
            size = min(1 + (count + job) % 7, per_job - count)
            if size:
                with writer.transaction() as cursor:
                    append(cursor, writer.dialect, [event(f"job-{job}", count + k) for k in range(size)])
                written[job] += size
    writer.close()
    stop_writing.set()


@pytest.mark.parametrize("relays", [2, 4])
def test_relays_on_postgres_deliver_everything_once_in_order_per_job(
    postgres: pgserver.PostgresServer, relays: int
) -> None:
    _pg_reset(postgres.dsn)
    postgres_store(postgres.dsn).create_tables()
    jobs, per_job = 40, 60
    done_writing = threading.Event()
    with EventsAPIServer() as api:
        workers = [
            Relay(
                postgres_store(postgres.dsn),
                HttpTransport(api.url, retry=RETRY),
                RelayOptions(batch_size=100, interval=0.01, metrics_every=None),
            )
            for _ in range(relays)
        ]
        threads = [threading.Thread(target=relay.run) for relay in workers]
        writer = threading.Thread(target=_load, args=(postgres.dsn, jobs, per_job, done_writing))
        started = time.monotonic()
        writer.start()
        for thread in threads:
            thread.start()
        deadline = started + 60
        total = jobs * per_job
        while time.monotonic() < deadline and not (done_writing.is_set() and len(api.accepted) >= total):
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        for relay in workers:
            relay.stop()
        for thread in [writer, *threads]:
            thread.join(timeout=20)
        accepted = api.accepted
    seen = Counter((e.job_id, e.data["n"]) for e in accepted)
    duplicates = sum(count - 1 for count in seen.values())
    shares = [relay.throughput.delivered for relay in workers]
    print(f"\n{relays} relays: {len(accepted)} events in {elapsed:.2f}s, shares {shares}, {duplicates} dup.")
    assert duplicates == 0
    assert len(seen) == jobs * per_job  # nothing lost
    for job in range(jobs):
        assert [e.data["n"] for e in accepted if e.job_id == f"job-{job}"] == list(range(per_job))
    assert sum(shares) == jobs * per_job
    assert all(shares), f"every relay took a share under load, got {shares}"
