"""Client and session lifetimes: the client closes as a context manager; a lost queue is not silent."""

from __future__ import annotations

import gc
import sys
import warnings
from collections.abc import Sequence

import pytest

from bc_events import Event, EventClient, EventSession, PublishError, RecordingTransport
from bc_events.testing import EventsAPIServer
from bc_events.transport import Cancelled, never_cancelled

from .support import FAST, TOPICS, publish_tests


class ClosableTransport(RecordingTransport):
    """Records deliveries and whether ``close()`` was called."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def send(self, events: Sequence[Event], *, cancelled: Cancelled = never_cancelled) -> None:
        assert not self.closed, "sent after close()"
        super().send(events)

    def close(self) -> None:
        self.closed += 1


def test_client_is_a_context_manager_that_closes_its_transport() -> None:
    transport = ClosableTransport()
    with EventClient(None, "TestService", TOPICS, transport=transport) as client:
        assert isinstance(client, EventClient)
        with client.service_session("job-1") as session:
            session.created_test({"id": "1"})
        assert transport.closed == 0
    assert transport.closed == 1
    assert [event.data for event in transport.delivered] == [{"id": "1"}]


def test_client_closes_when_the_block_raises() -> None:
    transport = ClosableTransport()
    with (
        pytest.raises(RuntimeError, match="boom"),
        EventClient(None, "TestService", TOPICS, transport=transport),
    ):
        raise RuntimeError("boom")
    assert transport.closed == 1


def test_client_as_context_manager_delivers_over_http(api: EventsAPIServer) -> None:
    with (
        EventClient(api.url, "TestService", TOPICS, retry=FAST) as client,
        client.service_session("job-1") as session,
    ):
        publish_tests(session, 7)
    assert len(api.accepted) == 7


# --- a session dropped with events still queued -------------------------------------------------


def drop(sessions: list[EventSession]) -> list[warnings.WarningMessage]:
    """Drop the only references to ``sessions`` (and collect cycles); the ResourceWarnings that caused."""
    gc.collect()  # other tests' garbage first
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sessions.clear()
        gc.collect()
    return [warning for warning in caught if issubclass(warning.category, ResourceWarning)]


@pytest.fixture
def local_client() -> EventClient:
    return EventClient(None, "TestService", TOPICS)


def test_session_dropped_with_queued_events_warns_naming_how_many(local_client: EventClient) -> None:
    sessions = [local_client.user_session("user-1", "job-7")]
    publish_tests(sessions[0], 3)
    [warning] = drop(sessions)
    assert str(warning.message) == (
        "session of job 'job-7' dropped with 3 event(s) still queued: "
        "call flush() to deliver them or rollback() to drop them"
    )


def test_session_in_a_reference_cycle_warns_when_collected(local_client: EventClient) -> None:
    sessions = [local_client.user_session("user-1", "job-8")]
    publish_tests(sessions[0], 1)
    sessions[0].myself = sessions[0]  # only the cyclic garbage collector can free it
    [warning] = drop(sessions)
    assert "dropped with 1 event(s) still queued" in str(warning.message)


def test_undelivered_events_left_after_a_failed_flush_warn_too(api: EventsAPIServer) -> None:
    with EventClient(api.url, "TestService", TOPICS, retry=FAST) as client:
        sessions = [client.user_session("user-1", "job-9")]
        publish_tests(sessions[0], 2)
        api.faults.respond(403, {"errorType": "AccessDeniedException"})  # not the events' fault: kept
        with pytest.raises(PublishError, match="not delivered"):
            sessions[0].flush()
        [warning] = drop(sessions)
    assert "dropped with 2 event(s) still queued" in str(warning.message)


@pytest.mark.parametrize("finish", ["flush", "rollback", "nothing-published"])
def test_session_dropped_with_an_empty_queue_is_silent(local_client: EventClient, finish: str) -> None:
    sessions = [local_client.user_session("user-1", "job-1")]
    if finish != "nothing-published":
        publish_tests(sessions[0], 2)
        getattr(sessions[0], finish)()
    assert drop(sessions) == []


def test_session_refused_at_creation_is_collected_quietly(local_client: EventClient) -> None:
    """Its ``__del__`` sees a half-built object: no warning and no "Exception ignored in" either."""
    unraisable: list[object] = []
    gc.collect()
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="job_id"):
                local_client.user_session("user-1", "")
            gc.collect()
    finally:
        sys.unraisablehook = hook
    assert [warning for warning in caught if issubclass(warning.category, ResourceWarning)] == []
    assert unraisable == []
