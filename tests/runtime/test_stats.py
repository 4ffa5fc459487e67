"""HttpTransport.stats(): delivery counters kept by the driver, read as a plain mapping."""

from __future__ import annotations

import pytest

from bc_events import EventClient, HttpTransport, PublishError
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
