"""Topics, retry policies and small helpers shared by the runtime tests."""

from __future__ import annotations

from typing import Any

from bc_events import EventSession, RetryPolicy
from bc_events.testing import EventsAPIServer

TOPICS: dict[str, Any] = {
    "DefaultCategory": "testing",
    "Topics": [
        {
            "Action": "Created",
            "Entity": "Test",
            "Description": "A new Test was created",
            "Schema": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
            },
        },
        {
            "Action": "Created",
            "Entity": "MyEntity",
            "Schema": {
                "type": "object",
                "properties": {
                    "items": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"name": {"type": "string"}}},
                    }
                },
            },
        },
        {"Action": "Deleted", "Entity": "Test", "Category": "other", "Schema": {"type": "object"}},
    ],
}

FAST = RetryPolicy(total_time=2.0, attempt_timeout=1.0, initial_backoff=0.001, max_backoff=0.01, jitter=0.001)
"""Retries that wait milliseconds, so fault tests run fast."""


def publish_tests(session: EventSession, count: int, prefix: str = "e") -> list[str]:
    """Publish ``count`` testing.TestCreated events with ids ``prefix0``...; returns the ids."""
    ids = [f"{prefix}{i}" for i in range(count)]
    for event_id in ids:
        session.publish(action="Created", entity="Test", data={"id": event_id})
    return ids


def accepted_ids(api: EventsAPIServer) -> list[str]:
    """Ids of the accepted events, in the order the server accepted them."""
    return [event.data["id"] for event in api.accepted]


def queued_ids(session: EventSession) -> list[str]:
    """Ids of the events still queued on ``session``."""
    return [event.data["id"] for event in session.events]


def request_sizes(api: EventsAPIServer) -> list[tuple[str, int]]:
    """``(path, number of events)`` of every request the server received."""
    return [(request.path, request.records) for request in api.request_log]
