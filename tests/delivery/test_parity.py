"""The same real-socket delivery cases, run by the sync driver (``EventClient``) and the asyncio one.

Each case publishes, flushes through one driver and states what the server
accepted and what stays queued; a case that passes with one driver and fails
with the other is a driver re-coding (or missing) delivery logic.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import trustme

from bc_events import EventClient, PublishError, RetryPolicy
from bc_events.aio import AsyncEventClient
from bc_events.testing import SINGLE_PATH, EventsAPIServer
from bc_events.wire import MAX_REPLY_BYTES
from tests.runtime.forwardproxy import ForwardProxy
from tests.runtime.rawserver import RawServer, read_request
from tests.runtime.support import FAST, TOPICS


@dataclass
class Flushed:
    """How one flush ended: its error (None: all delivered) and the ids still queued."""

    error: PublishError | None
    queued: list[str]
    seconds: float


Publish = Callable[[Any], None]
Driver = Callable[..., Flushed]


def publish_ids(count: int, prefix: str = "e") -> Publish:
    def publish(session: Any) -> None:
        for i in range(count):
            session.publish(action="Created", entity="Test", data={"id": f"{prefix}{i}"})

    return publish


def sync_driver(url: str, publish: Publish, retry: RetryPolicy = FAST, interrupt: float = 0.0) -> Flushed:
    """Flush with ``EventClient``; ``interrupt`` > 0 raises KeyboardInterrupt that many seconds in."""
    with EventClient(url, "TestService", TOPICS, retry=retry) as client:
        session = client.user_session("user-1", "job-1")
        publish(session)
        error: PublishError | None = None
        started = time.monotonic()
        timer = _interrupt_after(interrupt) if interrupt else None
        try:
            session.flush()
        except PublishError as failed:
            error = failed
        except KeyboardInterrupt:
            assert interrupt, "interrupted without being asked to"
        finally:
            if timer is not None:
                timer.join()
        seconds = time.monotonic() - started
        queued = [event.data["id"] for event in session.events]
        session.rollback()
        return Flushed(error, queued, seconds)


def _interrupt_after(seconds: float) -> threading.Thread:
    main = threading.main_thread().ident
    assert main is not None
    thread = threading.Timer(seconds, signal.pthread_kill, (main, signal.SIGINT))
    thread.start()
    return thread


def async_driver(url: str, publish: Publish, retry: RetryPolicy = FAST, interrupt: float = 0.0) -> Flushed:
    """Flush with ``AsyncEventClient``; ``interrupt`` > 0 cancels the flushing task that many seconds in."""

    async def main() -> Flushed:
        async with AsyncEventClient(url, "TestService", TOPICS, retry=retry) as client:
            session = client.user_session("user-1", "job-1")
            publish(session)
            error: PublishError | None = None
            started = time.monotonic()
            task = asyncio.ensure_future(session.flush())
            if interrupt:
                asyncio.get_running_loop().call_later(interrupt, task.cancel)
            try:
                await task
            except PublishError as failed:
                error = failed
            except asyncio.CancelledError:
                assert interrupt, "cancelled without being asked to"
            seconds = time.monotonic() - started
            queued = [event.data["id"] for event in session.events]
            session.rollback()
            return Flushed(error, queued, seconds)

    return asyncio.run(main())


DRIVERS = pytest.mark.parametrize("driver", [sync_driver, async_driver], ids=["sync", "asyncio"])


def accepted_ids(api: EventsAPIServer) -> list[str]:
    return [event.data["id"] for event in api.accepted]


@pytest.fixture
def api() -> Any:
    with EventsAPIServer() as server:
        yield server


@DRIVERS
@pytest.mark.parametrize("count", [1, 3, 20], ids=["one", "single", "bulk"])
def test_everything_delivered(api: EventsAPIServer, driver: Driver, count: int) -> None:
    flushed = driver(api.url, publish_ids(count))
    assert (flushed.error, flushed.queued) == (None, [])
    assert accepted_ids(api) == [f"e{i}" for i in range(count)]


@DRIVERS
@pytest.mark.parametrize(
    ("count", "status", "body", "bulk_only"),
    [(1, 201, {"eventId": "x-1", "jobId": "job-1"}, False), (20, 200, {"failedRecords": 0}, True)],
    ids=["201-eventId", "bulk-failedRecords-only"],
)
def test_seed_reply_shapes_are_success(
    api: EventsAPIServer, driver: Driver, count: int, status: int, body: dict[str, Any], bulk_only: bool
) -> None:
    api.faults.accept(body, status=status, times=10, bulk_only=bulk_only)
    flushed = driver(api.url, publish_ids(count))
    assert (flushed.error, flushed.queued) == (None, [])
    assert accepted_ids(api) == [f"e{i}" for i in range(count)]


@DRIVERS
@pytest.mark.parametrize("count", [1, 20], ids=["single", "bulk"])
def test_a_503_is_retried_then_delivered(api: EventsAPIServer, driver: Driver, count: int) -> None:
    api.faults.server_error(times=2, status=503, body="<html>Service Unavailable</html>")
    flushed = driver(api.url, publish_ids(count))
    assert (flushed.error, flushed.queued) == (None, [])
    assert [request.status for request in api.request_log][:3] == [503, 503, 200]
    assert accepted_ids(api) == [f"e{i}" for i in range(count)]


@DRIVERS
def test_a_rejected_event_does_not_stop_the_others(api: EventsAPIServer, driver: Driver) -> None:
    api.faults.reject(after=1)  # the second of three single requests
    flushed = driver(api.url, publish_ids(3))
    assert flushed.error is not None
    assert [event.data["id"] for event in flushed.error.rejected] == ["e1"]
    assert list(flushed.error.undelivered) == []
    assert flushed.queued == []  # a rejected event is not queued again
    assert accepted_ids(api) == ["e0", "e2"]


@DRIVERS
def test_a_413_splits_the_request_and_the_halves_are_delivered(driver: Driver) -> None:
    def publish(session: Any) -> None:
        for i in range(40):
            session.publish(action="Created", entity="Test", data={"id": f"e{i}", "n": i})

    with EventsAPIServer(max_request_bytes=4096) as api:
        flushed = driver(api.url, publish)
        statuses = [request.status for request in api.request_log]
        assert (flushed.error, flushed.queued) == (None, [])
        assert 413 in statuses
        assert sorted(accepted_ids(api)) == sorted(f"e{i}" for i in range(40))


def _never_answer(connection: socket.socket, stopping: threading.Event) -> None:
    read_request(connection)
    stopping.wait(30)


@DRIVERS
def test_a_server_that_never_answers_is_given_up_on_within_total_time(driver: Driver) -> None:
    retry = dataclasses.replace(FAST, total_time=1.0, attempt_timeout=0.4)
    with RawServer(_never_answer) as server:
        flushed = driver(server.url, publish_ids(3), retry)
    assert flushed.error is not None
    assert flushed.queued == ["e0", "e1", "e2"]
    assert flushed.seconds < retry.total_time + 1.0
    assert server.connections >= 2  # the attempt timed out and was retried, on a fresh connection


@DRIVERS
def test_interruption_keeps_exactly_the_unacknowledged(api: EventsAPIServer, driver: Driver) -> None:
    api.faults.delay(15, after=2)  # the third single request hangs: the interruption comes meanwhile
    retry = dataclasses.replace(FAST, total_time=20.0, attempt_timeout=18.0)
    flushed = driver(api.url, publish_ids(4), retry, interrupt=0.5)
    assert flushed.error is None
    assert accepted_ids(api) == ["e0", "e1"]
    assert flushed.queued == ["e2", "e3"]
    assert flushed.seconds < 5


@DRIVERS
def test_a_trickling_reply_is_cut_at_the_attempt_deadline_and_retried(
    api: EventsAPIServer, driver: Driver
) -> None:
    api.faults.trickle(10)  # one byte at a time: only a deadline over the whole attempt stops it
    retry = dataclasses.replace(FAST, total_time=3.0, attempt_timeout=0.5)
    flushed = driver(api.url, publish_ids(1), retry)
    assert (flushed.error, flushed.queued) == (None, [])
    assert flushed.seconds < 2.0
    assert len(api.request_log) == 2


@DRIVERS
def test_a_redirect_is_not_followed_and_is_reported_with_its_location(driver: Driver) -> None:
    heads: list[bytes] = []

    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            heads.append(read_request(connection))
            connection.sendall(
                b"HTTP/1.1 307 Moved\r\nLocation: https://events.example.com/v2/events\r\n"
                b"Content-Length: 0\r\n\r\n"
            )

    with RawServer(handle) as server:
        flushed = driver(server.url, publish_ids(2))
    assert flushed.error is not None
    assert "HTTP 307 redirect to https://events.example.com/v2/events" in flushed.error.reason
    assert flushed.queued == ["e0", "e1"]
    assert len(heads) == 1  # not followed, not retried, and the flush stopped


@DRIVERS
def test_a_reply_body_is_read_only_up_to_max_reply_bytes(api: EventsAPIServer, driver: Driver) -> None:
    # more 503s than fit in total_time, however fast the retries come
    api.faults.respond(503, b"x" * (MAX_REPLY_BYTES * 8), times=100_000)
    retry = dataclasses.replace(FAST, total_time=0.5)
    flushed = driver(api.url, publish_ids(1), retry)
    assert flushed.error is not None
    assert f"body longer than {MAX_REPLY_BYTES} bytes" in flushed.error.reason
    assert flushed.queued == ["e0"]


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@DRIVERS
def test_a_certificate_that_does_not_verify_fails_at_once(
    driver: Driver, certificate_authority: trustme.CA
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    with RawServer(lambda connection, stopping: stopping.wait(5), tls=context) as server:
        flushed = driver(server.url, publish_ids(2), dataclasses.replace(FAST, total_time=5.0))
        connections = server.connections
    assert flushed.error is not None
    assert "certificate" in flushed.error.reason.lower()
    assert flushed.queued == ["e0", "e1"]
    assert connections == 1  # not retried: a certificate does not start to verify
    assert flushed.seconds < 2.0


@DRIVERS
def test_https_to_a_plain_http_port_fails_at_once(api: EventsAPIServer, driver: Driver) -> None:
    flushed = driver(api.url.replace("http://", "https://"), publish_ids(1))
    assert flushed.error is not None
    assert flushed.queued == ["e0"]
    assert api.request_log == []
    assert flushed.seconds < FAST.total_time / 2  # not retried until the time is up


@DRIVERS
def test_the_proxy_comes_from_the_environment(
    api: EventsAPIServer, driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        flushed = driver(api.url, publish_ids(1))
        lines = list(proxy.lines)
    assert (flushed.error, flushed.queued) == (None, [])
    assert lines == [f"POST {api.url}{SINGLE_PATH}"]
    assert accepted_ids(api) == ["e0"]
