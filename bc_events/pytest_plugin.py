"""The pytest plugin bc-events installs (entry point ``pytest11``): ``events_api`` and ``events_delivered``.

    def test_signup_publishes(events_api):
        client = EventClient(events_api.url, "MyService", "topics.yaml")
        signup(client)
        assert events_api.accepted_for("testing.UserCreated")[0].data["email"] == "a@b.c"

    def test_the_view_publishes(events_api, events_delivered, client):   # Django's test client
        client.post("/signup/", {...})
        events_delivered()        # the request committed to the background deliverer: wait for it
        assert events_api.accepted_for("testing.UserCreated")

Without the installed entry point (e.g. with ``-p no:bc_events``), enable it
with ``pytest_plugins = ["bc_events.pytest_plugin"]`` in a ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bc_events.deliverer import wait_all_delivered
from bc_events.testing import EventsAPIServer


@pytest.fixture
def events_api() -> Iterator[EventsAPIServer]:
    """A running local Events API for one test (see ``bc_events.testing.EventsAPIServer``)."""
    with EventsAPIServer() as api:
        yield api


@pytest.fixture
def events_delivered() -> Callable[..., None]:
    """``events_delivered(timeout=10.0)``: wait until the integrations' committed events were sent.

    Integrations hand what a request or task committed to a background
    deliverer; this waits until every deliverer of the process is idle (each
    batch delivered or reported undelivered), and fails the test if that takes
    longer than ``timeout`` seconds.
    """

    def wait(timeout: float = 10.0) -> None:
        if not wait_all_delivered(timeout):
            pytest.fail(f"bc_events: the deliverer still had events in flight after {timeout:g}s")

    return wait
