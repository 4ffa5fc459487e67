"""HttpTransport.stats(): delivery counters kept by the driver, read as a plain mapping."""

from __future__ import annotations

import logging
import threading

import pytest

from bc_events import EventClient, EventSession, HttpTransport, PublishError, RecordingTransport
from bc_events.testing import EventsAPIServer

from .support import FAST, TOPICS, publish_tests


def test_counters_add_up_what_happened(api: EventsAPIServer) -> None:
    transport = HttpTransport(api.url, retry=FAST)
    with EventClient(api.url, "TestService", TOPICS, transport=transport) as client:
        assert transport.stats() == dict.fromkeys(
            ["delivered", "rejected", "undelivered", "retried", "requests", "bytes"], 0
        )
        session = client.service_session("job-1")
        publish_tests(session, 10)
        events = session.events
        first = sum(len(event.body) for event in events) + 9 + 2  # "[", nine commas, "]"
        retry = len(events[1].body) + len(events[4].body) + 3
        api.faults.partial_bulk_failure({1, 4})
        session.flush()
        after_bulk = transport.stats()
        publish_tests(session, 2, prefix="r")
        api.faults.reject()  # the first single request
        api.faults.respond(403, {"errorType": "AccessDeniedException"})  # the second: kept queued
        with pytest.raises(PublishError):
            session.flush()
        final = transport.stats()
    assert after_bulk == {
        "delivered": 10,
        "rejected": 0,
        "undelivered": 0,
        "retried": 1,
        "requests": 2,
        "bytes": first + retry,
    }
    assert final["rejected"] == 1
    assert final["undelivered"] == 1
    assert final["requests"] == 4
    assert final["delivered"] == 10


def test_client_stats_count_what_was_published_and_what_became_of_it(api: EventsAPIServer) -> None:
    with EventClient(api.url, "TestService", TOPICS, retry=FAST) as client:
        assert client.stats() == {
            "published": 0,
            **dict.fromkeys(["delivered", "rejected", "undelivered", "retried", "requests", "bytes"], 0),
            "deliverer_events": 0,
            "deliverer_bytes": 0,
        }
        session = client.service_session("job-1")
        publish_tests(session, 3)
        api.faults.reject()  # the first event: refused for good
        api.faults.respond(403, {"errorType": "AccessDeniedException"})  # the second: not accepted yet
        with pytest.raises(PublishError):
            session.flush()
        stats = client.stats()
        assert stats["published"] == 3
        assert (stats["delivered"], stats["rejected"], stats["undelivered"]) == (0, 1, 2)
        session.flush()  # the two undelivered ones, accepted now
        stats = client.stats()
    assert (stats["published"], stats["delivered"], stats["rejected"]) == (3, 2, 1)
    assert stats["requests"] == 4


def test_publishing_from_many_threads_loses_no_count() -> None:
    with EventClient(None, "TestService", TOPICS, transport=RecordingTransport()) as client:
        sessions = [client.service_session(f"job-{n}") for n in range(8)]

        def publish_many(session: EventSession) -> None:
            for n in range(500):
                session.created_test({"id": str(n)})

        threads = [threading.Thread(target=publish_many, args=(session,)) for session in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert client.stats()["published"] == 4000
        assert client.stats()["published"] == 4000  # reading does not count
        for session in sessions:
            session.rollback()


def test_the_wire_logger_at_debug_shows_each_request_and_reply(
    api: EventsAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    with EventClient(api.url, "TestService", TOPICS, retry=FAST) as client:
        session = client.service_session("job-1")
        publish_tests(session, 1)
        session.flush()  # the switch is off: nothing logged
        assert not [r for r in caplog.records if r.name == "bc.events.wire"]
        publish_tests(session, 1, prefix="d")
        with caplog.at_level(logging.DEBUG, logger="bc.events.wire"):
            session.flush()
    request, reply = [r.getMessage() for r in caplog.records if r.name == "bc.events.wire"]
    assert request.startswith(f"POST {api.url}/events job job-1: ")
    assert '"id":"d0"' in request
    assert reply.startswith(f"POST {api.url}/events job job-1: HTTP 200: ")
