"""Helpers shared by the integration tests: a client factory on a local Events API, waiting for events."""

from __future__ import annotations

import time
from collections.abc import Callable

from runtime.support import FAST, TOPICS

from bc_events import EventClient
from bc_events.deliverer import wait_all_delivered
from bc_events.testing import EventsAPIServer

__all__ = ["FAST", "TOPICS", "client_factory", "delivered", "ids", "wait_for_events"]


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
