"""bc_events.asgi.EventsMiddleware over a real Starlette app, driven by Starlette's TestClient.

TestClient runs the whole ASGI call (the commit included) before it returns;
the commit hands the events to the client's background deliverer, so tests
wait for it (``ids``, ``delivered``) before asserting what the Events API accepted.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.testclient import TestClient

import bc_events
from bc_events import EventClient, PublishError
from bc_events.asgi import EventsMiddleware
from bc_events.testing import EventsAPIServer

from .starlette_app import starlette_app
from .support import FAST, TOPICS, delivered, ids

AFTER_REQUEST: list[object] = []
"""What was bound in the server's context after each request left the middleware (must be None)."""


def outermost(app: EventsMiddleware) -> object:
    """An ASGI app around the middleware recording what is bound once it has returned."""

    async def record(scope: dict[str, object], receive: object, send: object) -> None:
        try:
            await app(scope, receive, send)
        finally:
            AFTER_REQUEST.append(bc_events.bound_session())

    return record


@pytest.fixture
def events_client(api: EventsAPIServer) -> Iterator[EventClient]:
    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    yield client
    client.close()


@pytest.fixture
def http(events_client: EventClient) -> Iterator[TestClient]:
    AFTER_REQUEST.clear()
    app = outermost(EventsMiddleware(starlette_app, events_client))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    assert AFTER_REQUEST, "the recording wrapper ran"
    assert set(AFTER_REQUEST) == {None}, "a session stayed bound after its request"


@pytest.mark.parametrize(("status", "delivered"), [(200, True), (201, True), (302, True), (399, True)])
def test_a_response_below_400_flushes(
    http: TestClient, api: EventsAPIServer, status: int, delivered: bool
) -> None:
    response = http.get(f"/publish/s{status}?status={status}", follow_redirects=False)
    assert response.status_code == status
    assert ids(api) == [f"s{status}"]


@pytest.mark.parametrize("status", [400, 404, 409, 500, 503])
def test_a_response_of_400_or_more_rolls_back(http: TestClient, api: EventsAPIServer, status: int) -> None:
    assert http.get(f"/publish/s{status}?status={status}").status_code == status
    assert http.get("/publish/after").status_code == 200
    assert ids(api) == ["after"]


def test_an_app_that_raises_rolls_back(http: TestClient, api: EventsAPIServer) -> None:
    assert http.get("/raise").status_code == 500
    assert http.get("/publish/after").status_code == 200
    assert ids(api) == ["after"]


def test_job_id_and_user_come_from_the_headers(http: TestClient, api: EventsAPIServer) -> None:
    http.get("/publish/user", headers={"X-BriteCore-Job-Id": "job-1", "X-BriteCore-User-Id": "user-9"})
    http.get("/publish/service", headers={"x-britecore-job-id": "job-2"})
    http.get("/publish/anonymous")
    delivered()
    user, service, anonymous = api.accepted
    assert (user.job_id, user.actor) == ("job-1", ("user-9", "user"))
    assert (service.job_id, service.actor) == ("job-2", ("WebService", "service"))
    assert anonymous.actor == ("WebService", "service")
    assert anonymous.job_id not in ("job-1", "job-2", "")


def test_callables_and_header_names_are_configurable(
    events_client: EventClient, api: EventsAPIServer
) -> None:
    app = EventsMiddleware(
        starlette_app,
        lambda: events_client,
        job_id_header="X-Request-Id",
        user_id=lambda scope: scope["path"].rsplit("/", 1)[-1],
    )
    with TestClient(app) as client:
        client.get("/publish/from-path", headers={"X-Request-Id": "req-7", "X-BriteCore-Job-Id": "ignored"})
    delivered()
    [event] = api.accepted
    assert (event.job_id, event.actor) == ("req-7", ("from-path", "user"))


def test_a_streaming_response_is_flushed_after_its_body(http: TestClient, api: EventsAPIServer) -> None:
    response = http.get("/stream")
    assert response.text == "chunk0\nchunk1\nchunk2\n"
    assert ids(api) == ["chunk0", "chunk1", "chunk2"]


def test_a_stream_that_fails_half_way_rolls_back(http: TestClient, api: EventsAPIServer) -> None:
    http.get("/stream?fail=1")  # the body is cut short; the app raised
    assert http.get("/publish/after").status_code == 200
    assert ids(api) == ["after"]


def test_a_failed_flush_never_becomes_an_error_response(
    events_client: EventClient, api: EventsAPIServer
) -> None:
    undelivered: list[PublishError] = []
    app = EventsMiddleware(starlette_app, events_client, on_undelivered=undelivered.append)
    api.faults.reject(times=1)
    with TestClient(app) as client:
        assert client.get("/publish/lost").status_code == 200
    delivered()
    [error] = undelivered
    assert [event.data["id"] for event in error.rejected] == ["lost"]  # a 400 ValidationException
    assert ids(api) == []


def test_concurrent_requests_each_get_their_own_session(http: TestClient, api: EventsAPIServer) -> None:
    def call(i: int) -> tuple[int, object]:
        headers = {"X-BriteCore-Job-Id": f"job-{i}", "X-BriteCore-User-Id": f"user-{i}"}
        return i, http.get(f"/whoami?id=e{i}", headers=headers).json()

    with ThreadPoolExecutor(16) as pool:
        answers = dict(pool.map(call, range(32)))
    assert answers == {i: {"job": f"job-{i}", "actor": [f"user-{i}", "user"]} for i in range(32)}
    delivered()
    assert {event.data["id"]: (event.job_id, event.actor) for event in api.accepted} == {
        f"e{i}": (f"job-{i}", (f"user-{i}", "user")) for i in range(32)
    }


def test_a_slow_events_api_delays_no_response(api: EventsAPIServer) -> None:
    """The commit hands the events to the deliverer: the response does not wait for the API's reply."""
    patient = EventClient(api.url, "WebService", TOPICS, retry=dataclasses.replace(FAST, attempt_timeout=10))
    api.faults.delay(2.0)
    with TestClient(EventsMiddleware(starlette_app, patient)) as http:
        started = time.monotonic()
        assert http.get("/publish/slow").status_code == 200
        took = time.monotonic() - started
        assert took < 1.0, f"the response waited {took:.2f}s for the Events API"
        assert http.get("/nothing").text == "nothing"
        assert api.accepted == []  # still held by the server
    assert patient.wait_delivered(30)
    patient.close()
    assert ids(api) == ["slow"]
    assert len(api.request_log) == 1, "one attempt, held by the server, then accepted"


def test_lifespan_and_websockets_pass_through(events_client: EventClient) -> None:
    seen: list[tuple[str, object]] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append((str(scope["type"]), bc_events.bound_session()))
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})
        else:
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close"})

    with TestClient(EventsMiddleware(app, events_client)) as client, client.websocket_connect("/ws"):
        pass
    assert seen == [("lifespan", None), ("websocket", None)]


def test_a_body_cut_short_rolls_back(events_client: EventClient, api: EventsAPIServer) -> None:
    """An app that returns without the last part of its body (e.g. a client that went away): no flush."""

    async def partial(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            return
        bc_events.current_session().publish(action="Created", entity="Test", data={"id": "partial"})
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"part", "more_body": True})  # type: ignore[operator]

    async def whole(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            return
        bc_events.current_session().publish(action="Created", entity="Test", data={"id": "whole"})
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"part", "more_body": True})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"end"})  # type: ignore[operator]

    for app in (partial, whole):
        TestClient(EventsMiddleware(app, events_client)).get("/")  # type: ignore[arg-type]
    assert ids(api) == ["whole"]


def test_slow_flushes_leave_the_loop_s_default_executor_free(
    events_client: EventClient, api: EventsAPIServer
) -> None:
    """asyncio's own getaddrinfo (and other libraries) use the default executor: flushes must not fill it."""
    import asyncio
    import time

    async def publishing(scope: dict[str, object], receive: object, send: object) -> None:
        bc_events.current_session().publish(action="Created", entity="Test", data={"id": "slow"})
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    middleware = EventsMiddleware(publishing, events_client)  # type: ignore[arg-type]
    api.faults.delay(0.3, times=12)  # under FAST.attempt_timeout: each is delivered once

    async def request() -> None:
        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: object) -> None:
            pass

        await middleware({"type": "http", "headers": []}, receive, send)

    async def main() -> float:
        requests = [asyncio.create_task(request()) for _ in range(12)]
        await asyncio.sleep(0.3)  # every flush is waiting on the slow API now
        started = time.monotonic()
        await asyncio.get_running_loop().getaddrinfo("localhost", 80)
        took = time.monotonic() - started
        await asyncio.gather(*requests)
        return took

    assert asyncio.run(main()) < 0.5  # queued behind the flushes, it took 0.9 s
    delivered()
    assert len(api.accepted) == 12
