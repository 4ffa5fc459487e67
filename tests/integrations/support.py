"""Helpers shared by the integration tests: a client factory on a local Events API, waiting for events."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import uvicorn
from runtime.support import FAST, TOPICS

from bc_events import EventClient
from bc_events.deliverer import wait_all_delivered
from bc_events.testing import EventsAPIServer

__all__ = ["FAST", "TOPICS", "client_factory", "delivered", "ids", "serve", "serve_asgi", "wait_for_events"]


def client_factory(api: EventsAPIServer, service: str = "TestService") -> Callable[[], EventClient]:
    """A zero-argument factory of clients delivering to ``api`` with fast retries."""
    return lambda: EventClient(api.url, service, TOPICS, retry=FAST)


def wait_for_events(api: EventsAPIServer, count: int, timeout: float = 30.0) -> list[str]:
    """Wait until ``api`` accepted ``count`` events (or ``timeout`` passed); their ids, in order."""
    deadline = time.monotonic() + timeout
    while len(api.accepted) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return ids(api)


def ids(api: EventsAPIServer) -> list[str]:
    """Ids of the events ``api`` accepted, in the order it accepted them, once this process's
    deliverers have sent what the requests and tasks so far committed."""
    delivered()
    return [event.data["id"] for event in api.accepted]


def delivered(timeout: float = 30.0) -> None:
    """Wait until what was committed so far was delivered or reported (delivery is in the background)."""
    assert wait_all_delivered(timeout), f"the deliverer was still busy after {timeout}s"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve(app: Any, threaded: bool = False) -> tuple[WSGIServer, str]:
    server_class = ThreadingWSGIServer if threaded else WSGIServer
    server = make_server("127.0.0.1", 0, app, server_class=server_class, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@contextlib.contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn server on a port the OS chose; its URL."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
