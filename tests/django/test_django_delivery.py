"""Delivery after the request: a failed delivery keeps the response and loses nothing silently;
a slow Events API holds up neither the response nor the event loop."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import flush_views
import pytest
from django.test import AsyncClient, Client
from django_support import SERVERS, request

from bc_events.deliverer import wait_all_delivered
from bc_events.testing import EventsAPIServer

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


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.usefixtures("events_settings")
def test_a_slow_events_api_does_not_hold_the_response(events_api: EventsAPIServer, server: str) -> None:
    """The commit hands the events to the deliverer: the response is sent before the API replies."""
    delay = 3.0
    events_api.faults.delay(delay)
    started = time.monotonic()
    if server == "wsgi":
        response = Client().get("/t/committed/")
    else:
        response = asyncio.run(AsyncClient().get("/t/async_ok/"))
    took = time.monotonic() - started
    assert response.status_code == 200
    assert took < delay / 3, f"the response waited {took:.2f}s for the Events API"
    assert wait_all_delivered(30.0)
    assert [event.data["id"] for event in events_api.accepted] == ["a"]
