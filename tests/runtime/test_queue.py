"""The session queue's contract (bc_events.queue), on the in-memory queue, and the module graph it frees."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bc_events
from bc_events import Event, EventClient
from bc_events.queue import Batch, InMemoryQueue

from .support import TOPICS


def event(n: int) -> Event:
    return Event.create(
        category="testing",
        entity="Test",
        action="Created",
        data={"id": str(n)},
        actor_id="u",
        actor_type="user",
        job_id="job-1",
    )


def ids(events: list[Event]) -> list[str]:
    return [e.data["id"] for e in events]


def test_take_batch_takes_everything_and_returns_go_in_front() -> None:
    queue = InMemoryQueue()
    for n in range(4):
        queue.enqueue(event(n))
    batch = queue.take_batch()
    assert ids(batch.events) == ["0", "1", "2", "3"]
    assert len(queue) == 0
    queue.enqueue(event(9))
    queue.return_undelivered(batch, [batch.events[1], batch.events[3]])  # an explicit list, e.g. the unacked
    assert ids(queue.events()) == ["1", "3", "9"]
    assert not queue.cleared_since(batch)


@pytest.mark.parametrize("cleared", [True, False])
def test_a_clear_after_the_take_drops_what_comes_back(cleared: bool) -> None:
    queue = InMemoryQueue()
    queue.enqueue(event(0))
    batch = queue.take_batch()
    if cleared:
        queue.clear()
    queue.return_undelivered(batch, batch.events)
    assert queue.cleared_since(batch) is cleared
    assert ids(queue.events()) == ([] if cleared else ["0"])


def test_an_empty_queue_gives_an_empty_batch() -> None:
    assert InMemoryQueue().take_batch() == Batch([], 0)


def test_a_session_gets_the_queue_it_is_made_with() -> None:
    client = EventClient(None, "TestService", TOPICS)
    queue = InMemoryQueue()
    session = client.session("u-1", "user", "job-1", queue=queue)
    session.publish(action="Created", entity="Test", data={"id": "a"})
    assert ids(queue.events()) == ["a"]
    assert session.events == queue.events()
    assert isinstance(client.user_session("u", "j").queue, InMemoryQueue)


@pytest.mark.parametrize("module", ["session", "catalog", "queue"])
def test_the_session_side_does_not_import_the_client_module(module: str) -> None:
    """The circle is gone: the client imports the session and the catalogue, never the other way."""
    path = Path(bc_events.__file__).parent / f"{module}.py"
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert "bc_events.client" not in imported
    assert imported  # the walk saw the module's imports
