"""Asyncio benchmark: AsyncEventClient's flush next to raw httpx posting the same bodies, and the sync client.

    .venv/bin/python benchmarks/async_bench.py

Same method as ``runtime_bench.py`` (whose server and helpers it reuses): the
local Events API in its own process, best-of-N throughputs, ratios as medians
of back-to-back pairs.  Raw httpx is one ``httpx.AsyncClient`` posting the
exact bytes bc_events sends, checking only the status.  aiohttp is not
measured (not installed in the development environment).

Targets (issue 20): async bulk flush >= 0.9x raw httpx and >= the sync client;
async single-event flush >= 0.9x raw httpx.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.metadata
import platform
import statistics
import time
from collections.abc import Callable

import httpx
from runtime_bench import (
    BULK_EVENTS,
    JOB_ID,
    SINGLE_EVENTS,
    TOPICS,
    Server,
    bc_events_bulk,
    publish_many,
    same_bodies,
)

from bc_events import EventClient, RetryPolicy
from bc_events.aio import AsyncEventClient
from bc_events.wire import JOB_ID_HEADER

REPEATS = 7
RETRY = RetryPolicy(total_time=5.0)


async def async_bulk(client: AsyncEventClient) -> float:
    session = client.service_session(JOB_ID)
    publish_many(session, BULK_EVENTS)  # type: ignore[arg-type]  # the same publish(), duck-typed
    started = time.perf_counter()
    await session.flush()
    return time.perf_counter() - started


async def async_single(client: AsyncEventClient) -> float:
    sessions = [client.service_session(JOB_ID) for _ in range(SINGLE_EVENTS // 5)]
    for index, session in enumerate(sessions):
        publish_many(session, 5, prefix=f"{index}-")  # type: ignore[arg-type]
    started = time.perf_counter()
    for session in sessions:
        await session.flush()
    return time.perf_counter() - started


async def raw_httpx(raw: httpx.AsyncClient, url: str, bodies: list[bytes]) -> float:
    headers = {"Content-Type": "application/json", JOB_ID_HEADER: JOB_ID}
    started = time.perf_counter()
    for body in bodies:
        response = await raw.post(url, content=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"raw httpx post failed: HTTP {response.status_code}")
    return time.perf_counter() - started


def paired(server: Server, sides: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Each side's times, the sides interleaved (alternating order) so they share the machine's load."""
    times: dict[str, list[float]] = {side: [] for side in sides}
    for repeat in range(REPEATS):
        order = list(sides) if repeat % 2 else list(reversed(sides))
        for side in order:
            server.reset()
            gc.collect()
            times[side].append(sides[side]())
    return times


def main() -> None:
    server = Server()
    loop = asyncio.new_event_loop()
    try:
        sync_client = EventClient(server.url, "Bench", TOPICS, retry=RETRY)
        client = AsyncEventClient(server.url, "Bench", TOPICS, retry=RETRY)
        raw = loop.run_until_complete(_make_raw())
        bulk_url, single_url = sync_client.publish_bulk_url or "", sync_client.publish_url or ""
        bulk_bodies = same_bodies(sync_client, BULK_EVENTS, bulk=True)
        single_bodies = same_bodies(sync_client, SINGLE_EVENTS, bulk=False)
        loop.run_until_complete(async_single(client))  # warm up
        loop.run_until_complete(raw_httpx(raw, single_url, single_bodies))
        bulk = paired(
            server,
            {
                "async": lambda: loop.run_until_complete(async_bulk(client)),
                "raw": lambda: loop.run_until_complete(raw_httpx(raw, bulk_url, bulk_bodies)),
                "sync": lambda: bc_events_bulk(sync_client),
            },
        )
        single = paired(
            server,
            {
                "async": lambda: loop.run_until_complete(async_single(client)),
                "raw": lambda: loop.run_until_complete(raw_httpx(raw, single_url, single_bodies)),
            },
        )
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(raw.aclose())
        sync_client.close()
    finally:
        loop.close()
        server.stop()

    print(
        f"bc-events asyncio benchmark: Python {platform.python_version()}, "
        f"httpx {importlib.metadata.version('httpx')}, server: bc_events.testing in a separate process, "
        f"{REPEATS} runs of each side, interleaved\n"
    )
    rows = [("measure", "async (best)", "raw httpx (best)", "sync (best)", "async/raw (median)", "target")]
    for label, events, times, target in (
        (f"flush {BULK_EVENTS:,} events in bulk", BULK_EVENTS, bulk, ">= 0.90, >= sync"),
        (f"flush {SINGLE_EVENTS:,} events singly", SINGLE_EVENTS, single, ">= 0.90"),
    ):
        ratio = statistics.median(r / a for a, r in zip(times["async"], times["raw"], strict=True))
        sync = f"{events / min(times['sync']):,.0f} ev/s" if "sync" in times else "-"
        rows.append(
            (
                label,
                f"{events / min(times['async']):,.0f} ev/s",
                f"{events / min(times['raw']):,.0f} ev/s",
                sync,
                f"{ratio:.2f}",
                target,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))


async def _make_raw() -> httpx.AsyncClient:
    return httpx.AsyncClient(limits=httpx.Limits(max_connections=1), trust_env=False)


if __name__ == "__main__":
    main()
