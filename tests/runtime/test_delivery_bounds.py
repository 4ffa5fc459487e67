"""Delivery ends in time and within memory whatever the server does, and fails fast on bad configuration.

Trickling and huge replies come from a raw socket server (``rawserver``): the
local Events API cannot misbehave at that level.  Time bounds are correctness
properties the README promises; the margins are generous for a loaded machine.
"""

from __future__ import annotations

import dataclasses
import itertools
import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
import trustme

from bc_events import EventClient, HttpTransport, PublishError, RetryPolicy
from bc_events.testing import EventsAPIServer
from bc_events.wire import MAX_REPLY_BYTES

from .conftest import MakeClient
from .rawserver import RawServer, read_request, trickle
from .support import FAST, TOPICS, accepted_ids, publish_tests, queued_ids

SLACK = 1.0
"""Allowed beyond a promised bound: the documented slack is milliseconds, the machine is shared."""


def client_for(url: str, **retry: float) -> EventClient:
    return EventClient(url, "TestService", TOPICS, retry=dataclasses.replace(FAST, **retry))


# --- an attempt ends when its time is up, whatever the server sends ---------------------------


def endless_head() -> Iterator[bytes]:
    yield from (bytes([byte]) for byte in b"HTTP/1.1 200 OK\r\n")
    for _ in itertools.count():
        yield from (bytes([byte]) for byte in b"X-Slow: still coming\r\n")


def endless_body() -> Iterator[bytes]:
    yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
    while True:
        yield b" "


@pytest.mark.parametrize("reply", [endless_head, endless_body], ids=["trickled-head", "trickled-body"])
@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_a_trickling_server_cannot_hold_an_attempt_beyond_attempt_timeout(
    reply: Callable[[], Iterator[bytes]], count: int
) -> None:
    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        trickle(connection, stopping, reply(), pause=0.02)

    with RawServer(handle) as server:
        client = client_for(server.url, total_time=1.0, attempt_timeout=0.3)
        session = client.service_session("job-1")
        ids = publish_tests(session, count)
        started = time.monotonic()
        with pytest.raises(PublishError, match=r"[Tt]imed? ?out") as raised:
            session.flush()
        elapsed = time.monotonic() - started
        client.close()
    assert elapsed < 1.0 + SLACK
    # each attempt was cut at 0.3 s: three or four of them fit in 1 s (one connection each)
    assert 2 <= server.connections <= 5
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    assert queued_ids(session) == ids


def test_publish_immediately_is_bounded_by_the_total_time_against_a_trickling_server() -> None:
    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        trickle(connection, stopping, endless_head(), pause=0.02)

    with RawServer(handle) as server:
        client = client_for(server.url, total_time=1.0, attempt_timeout=5.0)
        session = client.service_session("job-1", publish_immediately=True)
        started = time.monotonic()
        with pytest.raises(PublishError):
            session.created_test({"id": "now"})
        assert time.monotonic() - started < 1.0 + SLACK
        client.close()


def test_the_testing_servers_trickle_fault_is_cut_and_retried(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=3.0, attempt_timeout=0.3).service_session("job-1")
    ids = publish_tests(session, 8)
    api.faults.trickle(5.0)
    started = time.monotonic()
    session.flush()  # the first attempt is cut at 0.3 s; the retry delivers
    assert time.monotonic() - started < 0.3 + SLACK
    assert accepted_ids(api) == ids + ids  # at least once: the trickled request was accepted too


# --- the total time bounds the whole flush ------------------------------------------------------


def test_flush_of_2500_events_against_a_late_server_returns_within_total_time(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    """Each chunk is answered just under attempt_timeout late: without the bound this takes 9 s."""
    session = make_client(total_time=2.0, attempt_timeout=1.0).service_session("job-1")
    ids = publish_tests(session, 2500)
    api.faults.delay(0.9, times=10_000)
    started = time.monotonic()
    with pytest.raises(PublishError) as raised:
        session.flush()
    elapsed = time.monotonic() - started
    assert elapsed < 2.0 + SLACK

    undelivered = [event.data["id"] for event in raised.value.undelivered]
    sent_in_time = len(ids) - len(undelivered)
    assert sent_in_time % 250 == 0  # whole chunks; the rest stays queued
    assert sent_in_time < 2500
    assert undelivered == ids[sent_in_time:]
    assert queued_ids(session) == undelivered
    assert accepted_ids(api)[:sent_in_time] == ids[:sent_in_time]
    assert "total_time" in raised.value.reason or "timed out" in raised.value.reason


def test_a_chunk_is_not_started_after_the_total_time(api: EventsAPIServer, make_client: MakeClient) -> None:
    session = make_client(total_time=0.5, attempt_timeout=5.0).service_session("job-1")
    ids = publish_tests(session, 1000)
    api.faults.delay(0.6)  # the first chunk alone outlasts the total time ...
    with pytest.raises(PublishError) as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.undelivered] == ids
    time.sleep(0.3)
    assert api.requests["/events/bulk/"] == 1  # ... so no later chunk was started


def test_retry_policy_rejects_times_that_are_not_positive() -> None:
    with pytest.raises(ValueError, match="total_time"):
        RetryPolicy(total_time=0)
    with pytest.raises(ValueError, match="attempt_timeout"):
        RetryPolicy(attempt_timeout=-1)
    with pytest.raises(ValueError, match="total_time"):
        RetryPolicy(total_time=float("inf"))  # no bound at all


@pytest.mark.parametrize("field", ["initial_backoff", "max_backoff", "jitter"])
@pytest.mark.parametrize("value", [-1.0, float("inf"), float("nan")])
def test_retry_policy_rejects_waits_that_sleep_could_not_take(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        RetryPolicy(**{field: value})  # type: ignore[arg-type]


# --- at most MAX_REPLY_BYTES of a reply are read -----------------------------------------------


@pytest.mark.parametrize("status", [200, 400, 502])
def test_a_huge_reply_body_is_read_only_up_to_the_bound(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    size = 300 * 1024 * 1024
    sent: list[int] = []

    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)
        head = f"HTTP/1.1 {status} X\r\nContent-Type: text/html\r\nContent-Length: {size}\r\n\r\n<html>\n"
        connection.sendall(head.encode())
        block, total = b"x" * 65536, 0
        try:
            while total < size and not stopping.is_set():
                connection.sendall(block)
                total += len(block)
        finally:
            sent.append(total)

    with RawServer(handle) as server:
        client = client_for(server.url, total_time=0.3)
        session = client.service_session("job-1")
        ids = publish_tests(session, 20)
        tracemalloc.start()
        try:
            with pytest.raises(PublishError) as raised:
                session.flush()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        client.close()
    assert peak < 4 * 1024 * 1024
    assert max(sent) < size / 10  # each attempt stopped reading; the kernel buffered a little
    # a 502 is retried until the time is up: its last attempt may end in a timeout instead
    reported = [raised.value.reason, *(record.getMessage() for record in caplog.records)]
    assert any(f"longer than {MAX_REPLY_BYTES} bytes" in text for text in reported)
    assert queued_ids(session) == ids


# --- configuration errors fail fast --------------------------------------------------------------


def test_an_unknown_url_scheme_is_refused_when_the_transport_is_made() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        HttpTransport("ftp://events.example.com")


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


def test_a_certificate_that_does_not_verify_fails_at_once(certificate_authority: trustme.CA) -> None:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(tls)  # the client does not trust this CA

    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        read_request(connection)

    with RawServer(handle, tls=tls) as server:
        client = client_for(server.url, total_time=10.0)
        session = client.service_session("job-1")
        ids = publish_tests(session, 3)
        started = time.monotonic()
        with pytest.raises(
            PublishError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"
        ) as raised:
            session.flush()
        client.close()
    assert time.monotonic() - started < SLACK  # not retried for 10 s
    assert server.connections == 1
    assert [event.data["id"] for event in raised.value.undelivered] == ids


def test_https_to_a_plain_http_server_fails_at_once() -> None:
    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        connection.recv(65536)  # a TLS ClientHello
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    with RawServer(handle) as server:
        client = client_for(server.url.replace("http://", "https://"), total_time=10.0)
        session = client.service_session("job-1")
        publish_tests(session, 1)
        started = time.monotonic()
        with pytest.raises(PublishError, match=r"SSL|TLS|version"):
            session.flush()
        client.close()
    assert time.monotonic() - started < SLACK
    assert server.connections == 1


def test_https_delivers_and_its_attempts_end_in_time_too(
    certificate_authority: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TLS path: delivery works, and a trickled reply is cut as over plain HTTP."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(tls)
    requests: list[bytes] = []

    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        while True:
            requests.append(read_request(connection))
            if len(requests) >= 2:
                trickle(connection, stopping, endless_head(), pause=0.02)
                return
            body = b'{"status": "Success"}'
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    with certificate_authority.cert_pem.tempfile() as ca_file, RawServer(handle, tls=tls) as server:
        monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # the system's trust store, as OpenSSL reads it
        client = client_for(server.url, total_time=0.8, attempt_timeout=0.5)
        session = client.service_session("job-1")
        publish_tests(session, 1)
        session.flush()
        publish_tests(session, 1, prefix="slow")
        started = time.monotonic()
        with pytest.raises(PublishError):
            session.flush()
        assert time.monotonic() - started < 0.8 + SLACK
        client.close()
    assert b"x-britecore-job-id: job-1" in requests[0]
