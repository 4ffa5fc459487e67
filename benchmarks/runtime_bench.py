"""Runtime benchmark: publish() cost, and flush throughput next to raw urllib3 on the same server.

    .venv/bin/python benchmarks/runtime_bench.py

The local Events API (``python -m bc_events.testing``) runs in its own process,
so the client under test does not share a GIL with the server.  Both clients
post the same bytes to the same server over one keep-alive connection; the
raw urllib3 client does nothing else (no validation, no retries, no reply
checks beyond the status), so the ratio is what bc_events' delivery costs.
Throughputs are the best of several runs (as ``timeit`` reports: on a shared
machine the slower runs measure the neighbours, not the code); the ratio is
the median over back-to-back pairs of runs, so both sides see the same load.

Targets: publish() with validation <= 5 us/event for a small topic; bulk flush
throughput >= 1.0x raw urllib3 keep-alive, single-event flushes >= 0.95x.
"""

from __future__ import annotations

import gc
import importlib.metadata
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import urllib3

from bc_events import EventClient, EventSession, RetryPolicy
from bc_events.wire import JOB_ID_HEADER

TOPICS: dict[str, Any] = {
    "DefaultCategory": "testing",
    "Topics": [
        {
            "Action": "Created",
            "Entity": "Test",
            "Schema": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            },
        }
    ],
}
REPEATS = 15
PUBLISH_EVENTS = 20_000
BULK_EVENTS = 10_000
SINGLE_EVENTS = 1_000
JOB_ID = "bench-job"


class Server:
    """``python -m bc_events.testing`` in its own process, reset between runs to keep its memory flat."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bc_events.testing", "--quiet"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        self._control = urllib3.PoolManager()

    def reset(self) -> None:
        reply = self._control.request("DELETE", f"{self.url}/events")  # forgets what it accepted
        assert reply.status == 200, reply.status

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)


def publish_many(session: EventSession, count: int, prefix: str = "") -> None:
    for i in range(count):
        session.publish(action="Created", entity="Test", data={"id": f"{prefix}{i}", "name": "benchmark"})


def publish_cost() -> float:
    """Best seconds per publish() call (validation and envelope encoding included)."""
    client = EventClient(None, "Bench", TOPICS)
    runs = []
    for _ in range(REPEATS):
        session = client.service_session(JOB_ID)
        started = time.perf_counter()
        publish_many(session, PUBLISH_EVENTS)
        runs.append((time.perf_counter() - started) / PUBLISH_EVENTS)
    return min(runs)


def bc_events_bulk(client: EventClient) -> float:
    session = client.service_session(JOB_ID)
    publish_many(session, BULK_EVENTS)
    started = time.perf_counter()
    session.flush()
    return time.perf_counter() - started


def bc_events_single(client: EventClient) -> float:
    sessions = [client.service_session(JOB_ID) for _ in range(SINGLE_EVENTS // 5)]
    for index, session in enumerate(sessions):
        publish_many(session, 5, prefix=f"{index}-")  # 5 queued events are sent one by one
    started = time.perf_counter()
    for session in sessions:
        session.flush()
    return time.perf_counter() - started


def raw_poster(api_url: str) -> Callable[[str, list[bytes]], float]:
    pool = urllib3.PoolManager(maxsize=1)
    headers = {"Content-Type": "application/json", JOB_ID_HEADER: JOB_ID}

    def post_all(url: str, bodies: list[bytes]) -> float:
        started = time.perf_counter()
        for body in bodies:
            response = pool.request("POST", url, body=body, headers=headers, retries=False)
            if response.status != 200:
                raise RuntimeError(f"raw urllib3 post failed: HTTP {response.status}")
        return time.perf_counter() - started

    return post_all


def same_bodies(client: EventClient, count: int, bulk: bool) -> list[bytes]:
    """The exact bytes bc_events sends for ``count`` events: one body per request."""
    session = client.service_session(JOB_ID)
    publish_many(session, count)
    bodies = [event.body for event in session.events]
    if not bulk:
        return bodies
    return [b"[" + b",".join(bodies[i : i + 250]) + b"]" for i in range(0, len(bodies), 250)]


def paired(server: Server, ours: Callable[[], float], raw: Callable[[], float]) -> tuple[float, float, float]:
    """Best time of each side, and the median over adjacent pairs of raw time / our time.

    Each pair runs back to back (alternating which goes first), so both sides
    see the same load from the rest of the machine; the median of the pair
    ratios is far steadier than a ratio of two independent bests.
    """
    times: dict[str, list[float]] = {"ours": [], "raw": []}
    ratios = []
    for repeat in range(REPEATS):
        for side in ("ours", "raw") if repeat % 2 else ("raw", "ours"):
            server.reset()
            gc.collect()
            times[side].append((ours if side == "ours" else raw)())
        ratios.append(times["raw"][-1] / times["ours"][-1])
    return min(times["ours"]), min(times["raw"]), statistics.median(ratios)


def main() -> None:
    server = Server()
    try:
        client = EventClient(server.url, "Bench", TOPICS, retry=RetryPolicy(total_time=5.0))
        post_all = raw_poster(server.url)
        bulk_url, single_url = client.publish_bulk_url or "", client.publish_url or ""
        bulk_bodies = same_bodies(client, BULK_EVENTS, bulk=True)
        single_bodies = same_bodies(client, SINGLE_EVENTS, bulk=False)
        bc_events_single(client)  # warm up connections and code paths
        post_all(single_url, single_bodies)
        bulk = paired(server, lambda: bc_events_bulk(client), lambda: post_all(bulk_url, bulk_bodies))
        single = paired(server, lambda: bc_events_single(client), lambda: post_all(single_url, single_bodies))
        client.close()
        cost = publish_cost()
    finally:
        server.stop()

    rows = [
        (
            "publish() incl. validation, small topic",
            f"{cost * 1e6:.1f} us/event",
            "-",
            "-",
            "<= 5 us",
            cost <= 5e-6,
        )
    ]
    for label, events, (ours, raw, ratio), target in (
        (f"flush {BULK_EVENTS:,} events in bulk (250/request)", BULK_EVENTS, bulk, 1.0),
        (f"flush {SINGLE_EVENTS:,} events singly", SINGLE_EVENTS, single, 0.95),
    ):
        rows.append(
            (
                label,
                f"{events / ours:,.0f} ev/s",
                f"{events / raw:,.0f} ev/s",
                f"{ratio:.2f}",
                f">= {target:.2f}",
                ratio >= target,
            )
        )

    urllib3_version = importlib.metadata.version("urllib3")
    print(
        f"bc-events runtime benchmark: Python {platform.python_version()}, urllib3 {urllib3_version}, "
        f"server: bc_events.testing in a separate process, {REPEATS} paired runs\n"
    )
    header = ("measure", "bc_events (best)", "raw urllib3 (best)", "ratio (median of pairs)", "target", "met")
    table = [header, *[(*row[:5], "yes" if row[5] else "NO") for row in rows]]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    for index, row in enumerate(table):
        print(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    main()
