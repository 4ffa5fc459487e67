"""Fixtures of the runtime tests: a local Events API and clients pointed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest

from bc_events import EventClient, EventSession
from bc_events.testing import EventsAPIServer

from .support import FAST, TOPICS

MakeClient = Callable[..., EventClient]


@pytest.fixture
def api() -> Iterator[EventsAPIServer]:
    with EventsAPIServer() as server:
        yield server


@pytest.fixture
def make_client(api: EventsAPIServer) -> Iterator[MakeClient]:
    """``make_client(**retry_fields)``: a client on ``api`` with FAST retries, overridable per test."""
    clients: list[EventClient] = []

    def make(**retry: float) -> EventClient:
        client = EventClient(api.url, "TestService", TOPICS, retry=dataclasses.replace(FAST, **retry))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> EventClient:
    return make_client()


@pytest.fixture
def session(client: EventClient) -> EventSession:
    return client.user_session("user-1", "job-1")
