"""Retries, partial failures and undelivered events: nothing lost, nothing sent twice by us.

Every fault comes from the local Events API (``api.faults``) over real sockets;
retry waits are shortened through ``RetryPolicy``, never by patching sleep.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Any

import pytest

from bc_events import EventSession, PublishError
from bc_events.testing import BULK_PATH, SINGLE_PATH, EventsAPIServer

from .conftest import MakeClient
from .support import accepted_ids, publish_tests, queued_ids, request_sizes


def statuses(api: EventsAPIServer) -> list[int | None]:
    return [request.status for request in api.request_log]


# --- retried, then delivered --------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_throttle_then_success(api: EventsAPIServer, session: EventSession, count: int) -> None:
    ids = publish_tests(session, count)
    api.faults.throttle(times=3)
    session.flush()
    assert statuses(api) == [400, 400, 400, 200] + [200] * (count - 1 if count <= 5 else 0)
    assert accepted_ids(api) == ids
    assert session.events == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, None),
        (503, "<html><body>Service Unavailable</body></html>"),
        (502, b"\xff\xfe not even UTF-8"),
        (500, {"message": "no errorType here"}),
        (400, {"errorType": "InternalFailureException"}),
        (500, {"errorType": "ProvisionedThroughputExceededException"}),
    ],
    ids=[
        "500-json",
        "503-html",
        "502-binary",
        "500-json-no-errortype",
        "400-internal-failure",
        "500-throttled",
    ],
)
@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_retryable_replies_are_retried(
    api: EventsAPIServer, session: EventSession, status: int, body: Any, count: int
) -> None:
    ids = publish_tests(session, count)
    if body is None:
        api.faults.server_error(times=2, status=status)
    else:
        api.faults.respond(status, body, times=2)
    session.flush()
    assert statuses(api)[:3] == [status, status, 200]
    assert accepted_ids(api) == ids


def test_backoff_grows_exponentially_up_to_max_backoff(api: EventsAPIServer, make_client: MakeClient) -> None:
    session = make_client(initial_backoff=0.04, max_backoff=0.1, jitter=0.005).service_session("job-1")
    session.created_test({"id": "1"})
    api.faults.throttle(times=4)
    session.flush()
    arrivals = [request.received_at for request in api.request_log]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    for gap, wait in zip(gaps, [0.04, 0.08, 0.1, 0.1], strict=True):
        assert wait <= gap < wait + 0.005 + 0.15  # jitter and scheduling slack


def test_the_total_time_bounds_the_whole_flush_not_each_event(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=0.5).service_session("job-1")
    ids = publish_tests(session, 5)  # five single requests
    api.faults.throttle(times=10_000)
    started = time.monotonic()
    with pytest.raises(PublishError) as raised:
        session.flush()
    assert time.monotonic() - started < 0.5 + 0.3
    assert raised.value.reason.startswith("HTTP 400")
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    assert {request.records for request in api.request_log} == {1}


def test_429_retry_after_is_honoured(api: EventsAPIServer, session: EventSession) -> None:
    session.created_test({"id": "1"})
    api.faults.too_many_requests(retry_after=1)
    started = time.monotonic()
    session.flush()
    elapsed = time.monotonic() - started
    assert statuses(api) == [429, 200]
    assert elapsed >= 0.95  # the backoff alone would have waited about 1 ms
    assert accepted_ids(api) == ["1"]


def test_429_without_retry_after_is_retried_with_backoff(api: EventsAPIServer, session: EventSession) -> None:
    publish_tests(session, 10)
    api.faults.too_many_requests(times=2, retry_after=None)
    session.flush()
    assert statuses(api) == [429, 429, 200]


def test_retry_after_longer_than_the_total_time_gives_up_at_once(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=1.0).service_session("job-1")
    session.created_test({"id": "1"})
    api.faults.too_many_requests(retry_after=30)
    started = time.monotonic()
    with pytest.raises(PublishError, match="429"):
        session.flush()
    assert time.monotonic() - started < 1.0
    assert queued_ids(session) == ["1"]


def test_dropped_connections_are_retried(api: EventsAPIServer, session: EventSession) -> None:
    ids = publish_tests(session, 3) + publish_tests(session, 10, prefix="b")
    session.flush()  # warm a pooled connection first, so the drop hits a reused one
    api.faults.drop_connection(times=2)
    more = publish_tests(session, 3, prefix="c")
    session.flush()
    assert accepted_ids(api) == ids + more
    assert statuses(api)[-5:] == [None, None, 200, 200, 200]


def test_hung_server_attempt_times_out_and_the_retry_delivers(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(attempt_timeout=0.3).service_session("job-1")
    ids = publish_tests(session, 8)
    api.faults.delay(60)
    started = time.monotonic()
    session.flush()
    assert time.monotonic() - started < 1.5
    assert accepted_ids(api) == ids  # the hung attempt never completes (stopping the server ends it)


def test_hung_server_cannot_block_a_flush_beyond_the_total_time(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=1.0, attempt_timeout=0.3).service_session("job-1")
    ids = publish_tests(session, 8)
    api.faults.delay(60, times=100)
    started = time.monotonic()
    with pytest.raises(PublishError) as raised:
        session.flush()
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 1.0 + 0.3 + 0.5  # total_time + one attempt_timeout + slack
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    assert queued_ids(session) == ids
    assert api.accepted == []


def test_a_timeout_after_the_server_accepted_can_duplicate(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    """At-least-once, as the README says: the slow first attempt is accepted after the client gave up."""
    session = make_client(attempt_timeout=0.2).service_session("job-1")
    session.created_test({"id": "1"})
    api.faults.delay(0.4)
    session.flush()
    deadline = time.monotonic() + 2
    while len(api.accepted) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert accepted_ids(api) == ["1", "1"]
    assert session.events == []


# --- bulk partial failures --------------------------------------------------------------


def test_partial_bulk_failure_retries_only_the_failed_records(
    api: EventsAPIServer, session: EventSession
) -> None:
    ids = publish_tests(session, 10)
    api.faults.partial_bulk_failure({1, 4, 9})
    session.flush()

    assert request_sizes(api) == [(BULK_PATH, 10), (BULK_PATH, 3)]
    assert sorted(accepted_ids(api)) == sorted(ids)
    assert len(accepted_ids(api)) == 10  # each exactly once
    assert accepted_ids(api)[-3:] == ["e1", "e4", "e9"]
    assert session.events == []


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "InternalFailure", "InternalFailureException"]
)
def test_every_retryable_record_code_is_retried(
    api: EventsAPIServer, session: EventSession, code: str
) -> None:
    publish_tests(session, 6)
    api.faults.partial_bulk_failure({0}, error=code, times=2)
    session.flush()
    assert request_sizes(api) == [(BULK_PATH, 6), (BULK_PATH, 1), (BULK_PATH, 1)]
    assert len(api.accepted) == 6


def test_persistent_partial_failure_leaves_exactly_the_failed_events_queued(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=1.0).service_session("job-1")
    ids = publish_tests(session, 300)
    failing = {"e3", "e120", "e260"}
    api.faults.partial_bulk_failure(lambda index, envelope: envelope["data"]["id"] in failing, times=1000)

    with pytest.raises(PublishError) as raised:
        session.flush()

    undelivered = [event.data["id"] for event in raised.value.undelivered]
    # the failed records of chunk 1, then all of chunk 2: a failing chunk ends the flush
    assert undelivered == ["e3", "e120", *ids[250:]]
    assert queued_ids(session) == undelivered
    assert sorted(accepted_ids(api)) == sorted(set(ids[:250]) - failing)

    api.faults.clear()
    session.flush()
    assert sorted(accepted_ids(api)) == sorted(ids)  # nothing accepted twice
    assert session.events == []


def test_non_retryable_record_codes_are_rejected_not_retried(
    api: EventsAPIServer, session: EventSession
) -> None:
    ids = publish_tests(session, 8)
    api.faults.partial_bulk_failure({2, 5}, error="ValidationException")
    with pytest.raises(PublishError, match=r"2 event.s. rejected.*ValidationException") as raised:
        session.flush()
    assert request_sizes(api) == [(BULK_PATH, 8)]
    assert [event.data["id"] for event in raised.value.rejected] == ["e2", "e5"]
    assert raised.value.undelivered == []
    assert session.events == []  # refused for good: queued again they would fail every flush
    assert sorted(accepted_ids(api)) == sorted(set(ids) - {"e2", "e5"})


def test_mixed_record_failures_retry_the_retryable_and_report_the_rejected(
    api: EventsAPIServer, session: EventSession
) -> None:
    publish_tests(session, 8)
    throttled = "ProvisionedThroughputExceededException"
    api.faults.partial_bulk_failure({0: throttled, 1: "ValidationException", 3: throttled})
    with pytest.raises(PublishError) as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.rejected] == ["e1"]
    assert raised.value.undelivered == []
    assert request_sizes(api) == [(BULK_PATH, 8), (BULK_PATH, 2)]
    assert session.events == []
    assert len(api.accepted) == 7


# --- replies that do not fit -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "<html>Bad Request</html>"),
        (400, {"message": "JSON without errorType"}),
        (403, {"errorType": "AccessDeniedException"}),
        (404, {"errorType": "NotFound"}),
        (401, {"message": "Unauthorized"}),
    ],
    ids=["400-html", "400-no-errortype", "403", "404", "401"],
)
@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_other_4xx_are_not_retried_and_stay_queued(
    api: EventsAPIServer, session: EventSession, status: int, body: Any, count: int
) -> None:
    ids = publish_tests(session, count)
    api.faults.respond(status, body)
    with pytest.raises(PublishError, match=str(status)) as raised:
        session.flush()
    assert statuses(api) == [status]
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    assert queued_ids(session) == ids


@pytest.mark.parametrize(
    "body",
    ["not json at all", {"records": "Success"}, ["Success"], b"", b'{"failedRecords": 0, "rec'],
    ids=["not-json", "records-not-a-list", "list-not-object", "empty", "cut-off"],
)
def test_bulk_2xx_that_does_not_fit_is_not_success(
    api: EventsAPIServer, session: EventSession, body: Any
) -> None:
    ids = publish_tests(session, 7)
    api.faults.respond(200, body)
    with pytest.raises(PublishError) as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    assert queued_ids(session) == ids


def test_records_list_of_the_wrong_length_leaves_the_events_undelivered(
    api: EventsAPIServer, session: EventSession
) -> None:
    ids = publish_tests(session, 7)
    api.faults.mismatched_records()
    with pytest.raises(PublishError, match="7") as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    assert queued_ids(session) == ids
    session.flush()
    assert accepted_ids(api) == ids


# --- chunks, server down ----------------------------------------------------------------


def test_chunk_1_accepted_chunk_2_failing_never_resends_chunk_1(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=1.0).service_session("job-1")
    ids = publish_tests(session, 600)
    api.faults.throttle(times=1000, after=1)

    with pytest.raises(PublishError) as raised:
        session.flush()

    assert accepted_ids(api) == ids[:250]
    assert [event.data["id"] for event in raised.value.undelivered] == ids[250:]
    assert queued_ids(session) == ids[250:]

    api.faults.clear()
    api.reset()
    session.flush()
    assert request_sizes(api) == [(BULK_PATH, 250), (BULK_PATH, 100)]
    assert accepted_ids(api) == ids[250:]  # chunk 1 is not sent again
    assert session.events == []


@pytest.mark.parametrize("rejected_chunk", [0, 1, 2], ids=["first", "middle", "last"])
def test_a_rejected_chunk_does_not_stop_the_others(
    api: EventsAPIServer, make_client: MakeClient, rejected_chunk: int
) -> None:
    session = make_client().service_session("job-1")
    ids = publish_tests(session, 600)
    api.faults.reject(after=rejected_chunk)

    with pytest.raises(PublishError, match=r"\d+ event.s. rejected: HTTP 400 ValidationException") as raised:
        session.flush()

    chunk = ids[250 * rejected_chunk : 250 * (rejected_chunk + 1)]
    assert [event.data["id"] for event in raised.value.rejected] == chunk
    assert raised.value.undelivered == []
    assert accepted_ids(api) == [event_id for event_id in ids if event_id not in set(chunk)]
    assert session.events == []  # nothing left that a later flush could deliver


def test_a_rejected_single_event_does_not_stop_the_four_after_it(
    api: EventsAPIServer, session: EventSession
) -> None:
    ids = publish_tests(session, 5)
    api.faults.reject()
    with pytest.raises(PublishError) as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.rejected] == ["e0"]
    assert accepted_ids(api) == ids[1:]
    assert session.events == []


def test_server_down_before_flush(api: EventsAPIServer, make_client: MakeClient) -> None:
    session = make_client(total_time=0.5).service_session("job-1")
    ids = publish_tests(session, 3) + publish_tests(session, 300, prefix="b")
    api.stop()
    started = time.monotonic()
    with pytest.raises(PublishError, match=r"[Cc]onnection") as raised:
        session.flush()
    assert time.monotonic() - started < 0.5 + 1.0
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    assert queued_ids(session) == ids

    api.start()  # back on the same port
    session.flush()
    assert accepted_ids(api) == ids
    assert session.events == []


def test_server_goes_down_during_flush(api: EventsAPIServer, make_client: MakeClient) -> None:
    session = make_client(total_time=0.5, attempt_timeout=5.0).service_session("job-1")
    ids = publish_tests(session, 600)
    api.faults.delay(60, after=1)  # chunk 2 hangs ...

    def take_server_down() -> None:
        while len(api.request_log) < 1 or not api.requests[BULK_PATH] >= 2:
            time.sleep(0.005)
        api.stop()  # ... and the server dies under it

    killer = threading.Thread(target=take_server_down)
    killer.start()
    with pytest.raises(PublishError) as raised:
        session.flush()
    killer.join()

    assert accepted_ids(api) == ids[:250]
    assert [event.data["id"] for event in raised.value.undelivered] == ids[250:]
    api.start()
    session.flush()
    assert accepted_ids(api) == ids


def test_undelivered_stay_ahead_of_events_published_meanwhile(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=0.2).service_session("job-1")
    publish_tests(session, 2)
    api.faults.respond(403, {"errorType": "AccessDeniedException"})  # stops the flush, keeps both queued
    with pytest.raises(PublishError):
        session.flush()
    publish_tests(session, 1, prefix="later")
    assert queued_ids(session) == ["e0", "e1", "later0"]
    session.flush()
    assert accepted_ids(api) == ["e0", "e1", "later0"]
    assert api.requests == {SINGLE_PATH: 4}


# --- a 2xx is success only when it says so -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["<html>OK</html>", b"", ["Success"], '{"status": "Succ', "null", "42"],
    ids=["html", "empty", "list", "cut-off", "null", "number"],
)
def test_single_2xx_that_does_not_fit_is_not_success(
    api: EventsAPIServer, session: EventSession, body: Any
) -> None:
    session.created_test({"id": "1"})
    api.faults.respond(200, body)
    with pytest.raises(PublishError, match="HTTP 200") as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.undelivered] == ["1"]
    assert statuses(api) == [200]  # not retried: delivery unknown, the event stays queued
    assert queued_ids(session) == ["1"]
    session.flush()
    assert accepted_ids(api) == ["1"]


@pytest.mark.parametrize("error_type", ["ProvisionedThroughputExceededException", "InternalFailureException"])
@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_2xx_with_a_retryable_error_type_is_retried(
    api: EventsAPIServer, session: EventSession, error_type: str, count: int
) -> None:
    ids = publish_tests(session, count)
    api.faults.respond(200, {"errorType": error_type}, times=2)
    session.flush()
    assert statuses(api)[:3] == [200, 200, 200]
    assert accepted_ids(api) == ids


@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_2xx_with_another_error_type_is_rejected(
    api: EventsAPIServer, session: EventSession, count: int
) -> None:
    ids = publish_tests(session, count)
    api.faults.respond(202, {"errorType": "ValidationException"}, times=1000)
    with pytest.raises(PublishError, match="HTTP 202 ValidationException") as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.rejected] == ids
    assert session.events == []


# --- what the server sent is escaped before it is logged or raised ------------------------------


@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_a_newline_in_a_reply_cannot_forge_a_log_line(
    api: EventsAPIServer, make_client: MakeClient, caplog: pytest.LogCaptureFixture, count: int
) -> None:
    session = make_client().service_session("job-1")
    publish_tests(session, count)
    forged = "oops\nINFO bc.events all events delivered\r\x1b[2K"
    api.faults.respond(503, forged, times=2)  # retried: logged as warnings
    api.faults.respond(400, forged)  # not retried: raised
    with caplog.at_level(logging.WARNING, logger="bc.events"), pytest.raises(PublishError) as raised:
        session.flush()
    warnings = [record.getMessage() for record in caplog.records if record.name == "bc.events"]
    assert len(warnings) == 2
    assert "oops\\nINFO bc.events" in warnings[0]
    for text in [*warnings, str(raised.value), raised.value.reason]:
        assert "\n" not in text
        assert "\r" not in text
        assert "\x1b" not in text
    assert "oops\\nINFO bc.events" in raised.value.reason


def test_a_long_or_hostile_error_type_is_escaped_and_shortened(
    api: EventsAPIServer, session: EventSession
) -> None:
    publish_tests(session, 8)
    api.faults.partial_bulk_failure({2: "Bad\nRecord" + "x" * 1000})
    with pytest.raises(PublishError) as raised:
        session.flush()
    assert "Bad\\nRecord" in raised.value.reason
    assert len(raised.value.reason) < 300


# --- every JSON object without errorType or failedRecords > 0 is success (the seed's contract) ----------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (201, {"eventId": "e-1", "jobId": "j-1"}),
        (200, {"status": "Success"}),
        (200, {}),
        (200, {"status": "Failed"}),  # the seed reads only errorType and failedRecords
        (202, {"failedRecords": 0}),
        (200, {"records": ["Success"]}),
        (200, {"errorType": None, "eventId": "e-1"}),
    ],
    ids=["201-event-id", "status-success", "empty", "other-status", "failed-0", "records", "null-type"],
)
def test_a_single_2xx_json_object_without_failures_delivers(
    api: EventsAPIServer, session: EventSession, status: int, body: Any
) -> None:
    ids = publish_tests(session, 5)
    api.faults.accept(body, status=status, times=5)
    session.flush()
    assert statuses(api) == [status] * 5
    assert accepted_ids(api) == ids
    assert session.events == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"failedRecords": 0}),
        (201, {"eventId": "e-1", "jobId": "j-1"}),
        (200, {}),
        (200, {"failedRecords": 0, "records": [{"SequenceNumber": "1", "ShardId": "s"}] * 250}),
        (200, {"FailedRecordCount": 0, "records": [{"status": "Success"}] * 250}),
    ],
    ids=["failed-0-no-records", "201-event-id", "empty-object", "kinesis-records", "status-records"],
)
def test_a_bulk_2xx_json_object_without_failures_delivers(
    api: EventsAPIServer, session: EventSession, status: int, body: Any
) -> None:
    ids = publish_tests(session, 500)
    api.faults.accept(body, status=status, times=2, bulk_only=True)
    session.flush()
    assert request_sizes(api) == [(BULK_PATH, 250), (BULK_PATH, 250)]
    assert accepted_ids(api) == ids
    assert session.events == []


def test_failed_records_without_a_records_list_retries_every_event(
    api: EventsAPIServer, session: EventSession
) -> None:
    ids = publish_tests(session, 10)
    api.faults.respond(200, {"failedRecords": 3})  # which three? unknown: all are sent again
    session.flush()
    assert request_sizes(api) == [(BULK_PATH, 10), (BULK_PATH, 10)]
    assert accepted_ids(api) == ids
