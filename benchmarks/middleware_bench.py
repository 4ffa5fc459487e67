"""What the ASGI and WSGI middlewares cost per request, next to the same app without them.

    .venv/bin/python benchmarks/middleware_bench.py

Requests are direct calls of the application (no server, no sockets), and the
client's transport is ``RecordingTransport``, so the figures are the
middleware's own work: opening the session, binding it, tracking the status,
wrapping the body and finishing the session.  "publish 3" views publish three
events; without the middleware they publish on one session bound once, so both
sides pay the same for publish().  With the middleware, the request's commit
hands its events to the client's background deliverer (``bc_events.deliverer``;
its threads deliver them to the recording transport meanwhile): that hand-over
is in the "publish 3" row.  Each figure is the best of several runs, in
microseconds per request.

The second table is an outage: 20,000 ASGI requests, each publishing one
event, against an Events API that accepts connections and never answers.  The
deliverer's queue is bounded (here ``max_events=2_000`` and ``full_wait=0``, so
that the run does not wait 50 ms per request once the queue is full); the
table shows the process's resident memory before and after, and where the
events went.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import bc_events
from bc_events import EventClient, PublishError, RecordingTransport, RetryPolicy, current_session
from bc_events.asgi import EventsMiddleware as AsgiMiddleware
from bc_events.deliverer import DelivererLimits
from bc_events.wsgi import EventsMiddleware as WsgiMiddleware

TOPICS: dict[str, Any] = {
    "DefaultCategory": "testing",
    "Topics": [
        {
            "Action": "Created",
            "Entity": "Test",
            "Schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        }
    ],
}
REQUESTS = 5_000
RUNS = 5


def publish(count: int) -> None:
    session = current_session()
    for _ in range(count):
        session.publish(action="Created", entity="Test", data={"id": "42"})


def wsgi_view(count: int) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        publish(count)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


def asgi_view(count: int) -> Callable[..., Any]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        publish(count)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def time_wsgi(app: Callable[..., Iterable[bytes]]) -> float:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_X_BRITECORE_JOB_ID": "job-1"}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return None

    start = time.perf_counter()
    for _ in range(REQUESTS):
        body = app(environ, start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return (time.perf_counter() - start) / REQUESTS * 1e6


def time_asgi(app: Callable[..., Any], requests: int = REQUESTS) -> float:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-britecore-job-id", b"job-1")]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    async def run() -> float:
        start = time.perf_counter()
        for _ in range(requests):
            await app(scope, receive, send)
        return (time.perf_counter() - start) / requests * 1e6

    return asyncio.run(run())


def best(measure: Callable[[], float]) -> float:
    gc.collect()
    return min(measure() for _ in range(RUNS))


def main() -> None:
    client = EventClient(None, "BenchService", TOPICS, transport=RecordingTransport())
    baseline_session = client.service_session("job-1")
    rows = []
    for label, count in (("publish nothing", 0), ("publish 3", 3)):
        with bc_events.bind_session(baseline_session):
            bare_wsgi = best(lambda count=count: time_wsgi(wsgi_view(count)))
            bare_asgi = best(lambda count=count: time_asgi(asgi_view(count)))
        baseline_session.rollback()
        wrapped_wsgi = best(lambda count=count: time_wsgi(WsgiMiddleware(wsgi_view(count), client)))
        wrapped_asgi = best(lambda count=count: time_asgi(AsgiMiddleware(asgi_view(count), client)))
        rows.append(("WSGI", label, bare_wsgi, wrapped_wsgi))
        rows.append(("ASGI", label, bare_asgi, wrapped_asgi))
    print(f"{REQUESTS} requests per run, best of {RUNS} runs; microseconds per request")
    print()
    print("| interface | view | without middleware | with middleware | overhead |")
    print("| --- | --- | ---: | ---: | ---: |")
    for interface, label, bare, wrapped in sorted(rows):
        print(f"| {interface} | {label} | {bare:.1f} | {wrapped:.1f} | {wrapped - bare:.1f} |")


def rss_mb() -> float:
    """Resident memory of this process now (Linux: /proc/self/statm), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def outage(requests: int = 20_000) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    threading.Thread(
        target=lambda: [held.append(listener.accept()[0]) for _ in iter(int, 1)], daemon=True
    ).start()
    logging.getLogger("bc.events").disabled = True  # 18,000 ERROR reports with envelopes: counted instead
    reported: list[int] = []

    def count(error: PublishError) -> None:
        reported.append(len(error.undelivered))

    retry = RetryPolicy(total_time=30.0, attempt_timeout=10.0)
    limits = DelivererLimits(max_events=2_000, full_wait=0.0)
    client = EventClient(
        f"http://127.0.0.1:{listener.getsockname()[1]}", "BenchService", TOPICS, retry=retry, deliverer=limits
    )
    app = AsgiMiddleware(asgi_view(1), client, on_undelivered=count)
    time_asgi(app, 100)  # warm up: the deliverer's threads start, the first batches go on the wire
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    time_asgi(app, requests)
    took = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    queued, _ = client.deliverer.queued
    print()
    print(f"Outage: {requests:,} ASGI requests, one event each, Events API never answers")
    print()
    print("| requests | took | RSS before | RSS after | growth | queued (bound) | reported undelivered |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {requests:,} | {took:.1f} s | {before:.1f} MB | {after:.1f} MB | {after - before:+.1f} MB "
        f"| {queued:,} ({limits.max_events:,}) | {sum(reported):,} |"
    )
    client.deliverer.close(timeout=0.0)


if __name__ == "__main__":
    main()
    outage()
