"""A session over a TransactionQueue: what flush() delivers and holds back, and its failure contract."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterable, Iterator

import events_gen
import pytest
from django.db import transaction

from bc_events import Event, PublishError, RetryPolicy
from bc_events.django.transactions import TransactionQueue
from bc_events.queue import InMemoryQueue
from bc_events.testing import AcceptedEvent, EventsAPIServer

pytestmark = pytest.mark.django_db(transaction=True)
FAST = RetryPolicy(total_time=2.0, attempt_timeout=1.0, initial_backoff=0.001, max_backoff=0.01, jitter=0.001)


@pytest.fixture
def session(events_api: EventsAPIServer) -> Iterator[events_gen.EventSession]:
    client = events_gen.EventClient(events_api.url, "PolicyService", retry=FAST)
    session = client.session("PolicyService", "service", "job-1", queue=TransactionQueue())
    assert isinstance(session, events_gen.EventSession)  # the typed session, over another queue
    yield session
    client.close()


def emit(session: events_gen.EventSession, event_id: str) -> None:
    session.cancelled_policy({"id": event_id, "reason": "non_payment", "cancelled_by": 7})


def ids(events: Iterable[Event | AcceptedEvent]) -> list[str]:
    return [event.data["id"] for event in events]


def test_flush_holds_back_events_of_an_open_transaction(
    session: events_gen.EventSession, events_api: EventsAPIServer
) -> None:
    emit(session, "before")
    with transaction.atomic():
        emit(session, "inside")
        session.flush()
        assert ids(events_api.accepted) == ["before"]
        assert ids(session.events) == ["inside"]
        assert isinstance(session.queue, TransactionQueue)
        assert session.queue.held_back == 1
    session.flush()
    assert ids(events_api.accepted) == ["before", "inside"]
    assert session.events == []


def test_a_failed_flush_puts_back_exactly_the_undelivered_in_front(
    session: events_gen.EventSession, events_api: EventsAPIServer
) -> None:
    for event_id in "abcdefg":  # more than 5: one bulk request
        emit(session, event_id)
    events_api.faults.partial_bulk_failure({1, 4})  # throttled: retried ...
    events_api.faults.respond(403, {"errorType": "AccessDeniedException"})  # ... and refused: kept queued
    with pytest.raises(PublishError):
        session.flush()
    emit(session, "h")
    assert ids(session.events) == ["b", "e", "h"]
    session.flush()
    assert ids(events_api.accepted) == ["a", "c", "d", "f", "g", "b", "e", "h"]


def test_invalid_data_queues_nothing_and_rollback_drops_everything(session: events_gen.EventSession) -> None:
    with pytest.raises(ValueError, match=r"policies\.PolicyCancelled"):
        session.publish(action="Cancelled", entity="Policy", data={"id": 1})
    assert session.events == []
    emit(session, "a")
    with transaction.atomic():
        emit(session, "b")
    session.rollback()
    assert session.events == []


def test_the_queue_is_chosen_when_the_session_is_made(events_api: EventsAPIServer) -> None:
    client = events_gen.EventClient(events_api.url, "PolicyService", retry=FAST)
    plain, held = (
        client.service_session("job-1"),
        client.session("S", "service", "job-2", queue=TransactionQueue()),
    )
    assert type(plain) is type(held) is events_gen.EventSession
    assert isinstance(plain.queue, InMemoryQueue)
    with transaction.atomic():
        emit(plain, "plain")
        emit(held, "held")
        plain.flush()
        held.flush()
    assert ids(events_api.accepted) == ["plain"]  # the transaction had not committed at the flush
    held.flush()
    assert ids(events_api.accepted) == ["plain", "held"]
    client.close()


def test_a_session_dropped_with_events_still_queued_warns(events_api: EventsAPIServer) -> None:
    client = events_gen.EventClient(events_api.url, "PolicyService", retry=FAST)
    sessions = [client.session("PolicyService", "service", "job-9", queue=TransactionQueue())]
    emit(sessions[0], "lost")
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sessions.clear()
        gc.collect()
    messages = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert messages == [
        "session of job 'job-9' dropped with 1 event(s) still queued: "
        "call flush() to deliver them or rollback() to drop them"
    ]
    client.close()
