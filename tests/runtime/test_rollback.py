"""rollback() while another thread's flush is in flight: what it dropped never comes back."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from bc_events import EventSession, PublishError
from bc_events.testing import EventsAPIServer

from .conftest import MakeClient
from .support import accepted_ids, publish_tests, queued_ids


def flush_in_thread(session: EventSession) -> tuple[threading.Thread, list[BaseException | None]]:
    """Start ``session.flush()`` in a thread; the list gets its exception (or None) when it ends."""
    outcome: list[BaseException | None] = []

    def flush() -> None:
        try:
            session.flush()
        except BaseException as error:
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=flush)
    thread.start()
    return thread, outcome


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.001)


@pytest.mark.parametrize("count", [3, 20], ids=["single-requests", "bulk-request"])
def test_events_rolled_back_during_a_failing_flush_are_not_requeued(
    api: EventsAPIServer, make_client: MakeClient, count: int
) -> None:
    session = make_client(total_time=1.0).user_session("user-1", "job-1")
    publish_tests(session, count, "dropped")
    api.faults.server_error(times=1_000_000)  # every attempt fails until the flush gives up
    thread, outcome = flush_in_thread(session)
    wait_for(lambda: len(api.request_log) >= 2)  # in flight: it has posted and is retrying
    session.rollback()
    publish_tests(session, 1, "published-after-rollback")
    thread.join(timeout=30)
    assert isinstance(outcome[0], PublishError)
    assert len(outcome[0].undelivered) == count  # reported as failed ...
    assert queued_ids(session) == ["published-after-rollback0"]  # ... but not queued again
    api.faults.clear()
    publish_tests(session, 2, "kept")
    session.flush()
    assert accepted_ids(api) == ["published-after-rollback0", "kept0", "kept1"]


def test_what_was_on_the_wire_at_rollback_is_not_sent_again(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    """A server that accepts the request after the client gave up: accepted once, never re-sent."""
    session = make_client(attempt_timeout=0.3, total_time=0.2).user_session("user-1", "job-1")
    publish_tests(session, 8, "slow")
    api.faults.delay(1.0)
    thread, outcome = flush_in_thread(session)
    wait_for(lambda: api.requests.total() >= 1)
    time.sleep(0.1)  # the request is on the wire, its reply late
    session.rollback()
    thread.join(timeout=30)
    assert isinstance(outcome[0], PublishError)
    wait_for(lambda: len(api.accepted) == 8)  # the server accepted it after the wait
    publish_tests(session, 1, "next")
    session.flush()
    counts = Counter(accepted_ids(api))
    assert counts == Counter({f"slow{i}": 1 for i in range(8)} | {"next0": 1})


def test_racing_rollbacks_never_leave_dropped_events_queued(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    """Rollback at random moments of failing flushes; afterwards nothing old is queued or delivered."""
    session = make_client(total_time=0.05).user_session("user-1", "job-1")
    api.faults.server_error(times=1_000_000)
    chance = random.Random(7)
    for round_number in range(30):
        publish_tests(session, chance.choice([1, 4, 12]), f"r{round_number}-")
        thread, outcome = flush_in_thread(session)
        time.sleep(chance.uniform(0, 0.04))
        session.rollback()
        thread.join(timeout=30)
        assert session.events == [], f"round {round_number}: {outcome}"
    api.faults.clear()
    publish_tests(session, 3, "last")
    session.flush()
    assert accepted_ids(api) == ["last0", "last1", "last2"]


def test_a_failed_flush_without_rollback_still_keeps_its_events(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=0.1).user_session("user-1", "job-1")
    publish_tests(session, 3, "kept")
    api.faults.server_error(times=1_000_000)
    with pytest.raises(PublishError):
        session.flush()
    api.faults.clear()
    session.flush()
    assert accepted_ids(api) == ["kept0", "kept1", "kept2"]


@pytest.mark.parametrize("count", [3, 520], ids=["single-requests", "bulk-requests"])
def test_rollback_stops_an_in_flight_flush_from_starting_more_requests(
    api: EventsAPIServer, make_client: MakeClient, count: int
) -> None:
    session = make_client(total_time=10.0, attempt_timeout=5.0).user_session("user-1", "job-1")
    publish_tests(session, count, "dropped")
    api.faults.delay(1.0, times=1)  # the first request is on the wire while we roll back
    thread, outcome = flush_in_thread(session)
    time.sleep(0.4)  # the server logs a request when it replies: 0.6 s from now
    session.rollback()
    thread.join(timeout=30)
    assert isinstance(outcome[0], PublishError)
    assert "rolled back" in str(outcome[0])
    time.sleep(0.2)
    # At most the request that was on the wire (none if this loaded machine had not sent it yet).
    assert len(api.request_log) <= 1, "no request may start after rollback() returned"
    assert len(api.accepted) in {0, 1 if count <= 5 else 250}
    assert session.events == []


def test_rollback_stops_the_retries_of_an_in_flight_flush(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=10.0, initial_backoff=0.3, max_backoff=0.3).user_session(
        "user-1", "job-1"
    )
    publish_tests(session, 1, "dropped")
    api.faults.server_error(times=1_000_000)
    thread, outcome = flush_in_thread(session)
    wait_for(lambda: len(api.request_log) >= 1)  # the first attempt failed; the flush waits to retry
    session.rollback()
    thread.join(timeout=30)
    assert isinstance(outcome[0], PublishError)
    assert len(api.request_log) == 1, "the retry after rollback() must not be sent"
