"""bc_events.testing itself: the protocol it checks, what it records, and its fault injection."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bc_events.testing import BULK_PATH, SINGLE_PATH, EventsAPIServer, check_envelope

ENVELOPE: dict[str, Any] = {
    "action": "Created",
    "category": "testing",
    "entity": "Test",
    "data": {"id": "1"},
    "actor": {"id": "user-1", "type": "user"},
}


class Reply:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.raw = response.read()
        self.version = response.version

    def json(self) -> Any:
        return json.loads(self.raw)


@pytest.fixture
def conn(events_api: EventsAPIServer) -> Iterator[http.client.HTTPConnection]:
    connection = http.client.HTTPConnection("127.0.0.1", events_api.port, timeout=5)
    yield connection
    connection.close()


def post(connection: http.client.HTTPConnection, path: str, body: Any, job_id: str | None = "job-1") -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if job_id is not None:
        headers["x-britecore-job-id"] = job_id
    connection.request("POST", path, body=raw, headers=headers)
    return Reply(connection.getresponse())


def envelope(**changes: Any) -> dict[str, Any]:
    return {**ENVELOPE, **changes}


# --- the protocol ----------------------------------------------------------------------------


def test_the_pytest_fixture_is_a_running_server(events_api: EventsAPIServer) -> None:
    assert events_api.url == f"http://127.0.0.1:{events_api.port}"
    assert events_api.port > 0
    assert events_api.accepted == []


def test_single_event_is_accepted_and_recorded(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    reply = post(conn, SINGLE_PATH, ENVELOPE)
    assert reply.status == 200
    assert reply.version == 11
    assert reply.headers["Content-Length"] == str(len(reply.raw))
    (event,) = events_api.accepted
    assert (event.topic, event.data, event.actor, event.job_id, event.path) == (
        "testing.TestCreated",
        {"id": "1"},
        ("user-1", "user"),
        "job-1",
        SINGLE_PATH,
    )


def test_bulk_reply_has_one_result_per_record(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    reply = post(conn, BULK_PATH, [envelope(data={"id": str(i)}) for i in range(3)])
    assert reply.status == 200
    assert reply.json() == {"failedRecords": 0, "records": ["Success"] * 3}
    assert [event.data["id"] for event in events_api.accepted] == ["0", "1", "2"]


def test_keep_alive_serves_many_requests_on_one_connection(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    for _ in range(5):
        assert post(conn, SINGLE_PATH, ENVELOPE).status == 200
    assert post(conn, SINGLE_PATH, {"bad": 1}).status == 400  # an error reply keeps the connection too
    assert post(conn, BULK_PATH, [ENVELOPE]).status == 200
    assert events_api.connections == 1
    assert events_api.requests == {SINGLE_PATH: 6, BULK_PATH: 1}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({k: v for k, v in ENVELOPE.items() if k != "data"}, "missing key(s): data"),
        (envelope(extra=1), "unknown key(s): extra"),
        (envelope(category="Testing"), "category must be a string matching"),
        (envelope(entity="test"), "entity must be a string matching"),
        (envelope(action=7), "action must be a string matching"),
        (envelope(data=[1]), "data must be a JSON object"),
        (envelope(actor={"id": "u"}), "actor must be an object"),
        (envelope(actor={"id": 5, "type": "user"}), "actor id and type must be non-empty strings"),
        (["not", "an", "object"], "an event must be a JSON object"),
    ],
)
def test_malformed_envelopes_get_400_with_an_error_type(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection, body: Any, problem: str
) -> None:
    reply = post(conn, SINGLE_PATH, body)
    assert reply.status == 400
    assert reply.json()["errorType"] == "ValidationException"
    assert problem in reply.json()["message"]
    assert check_envelope(body) is not None
    assert events_api.accepted == []


@pytest.mark.parametrize(
    ("path", "body", "job_id", "status", "error_type", "problem"),
    [
        (SINGLE_PATH, ENVELOPE, None, 400, "ValidationException", "x-britecore-job-id"),
        (SINGLE_PATH, ENVELOPE, "", 400, "ValidationException", "x-britecore-job-id"),
        (SINGLE_PATH, b"{not json", "j", 400, "SerializationException", "not JSON"),
        (BULK_PATH, ENVELOPE, "j", 400, "ValidationException", "non-empty JSON list"),
        (BULK_PATH, [], "j", 400, "ValidationException", "non-empty JSON list"),
        (BULK_PATH, [ENVELOPE] * 251, "j", 400, "ValidationException", "at most 250"),
        (BULK_PATH, [ENVELOPE, envelope(data=None)], "j", 400, "ValidationException", "record 1: data"),
        ("/events/bulk", [ENVELOPE], "j", 404, "NotFound", "no such path"),
        ("/event", ENVELOPE, "j", 404, "NotFound", "no such path"),
    ],
    ids=[
        "no-job-id",
        "empty-job-id",
        "not-json",
        "bulk-not-list",
        "bulk-empty",
        "bulk-251",
        "bulk-bad-1",
        "no-slash",
        "typo",
    ],
)
def test_malformed_requests_are_rejected(
    events_api: EventsAPIServer,
    conn: http.client.HTTPConnection,
    path: str,
    body: Any,
    job_id: str | None,
    status: int,
    error_type: str,
    problem: str,
) -> None:
    reply = post(conn, path, body, job_id)
    assert (reply.status, reply.json()["errorType"]) == (status, error_type)
    assert problem in reply.json()["message"]
    assert events_api.accepted == []
    assert [request.status for request in events_api.request_log] == ([status] if status != 404 else [])


def test_bulk_of_exactly_250_is_accepted(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    assert post(conn, BULK_PATH, [ENVELOPE] * 250).status == 200
    assert len(events_api.accepted) == 250


def test_accepted_for_reset_and_request_log(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    post(conn, BULK_PATH, [ENVELOPE, envelope(action="Deleted"), ENVELOPE])
    assert len(events_api.accepted_for("testing.TestCreated")) == 2
    assert len(events_api.accepted_for("testing.TestDeleted")) == 1
    assert events_api.accepted_for("other.TestCreated") == []
    assert [(r.path, r.job_id, r.records, r.status) for r in events_api.request_log] == [
        (BULK_PATH, "job-1", 3, 200)
    ]
    events_api.faults.throttle(times=5)
    events_api.reset()
    assert (events_api.accepted, events_api.requests, events_api.request_log) == ([], {}, [])
    assert events_api.connections == 0
    assert events_api.faults.remaining == 0
    assert post(conn, SINGLE_PATH, ENVELOPE).status == 200


# --- lifecycle --------------------------------------------------------------------------------


def test_context_manager_starts_and_stops() -> None:
    with EventsAPIServer() as api:
        connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        assert post(connection, SINGLE_PATH, ENVELOPE).status == 200
    with pytest.raises(
        (http.client.RemoteDisconnected, ConnectionError)
    ):  # the kept-alive connection was closed by stop() ...
        post(connection, SINGLE_PATH, ENVELOPE)
    with pytest.raises(ConnectionRefusedError):  # ... and nothing listens any more
        post(http.client.HTTPConnection("127.0.0.1", api.port, timeout=5), SINGLE_PATH, ENVELOPE)


def test_restart_listens_on_the_same_port_and_keeps_the_record(events_api: EventsAPIServer) -> None:
    port = events_api.port
    post(http.client.HTTPConnection("127.0.0.1", port, timeout=5), SINGLE_PATH, ENVELOPE)
    events_api.stop()
    events_api.stop()  # idempotent
    events_api.start()
    assert events_api.port == port
    assert post(http.client.HTTPConnection("127.0.0.1", port, timeout=5), SINGLE_PATH, ENVELOPE).status == 200
    assert len(events_api.accepted) == 2


def test_stop_ends_a_hung_request_at_once_without_accepting_it(events_api: EventsAPIServer) -> None:
    events_api.faults.delay(60)
    connection = http.client.HTTPConnection("127.0.0.1", events_api.port, timeout=5)
    connection.request("POST", SINGLE_PATH, body=json.dumps(ENVELOPE), headers={"x-britecore-job-id": "j"})
    while not events_api.requests:
        time.sleep(0.005)
    started = time.monotonic()
    events_api.stop()
    assert time.monotonic() - started < 1
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.getresponse()
    assert events_api.accepted == []
    assert [request.status for request in events_api.request_log] == [None]


# --- fault injection --------------------------------------------------------------------------


def test_faults_apply_times_after_and_in_order(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    events_api.faults.server_error(times=2, status=503, after=1)
    events_api.faults.throttle()
    assert events_api.faults.remaining == 3
    replies = [post(conn, SINGLE_PATH, ENVELOPE) for _ in range(5)]
    # request 1 passes the 503 rule (after=1) and falls to the throttle rule
    assert [reply.status for reply in replies] == [400, 503, 503, 200, 200]
    assert replies[0].json()["errorType"] == "ProvisionedThroughputExceededException"
    assert replies[1].json()["errorType"] == "InternalFailureException"
    assert events_api.faults.remaining == 0
    assert len(events_api.accepted) == 2


def test_times_must_be_positive(events_api: EventsAPIServer) -> None:
    with pytest.raises(ValueError, match="times"):
        events_api.faults.throttle(times=0)
    with pytest.raises(ValueError, match="after"):
        events_api.faults.throttle(after=-1)


def test_server_error_with_a_body_that_is_not_json(
    conn: http.client.HTTPConnection, events_api: EventsAPIServer
) -> None:
    events_api.faults.server_error(status=502, body="<html>Bad Gateway</html>")
    reply = post(conn, SINGLE_PATH, ENVELOPE)
    assert (reply.status, reply.raw, reply.headers["Content-Type"]) == (
        502,
        b"<html>Bad Gateway</html>",
        "text/html; charset=utf-8",
    )


def test_too_many_requests_sends_retry_after(
    conn: http.client.HTTPConnection, events_api: EventsAPIServer
) -> None:
    events_api.faults.too_many_requests(retry_after=7)
    events_api.faults.too_many_requests(retry_after=None)
    first, second = post(conn, SINGLE_PATH, ENVELOPE), post(conn, SINGLE_PATH, ENVELOPE)
    assert (first.status, first.headers["Retry-After"]) == (429, "7")
    assert (second.status, second.headers["Retry-After"]) == (429, None)


def test_respond_sends_exactly_what_it_is_told(
    conn: http.client.HTTPConnection, events_api: EventsAPIServer
) -> None:
    events_api.faults.respond(200, ["odd"], headers={"X-Thing": "1"})
    reply = post(conn, BULK_PATH, [ENVELOPE])
    assert (reply.status, reply.json(), reply.headers["X-Thing"]) == (200, ["odd"], "1")
    assert events_api.accepted == []


def test_partial_bulk_failure_by_index_code_map_and_function(
    conn: http.client.HTTPConnection, events_api: EventsAPIServer
) -> None:
    events_api.faults.partial_bulk_failure({0, 2})
    events_api.faults.partial_bulk_failure({1: "InternalFailure", 2: "ValidationException"})
    events_api.faults.partial_bulk_failure(
        lambda index, event: event["data"]["id"] == "x", error="InternalFailure"
    )
    bodies = [[envelope(data={"id": str(i)}) for i in range(3)] for _ in range(2)]
    bodies.append([envelope(data={"id": "x"}), ENVELOPE])
    records = [post(conn, BULK_PATH, body).json() for body in bodies]
    assert records == [
        {
            "failedRecords": 2,
            "records": [
                "ProvisionedThroughputExceededException",
                "Success",
                "ProvisionedThroughputExceededException",
            ],
        },
        {"failedRecords": 2, "records": ["Success", "InternalFailure", "ValidationException"]},
        {"failedRecords": 1, "records": ["InternalFailure", "Success"]},
    ]
    assert [event.data["id"] for event in events_api.accepted] == ["1", "0", "1"]


def test_bulk_only_faults_let_single_requests_through(
    conn: http.client.HTTPConnection, events_api: EventsAPIServer
) -> None:
    events_api.faults.mismatched_records()
    events_api.faults.partial_bulk_failure({0})
    assert post(conn, SINGLE_PATH, ENVELOPE).status == 200
    assert events_api.faults.remaining == 2
    reply = post(conn, BULK_PATH, [ENVELOPE, ENVELOPE])
    assert reply.json() == {"failedRecords": 0, "records": ["Success"]}
    assert len(events_api.accepted) == 1  # only the single request


def test_drop_connection_closes_without_reply(
    conn: http.client.HTTPConnection, events_api: EventsAPIServer
) -> None:
    events_api.faults.drop_connection()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(conn, SINGLE_PATH, ENVELOPE)
    assert events_api.accepted == []
    conn.close()
    assert post(conn, SINGLE_PATH, ENVELOPE).status == 200  # a new connection works
    assert events_api.connections == 2


def test_delay_replies_late_and_accepts(
    conn: http.client.HTTPConnection, events_api: EventsAPIServer
) -> None:
    events_api.faults.delay(0.2)
    started = time.monotonic()
    assert post(conn, SINGLE_PATH, ENVELOPE).status == 200
    assert time.monotonic() - started >= 0.2
    assert len(events_api.accepted) == 1


def test_trickle_accepts_then_sends_the_reply_a_byte_at_a_time(events_api: EventsAPIServer) -> None:
    events_api.faults.trickle(0.3)
    with socket.create_connection(("127.0.0.1", events_api.port), timeout=5) as sock:
        body = json.dumps(ENVELOPE).encode()
        head = f"POST {SINGLE_PATH} HTTP/1.1\r\nx-britecore-job-id: j\r\nContent-Length: {len(body)}\r\n\r\n"
        sock.sendall(head.encode() + body)
        started = time.monotonic()
        first = sock.recv(65536)
        assert len(events_api.accepted) == 1  # accepted before the first byte left
        received = first
        while not received.endswith(b'"Success"}'):
            received += sock.recv(65536)
    assert len(first) < 5
    assert time.monotonic() - started >= 0.2
    assert received.startswith(b"HTTP/1.1 200 OK")


def test_random_kinds_on_request_include_replies_that_do_not_fit_and_slow_ones() -> None:
    with EventsAPIServer() as api:
        api.faults.random_rejections(3, rate=1.0, kinds=["ok_not_json", "ok_error_type", "mismatch"])
        connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        bodies = {post(connection, BULK_PATH, [ENVELOPE] * 2).raw for _ in range(30)}
        singles = {post(connection, SINGLE_PATH, ENVELOPE).raw for _ in range(20)}
        assert api.accepted == []
        api.faults.random_rejections(3, rate=1.0, kinds=["late"], slow_seconds=0.2)
        started = time.monotonic()
        assert post(connection, SINGLE_PATH, ENVELOPE).status == 200
        assert time.monotonic() - started >= 0.2
        connection.close()
    assert any(b"<html>" in body for body in bodies)
    assert any(b"ProvisionedThroughputExceededException" in body for body in bodies)
    assert any(b'"records": ["Success"]' in body for body in bodies)  # one record short of two
    assert all(b"records" not in body for body in singles)  # mismatch applies to bulk requests only
    assert len(api.accepted) == 1


def _random_statuses(seed: int) -> list[int | None]:
    with EventsAPIServer() as api:
        api.faults.random_rejections(seed, rate=0.5)
        connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        for _ in range(40):
            try:
                post(connection, BULK_PATH, [ENVELOPE] * 4)
            except (http.client.RemoteDisconnected, ConnectionError):
                connection.close()
        return [request.status for request in api.request_log]


def test_random_rejections_are_reproducible_from_the_seed() -> None:
    first, again, other = _random_statuses(7), _random_statuses(7), _random_statuses(8)
    assert first == again
    assert first != other
    assert {400, 429, 500, 503, None, 200} <= set(first)


# --- the HTTP/1.1 loop ------------------------------------------------------------------------


def raw_exchange(api: EventsAPIServer, data: bytes) -> bytes:
    """Send raw bytes, read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", api.port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_connection_close_is_honoured(events_api: EventsAPIServer) -> None:
    body = json.dumps(ENVELOPE).encode()
    head = f"POST /events HTTP/1.1\r\nHost: x\r\nx-britecore-job-id: j\r\nContent-Length: {len(body)}\r\n"
    reply = raw_exchange(events_api, head.encode() + b"Connection: close\r\n\r\n" + body)
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in reply
    assert len(events_api.accepted) == 1


def test_pipelined_requests_on_one_connection(events_api: EventsAPIServer) -> None:
    body = json.dumps(ENVELOPE).encode()
    one = (
        f"POST /events HTTP/1.1\r\nx-britecore-job-id: j\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    close = b"POST /events HTTP/1.1\r\nConnection: close\r\nx-britecore-job-id: j\r\n"
    reply = raw_exchange(
        events_api, one + one + close + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    )
    assert reply.count(b"HTTP/1.1 200 OK") == 3
    assert events_api.connections == 1


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"PUT /events HTTP/1.1\r\nConnection: close\r\n\r\n", b"405"),  # GET /events lists what was accepted
        (b"POST /events HTTP/1.1\r\nConnection: close\r\nx-britecore-job-id: j\r\n\r\n", b"411"),
        (
            b"POST /events HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
            b"411",
        ),
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"POST /events HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
    ],
    ids=["put", "no-length", "chunked", "garbage", "bad-header"],
)
def test_requests_outside_the_protocol_get_an_error_reply(
    events_api: EventsAPIServer, request_bytes: bytes, status: bytes
) -> None:
    reply = raw_exchange(events_api, request_bytes)
    assert reply.startswith(b"HTTP/1.1 " + status + b" ")
    assert b'"errorType"' in reply


# --- scripted success shapes, a request size limit, permanent rejections -----------------------


def test_accept_answers_a_scripted_shape_and_records_the_events(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    events_api.faults.accept({"eventId": "e-1", "jobId": "j-1"}, status=201)
    events_api.faults.accept({"failedRecords": 0}, bulk_only=True)
    created = post(conn, SINGLE_PATH, ENVELOPE)
    bulk = post(conn, BULK_PATH, [ENVELOPE] * 3)
    usual = post(conn, SINGLE_PATH, ENVELOPE)
    assert (created.status, created.json()) == (201, {"eventId": "e-1", "jobId": "j-1"})
    assert (bulk.status, bulk.json()) == (200, {"failedRecords": 0})
    assert usual.json() == {"status": "Success"}  # the default shape again
    assert len(events_api.accepted) == 5


def test_a_malformed_request_is_refused_before_a_scripted_accept(
    events_api: EventsAPIServer, conn: http.client.HTTPConnection
) -> None:
    events_api.faults.accept({"eventId": "e-1"}, status=201)
    reply = post(conn, SINGLE_PATH, envelope(category="Not Valid"))
    assert reply.status == 400
    assert events_api.accepted == []


def test_max_request_bytes_answers_413_above_the_limit() -> None:
    with EventsAPIServer(max_request_bytes=1000) as api:
        connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        small = post(connection, BULK_PATH, [ENVELOPE] * 5)
        large = post(connection, BULK_PATH, [ENVELOPE] * 20)
        after = post(connection, SINGLE_PATH, ENVELOPE)  # the connection is still usable
        connection.close()
        assert (small.status, large.status, after.status) == (200, 413, 200)
        assert "Request Too Long" in large.json()["message"]
        assert len(api.accepted) == 6
        assert [request.status for request in api.request_log] == [200, 413, 200]


def test_random_permanent_rejections() -> None:
    with EventsAPIServer() as api:
        api.faults.random_rejections(4, rate=1.0, kinds=["reject", "reject_records"])
        connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        replies = [post(connection, BULK_PATH, [ENVELOPE] * 4).json() for _ in range(20)]
        singles = [post(connection, SINGLE_PATH, ENVELOPE).json() for _ in range(5)]
        connection.close()
    assert any(reply.get("errorType") == "ValidationException" for reply in replies)
    partial = [reply for reply in replies if "records" in reply]
    assert partial
    assert all(reply["failedRecords"] == 1 and "ValidationException" in reply["records"] for reply in partial)
    assert all(reply["errorType"] == "ValidationException" for reply in singles)  # records: bulk only


def test_the_reply_contract_reads_the_same_in_the_readme() -> None:
    from pathlib import Path

    from bc_events.testing import REPLY_CONTRACT

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    start = readme.index("<!-- reply-contract")
    block = readme[readme.index("-->", start) + 4 : readme.index("<!-- /reply-contract -->")]
    assert block == REPLY_CONTRACT
