"""Requests stay under max_request_bytes; a 413 splits them; an event no request can carry is refused."""

from __future__ import annotations

import json

import pytest

from bc_events import (
    EventClient,
    EventSession,
    EventValidationError,
    HttpTransport,
    PublishError,
    RecordingTransport,
)
from bc_events.testing import BULK_PATH, EventsAPIServer

from .support import FAST, TOPICS, accepted_ids, queued_ids

MIB = 1024 * 1024


def publish_big(client: EventClient, count: int, size: int) -> EventSession:
    """A session with ``count`` events of about ``size`` bytes, ids ``e0-xxx...``."""
    session = client.service_session("job-1")
    for index in range(count):
        session.created_test({"id": f"e{index}-" + "x" * size})
    return session


def short(api: EventsAPIServer) -> list[str]:
    return [event_id.split("-")[0] for event_id in accepted_ids(api)]


def test_260_events_of_40_kb_against_a_5_mib_server_are_all_delivered_in_one_flush() -> None:
    with (
        EventsAPIServer(max_request_bytes=5 * MIB) as api,
        EventClient(api.url, "S", TOPICS, retry=FAST) as client,
    ):
        session = publish_big(client, 260, 40_000)
        session.flush()
        assert sorted(short(api)) == sorted(f"e{i}" for i in range(260))
        assert len(api.accepted) == 260  # each once
        assert {request.status for request in api.request_log} == {200}  # no request was too large
        assert all(request.path == BULK_PATH for request in api.request_log)


def test_a_server_with_a_smaller_limit_answers_413_and_the_halves_are_delivered() -> None:
    with (
        EventsAPIServer(max_request_bytes=MIB) as api,
        EventClient(api.url, "S", TOPICS, retry=FAST) as client,
    ):
        session = publish_big(client, 260, 40_000)
        session.flush()
        statuses = [request.status for request in api.request_log]
        assert 413 in statuses
        assert short(api) == [f"e{i}" for i in range(260)]  # in order, each once
        sizes = [request.records for request in api.request_log if request.status == 200]
        assert max(sizes) * 40_000 <= MIB


def test_a_transport_with_a_smaller_max_request_bytes_plans_smaller_requests() -> None:
    with EventsAPIServer(max_request_bytes=MIB) as api:
        transport = HttpTransport(api.url, retry=FAST, max_request_bytes=MIB)
        with EventClient(api.url, "S", TOPICS, transport=transport) as client:
            session = publish_big(client, 100, 40_000)
            session.flush()
        assert [request.status for request in api.request_log] == [200] * 4
        assert len(api.accepted) == 100


def test_one_event_the_server_calls_too_large_is_rejected_and_the_others_delivered() -> None:
    with (
        EventsAPIServer(max_request_bytes=100_000) as api,
        EventClient(api.url, "S", TOPICS, retry=FAST) as client,
    ):
        session = client.service_session("job-1")
        for index in range(8):
            session.created_test({"id": f"e{index}"})
        session.created_test({"id": "big-" + "x" * 150_000})
        for index in range(8, 12):
            session.created_test({"id": f"e{index}"})
        with pytest.raises(PublishError, match=r"1 event.s. rejected: HTTP 413") as raised:
            session.flush()
        assert [event.data["id"][:4] for event in raised.value.rejected] == ["big-"]
        assert raised.value.undelivered == []
        assert sorted(accepted_ids(api)) == sorted(f"e{i}" for i in range(12))
        assert session.events == []


@pytest.mark.parametrize("transport", ["http", "recording", "publish_immediately"])
def test_an_event_larger_than_any_request_is_refused_at_publish(api: EventsAPIServer, transport: str) -> None:
    chosen = RecordingTransport() if transport == "recording" else None
    with EventClient(api.url, "S", TOPICS, retry=FAST, transport=chosen) as client:
        session = client.service_session("job-1", publish_immediately=transport == "publish_immediately")
        session.created_test({"id": "small"})
        with pytest.raises(
            EventValidationError, match=r"testing.TestCreated.*5,242,9\d\d bytes, more than the 5,242,880"
        ) as raised:
            session.created_test({"id": "x" * (5 * MIB)})
        assert "max_request_bytes" in str(raised.value)
        assert queued_ids(session) == ([] if transport == "publish_immediately" else ["small"])


def test_the_limit_of_a_custom_http_transport_is_the_one_checked_at_publish(api: EventsAPIServer) -> None:
    transport = HttpTransport(api.url, retry=FAST, max_request_bytes=64 * 1024)
    with EventClient(api.url, "S", TOPICS, transport=transport) as client:
        session = client.service_session("job-1")
        session.created_test({"id": "x" * 60_000})
        with pytest.raises(EventValidationError, match="65,536 bytes"):
            session.created_test({"id": "x" * 70_000})
        session.flush()
    assert len(json.dumps(api.accepted[0].envelope)) > 60_000


@pytest.mark.parametrize("value", [0, 100, 1023, 2.5e6, "5MiB", True])
def test_max_request_bytes_must_be_a_usable_int(value: object) -> None:
    with pytest.raises(ValueError, match="max_request_bytes must be an int of at least 1024"):
        HttpTransport("http://127.0.0.1:1", max_request_bytes=value)  # type: ignore[arg-type]
