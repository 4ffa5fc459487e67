"""A local Events API shared by a test module (integrations are installed once per app), reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bc_events.testing import EventsAPIServer


@pytest.fixture(scope="module")
def module_api() -> Iterator[EventsAPIServer]:
    with EventsAPIServer() as server:
        yield server


@pytest.fixture
def api(module_api: EventsAPIServer) -> EventsAPIServer:
    module_api.reset()
    return module_api
