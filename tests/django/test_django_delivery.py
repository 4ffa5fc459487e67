"""Delivery after the request: a failed flush keeps the response and loses nothing silently;
under ASGI a slow Events API does not hold up the event loop."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import Future
from typing import Any

import flush_views
import pytest
from django.test import AsyncClient
from django_support import SERVERS, request

from bc_events.testing import SINGLE_PATH, EventsAPIServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("server", SERVERS)
def test_a_failed_flush_after_commit_keeps_the_response_logs_the_envelopes_and_calls_the_hook(
    settings: Any,
    events_settings: dict[str, Any],
    events_api: EventsAPIServer,
    caplog: pytest.LogCaptureFixture,
    server: str,
) -> None:
    settings.BC_EVENTS = {**events_settings, "ON_UNDELIVERED": "flush_views.record_undelivered"}
    flush_views.undelivered.clear()
    events_api.faults.reject(times=1)  # a 400 the client does not retry
    with caplog.at_level(logging.ERROR, logger="bc.events"):
        response = request(server, "/t/committed/", {"X-BriteCore-Job-Id": "job-lost"})
    assert response.status_code == 200
    assert events_api.accepted == []
    [error] = flush_views.undelivered
    assert [event.data["id"] for event in error.rejected] == ["a"]  # a 400 ValidationException
    [record] = [r for r in caplog.records if "not delivered after the work succeeded" in r.getMessage()]
    assert record.levelno == logging.ERROR
    envelope = json.loads(record.getMessage().splitlines()[-1])
    assert (envelope["data"]["id"], envelope["action"], envelope["entity"]) == ("a", "Cancelled", "Policy")
    assert "job-lost" in record.getMessage()


async def _quiet_request() -> tuple[int, float]:
    response = await AsyncClient().get("/t/quiet/")
    return response.status_code, time.monotonic()


@pytest.mark.usefixtures("events_settings")
def test_a_slow_flush_under_asgi_does_not_block_other_requests(events_api: EventsAPIServer) -> None:
    """While one request's flush waits for a slow Events API, another request on the loop completes."""
    delay = 3.0
    events_api.faults.delay(delay)

    async def scenario() -> tuple[float, float, int, int]:
        loop = asyncio.get_running_loop()

        def start_quiet_once_the_flush_waits() -> tuple[float, Future[tuple[int, float]]]:
            # A thread, so that it sees the flush arrive even if the flush blocked the loop.
            deadline = time.monotonic() + 30
            while events_api.requests[SINGLE_PATH] == 0:
                assert time.monotonic() < deadline, "the flush never reached the Events API"
                time.sleep(0.005)
            return time.monotonic(), asyncio.run_coroutine_threadsafe(_quiet_request(), loop)

        watcher = loop.run_in_executor(None, start_quiet_once_the_flush_waits)
        slow = await AsyncClient().get("/t/async_ok/")
        slow_done = time.monotonic()
        flush_reached, quiet = await watcher
        quiet_status, quiet_done = await asyncio.wrap_future(quiet)
        return quiet_done - flush_reached, slow_done - flush_reached, quiet_status, slow.status_code

    quiet_took, slow_took, quiet_status, slow_status = asyncio.run(scenario())
    assert (quiet_status, slow_status) == (200, 200)
    assert slow_took >= delay * 0.9, "the slow request waited for its flush"
    assert quiet_took < delay / 2, f"a request that publishes nothing waited {quiet_took:.2f}s for a flush"
    assert [event.data["id"] for event in events_api.accepted] == ["a"]
