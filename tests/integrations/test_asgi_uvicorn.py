"""bc_events.asgi.EventsMiddleware behind a real uvicorn server: the client is answered before the flush."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import urllib3
import uvicorn

from bc_events import EventClient
from bc_events.asgi import EventsMiddleware
from bc_events.testing import EventsAPIServer

from .starlette_app import starlette_app
from .support import FAST, TOPICS, wait_for_events


@pytest.fixture
def url(api: EventsAPIServer) -> Iterator[str]:
    """The Starlette test app behind the middleware, served by uvicorn on a port the OS chose."""
    client = EventClient(api.url, "WebService", TOPICS, retry=dataclasses.replace(FAST, attempt_timeout=10))
    config = uvicorn.Config(EventsMiddleware(starlette_app, client), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    client.close()


def test_the_response_is_sent_before_a_slow_flush_ends(url: str, api: EventsAPIServer) -> None:
    api.faults.delay(2.0)
    response = urllib3.request("GET", f"{url}/publish/slow", retries=False, timeout=30)
    assert response.status == 200
    assert api.accepted == [], "the client was answered while the flush was still held by the Events API"
    assert wait_for_events(api, 1) == ["slow"]


def test_a_streamed_body_is_sent_then_flushed(url: str, api: EventsAPIServer) -> None:
    response = urllib3.request("GET", f"{url}/stream", retries=False, timeout=30)
    assert response.data == b"chunk0\nchunk1\nchunk2\n"
    assert wait_for_events(api, 3) == ["chunk0", "chunk1", "chunk2"]
    response = urllib3.request("GET", f"{url}/publish/e404?status=404", retries=False, timeout=30)
    assert response.status == 404
    response = urllib3.request("GET", f"{url}/publish/marker", retries=False, timeout=30)
    assert wait_for_events(api, 4)[3:] == ["marker"]
    time.sleep(0.2)
    assert len(api.accepted) == 4
