"""The request's unit of work under Django: a late publish is refused, an outage holds up no response."""

from __future__ import annotations

import asyncio
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import flush_views
import pytest
from django.test import AsyncClient, Client
from django_support import SERVERS, accepted_ids, request

from bc_events import PublishError, SessionClosedError
from bc_events.testing import EventsAPIServer

pytestmark = pytest.mark.django_db(transaction=True)

RETRY = {
    "total_time": 1.0,
    "attempt_timeout": 0.3,
    "initial_backoff": 0.01,
    "max_backoff": 0.05,
    "jitter": 0.01,
}
SLACK = 1.0


def test_a_thread_that_publishes_after_the_response_is_refused(
    events_settings: dict[str, Any], events_api: EventsAPIServer
) -> None:
    assert Client().get("/t/late_thread/").status_code == 200
    assert flush_views.LATE_DONE.wait(10)
    [error] = flush_views.LATE
    assert isinstance(error, SessionClosedError)
    assert "is over" in str(error)
    assert request("wsgi", "/t/quiet/").status_code == 200  # returns once the deliverer is idle
    assert accepted_ids(events_api) == ["in-time"]


@pytest.fixture
def blackhole() -> Iterator[str]:
    """An Events API that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()
    for connection in held:
        connection.close()


REPORTED: dict[str, float] = {}


def record(error: PublishError) -> None:
    for event in error.undelivered:
        REPORTED[event.job_id] = time.monotonic()


@pytest.mark.parametrize("server", SERVERS)
def test_during_an_outage_responses_are_immediate_and_events_reported_within_the_bound(
    settings: Any, blackhole: str, server: str
) -> None:
    settings.BC_EVENTS = {
        "API_URL": blackhole,
        "SERVICE_NAME": "PolicyService",
        "CLIENT": "events_gen.EventClient",
        "RETRY": RETRY,
        "ON_UNDELIVERED": "test_django_lifecycle.record",
    }
    REPORTED.clear()
    took, answered = [], {}
    for n in range(8):
        started = time.monotonic()
        headers = {"X-BriteCore-Job-Id": f"job-{n}"}
        if server == "wsgi":
            response = Client().get("/t/committed/", headers=headers)
        else:
            response = asyncio.run(AsyncClient().get("/t/async_ok/", headers=headers))
        answered[f"job-{n}"] = time.monotonic()
        took.append(answered[f"job-{n}"] - started)
        assert response.status_code == 200
    assert statistics.median(took) < 0.1, f"requests waited on the outage: {took}"
    deadline = time.monotonic() + 30
    while len(REPORTED) < len(answered) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert set(REPORTED) == set(answered)
    for job_id, at in answered.items():
        assert REPORTED[job_id] - at <= RETRY["total_time"] + RETRY["attempt_timeout"] + SLACK


def test_sync_flushes_in_the_request(
    settings: Any, events_settings: dict[str, Any], events_api: EventsAPIServer
) -> None:
    settings.BC_EVENTS = {**events_settings, "SYNC": True}
    assert Client().get("/t/committed/").status_code == 200
    assert [event.data["id"] for event in events_api.accepted] == ["a"]  # no wait for a deliverer
