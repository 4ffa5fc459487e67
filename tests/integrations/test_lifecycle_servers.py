"""Real servers (uvicorn, a threaded wsgiref server): the unit of work's end, and an Events API outage.

* Background work that outlives its request (an ``asyncio`` task, a thread in a
  copied context) gets ``SessionClosedError`` when it publishes late: refused
  loudly, not lost silently.
* While the Events API never answers (or refuses connections), requests are
  answered at once, and every request's events are reported undelivered
  within ``total_time`` (plus some scheduling slack) of its response: a
  request on the wire is cut at its batch's deadline, so an attempt longer
  than ``total_time`` adds nothing.
"""

from __future__ import annotations

import contextvars
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import urllib3
from runtime.rawserver import RawServer

from bc_events import EventClient, PublishError, RetryPolicy, SessionClosedError, current_session
from bc_events.asgi import EventsMiddleware as AsgiMiddleware
from bc_events.testing import EventsAPIServer
from bc_events.wsgi import EventsMiddleware as WsgiMiddleware

from . import starlette_app
from .support import FAST, TOPICS, ids, serve, serve_asgi

# Attempts longer than total_time: a report is bounded by its batch's deadline, not by an attempt's end.
OUTAGE = RetryPolicy(total_time=1.0, attempt_timeout=2.5, initial_backoff=0.01, max_backoff=0.05, jitter=0.01)
SLACK = 1.0  # scheduling on a loaded machine
CONCURRENT = 64


def never_answer(connection: socket.socket, stopping: threading.Event) -> None:
    stopping.wait()


@pytest.fixture(params=["never answers", "refuses"])
def down_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with RawServer(never_answer) as server:
        url = server.url
        if request.param == "never answers":
            yield url
            return
    yield url  # closed: connections are refused


def assert_late_publish_refused(late: list[BaseException | None]) -> None:
    deadline = time.monotonic() + 10
    while not late and time.monotonic() < deadline:
        time.sleep(0.01)
    [error] = late
    assert isinstance(error, SessionClosedError)
    assert isinstance(error, RuntimeError)
    message = str(error)
    assert "is over" in message
    assert "open a session of its own" in message


def test_asgi_a_task_that_publishes_after_the_response_is_refused(api: EventsAPIServer) -> None:
    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    starlette_app.LATE.clear()
    with serve_asgi(AsgiMiddleware(starlette_app.starlette_app, client)) as url:
        response = urllib3.request("GET", f"{url}/late", retries=False, timeout=30)
        assert response.status == 200
        assert_late_publish_refused(starlette_app.LATE)
    assert ids(api) == ["in-time"]
    client.close()


def publish(event_id: str) -> None:
    current_session().publish(action="Created", entity="Test", data={"id": event_id})


def publishing_wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    """Publishes the event named by the path; ``/late`` also starts a thread that publishes later."""
    path = environ["PATH_INFO"].strip("/")
    publish(path)
    if path == "late":
        threading.Thread(target=contextvars.copy_context().run, args=(publish_late,)).start()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


LATE: list[BaseException | None] = []


def publish_late() -> None:
    time.sleep(0.2)  # the response has been sent by now
    try:
        publish("too-late")
        LATE.append(None)
    except Exception as error:
        LATE.append(error)


def test_wsgi_a_thread_in_a_copied_context_that_publishes_after_the_response_is_refused(
    api: EventsAPIServer,
) -> None:
    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    LATE.clear()
    server, url = serve(WsgiMiddleware(publishing_wsgi_app, client), threaded=True)
    assert urllib3.request("GET", f"{url}/late", retries=False, timeout=30).status == 200
    assert_late_publish_refused(LATE)
    server.shutdown()
    server.server_close()
    assert ids(api) == ["late"]
    client.close()


class Reports:
    """``on_undelivered``: when each job's events were reported."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()

    def __call__(self, error: PublishError) -> None:
        with self.lock:
            for event in error.undelivered:
                self.at[event.job_id] = time.monotonic()


def outage_run(get: Callable[[str, dict[str, str]], int], client: EventClient, reports: Reports) -> None:
    """Sequential requests, then concurrent ones; every response fast, every report within its bound."""
    sequential = []
    for n in range(10):
        started = time.monotonic()
        assert get(f"/seq{n}", {"X-BriteCore-Job-Id": f"seq-{n}"}) == 200
        sequential.append(time.monotonic() - started)
    assert statistics.median(sequential) < 0.1, f"requests waited on the outage: {sequential}"

    def call(n: int) -> tuple[str, float]:
        assert get(f"/c{n}", {"X-BriteCore-Job-Id": f"c-{n}"}) == 200
        return f"c-{n}", time.monotonic()

    with ThreadPoolExecutor(CONCURRENT) as pool:
        answered = dict(pool.map(call, range(CONCURRENT)))
    assert client.wait_delivered(30)
    assert set(reports.at) == set(answered) | {f"seq-{n}" for n in range(10)}, "an event was lost silently"
    for job_id, at in answered.items():
        late = reports.at[job_id] - at
        assert late <= OUTAGE.total_time + SLACK, f"{job_id}: reported {late:.2f}s late"


def test_asgi_during_an_outage_requests_answer_at_once_and_are_reported_within_the_bound(
    down_url: str,
) -> None:
    reports = Reports()
    client = EventClient(down_url, "WebService", TOPICS, retry=OUTAGE)
    app = AsgiMiddleware(starlette_app.starlette_app, client, on_undelivered=reports)
    pool = urllib3.PoolManager(maxsize=CONCURRENT, retries=False, timeout=30)
    with serve_asgi(app) as url:
        outage_run(
            lambda path, headers: pool.request("GET", f"{url}/publish{path}", headers=headers).status,
            client,
            reports,
        )
    client.close()


def test_wsgi_during_an_outage_requests_answer_at_once_and_are_reported_within_the_bound(
    down_url: str,
) -> None:
    reports = Reports()
    client = EventClient(down_url, "WebService", TOPICS, retry=OUTAGE)
    server, url = serve(WsgiMiddleware(publishing_wsgi_app, client, on_undelivered=reports), threaded=True)
    pool = urllib3.PoolManager(maxsize=CONCURRENT, retries=False, timeout=30)
    outage_run(lambda path, headers: pool.request("GET", url + path, headers=headers).status, client, reports)
    server.shutdown()
    server.server_close()
    client.close()


def test_sync_flushes_in_place_when_the_work_is_over(api: EventsAPIServer) -> None:
    """``sync=True``: the events are accepted by the time the server is done with the request."""
    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    server, url = serve(WsgiMiddleware(publishing_wsgi_app, client, sync=True))
    assert urllib3.request("GET", f"{url}/wsgi-sync", retries=False, timeout=30).status == 200
    server.shutdown()  # the one-threaded server has closed the response (the flush) by now
    server.server_close()
    with serve_asgi(AsgiMiddleware(starlette_app.starlette_app, client, sync=True)) as asgi_url:
        assert (
            urllib3.request("GET", f"{asgi_url}/publish/asgi-sync", retries=False, timeout=30).status == 200
        )
        deadline = time.monotonic() + 10
        while len(api.accepted) < 2 and time.monotonic() < deadline:  # the flush ends after the response
            time.sleep(0.01)
    assert [event.data["id"] for event in api.accepted] == ["wsgi-sync", "asgi-sync"]
    assert client.deliverer.queued == (0, 0)
    assert not client.deliverer._threads, "sync commits never start the deliverer"
    client.close()
