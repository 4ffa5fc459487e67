"""The pytest plugin bc-events installs (entry point ``pytest11``): the ``events_api`` fixture.

    def test_signup_publishes(events_api):
        client = EventClient(events_api.url, "MyService", "topics.yaml")
        signup(client)
        assert events_api.accepted_for("testing.UserCreated")[0].data["email"] == "a@b.c"

Without the installed entry point (e.g. with ``-p no:bc_events``), enable it
with ``pytest_plugins = ["bc_events.pytest_plugin"]`` in a ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bc_events.testing import EventsAPIServer


@pytest.fixture
def events_api() -> Iterator[EventsAPIServer]:
    """A running local Events API for one test (see ``bc_events.testing.EventsAPIServer``)."""
    with EventsAPIServer() as api:
        yield api
