"""bc_events.wsgi.EventsMiddleware: a Flask app behind a real wsgiref server, and under Flask's test client.

The real server calls the response's close() after sending it, which is when
the session is flushed; so the tests wait for the events, and prove that
nothing was delivered by sending a marker request afterwards on the same
(one-threaded) server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import urllib3
from flask import Flask, Response, request

import bc_events
from bc_events import EventClient, PublishError, current_session
from bc_events.testing import EventsAPIServer
from bc_events.wsgi import EventsMiddleware

from .support import FAST, TOPICS, delivered, ids, serve, wait_for_events

AFTER_REQUEST: list[object] = []


def publish(event_id: str) -> None:
    current_session().publish(action="Created", entity="Test", data={"id": event_id})


flask_app = Flask(__name__)


@flask_app.get("/publish/<event_id>")
def publish_with_status(event_id: str) -> tuple[str, int]:
    publish(event_id)
    return "done", int(request.args.get("status", "200"))


@flask_app.get("/raise")
def raise_after_publishing() -> str:
    publish("raised")
    raise RuntimeError("the view failed")


@flask_app.get("/whoami")
def whoami() -> dict[str, Any]:
    session = current_session()
    publish(request.args["id"])
    return {"job": session.job_id, "actor": [session.actor_id, session.actor_type]}


@flask_app.get("/stream")
def stream() -> Response:
    fail = request.args.get("fail") == "1"

    def chunks() -> Iterator[str]:
        for i in range(3):
            publish(f"chunk{i}")  # runs lazily, while the server sends the body
            yield f"chunk{i}\n"
        if fail:
            raise RuntimeError("the stream failed half-way")

    return Response(chunks(), mimetype="text/plain")


def recording(app: EventsMiddleware) -> Any:
    """A WSGI app around the middleware recording what is bound once the response is closed."""

    def record(environ: Any, start_response: Any) -> Any:
        AFTER_REQUEST.append(bc_events.bound_session())
        body = app(environ, start_response)
        AFTER_REQUEST.append(bc_events.bound_session())
        return body

    return record


@pytest.fixture
def events_client(api: EventsAPIServer) -> Iterator[EventClient]:
    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    yield client
    client.close()


@pytest.fixture
def http(events_client: EventClient) -> Iterator[Any]:
    """``http(path, **kwargs)``: a request to the Flask app behind the middleware, on a real server."""
    AFTER_REQUEST.clear()
    server, url = serve(recording(EventsMiddleware(flask_app.wsgi_app, events_client)), threaded=True)
    pool = urllib3.PoolManager(retries=False)
    yield lambda path, **kwargs: pool.request("GET", url + path, **kwargs)
    server.shutdown()
    server.server_close()
    assert set(AFTER_REQUEST) <= {None}, "a session stayed bound after its request"


def delivered_after(http: Any, api: EventsAPIServer) -> list[str]:
    """The ids accepted once a marker request (flushed after everything before it) is delivered."""
    assert http("/publish/marker").status == 200
    received = wait_for_events(api, 1)
    while "marker" not in received:
        received = wait_for_events(api, len(received) + 1)
    return [event_id for event_id in received if event_id != "marker"]


@pytest.mark.parametrize("status", [200, 201, 302, 399])
def test_a_response_below_400_flushes(http: Any, api: EventsAPIServer, status: int) -> None:
    assert http(f"/publish/s{status}?status={status}", redirect=False).status == status
    assert wait_for_events(api, 1) == [f"s{status}"]


@pytest.mark.parametrize("status", [400, 404, 500])
def test_a_response_of_400_or_more_rolls_back(http: Any, api: EventsAPIServer, status: int) -> None:
    assert http(f"/publish/s{status}?status={status}").status == status
    assert delivered_after(http, api) == []


def test_an_app_that_raises_rolls_back(http: Any, api: EventsAPIServer) -> None:
    assert http("/raise").status == 500
    assert delivered_after(http, api) == []


def test_a_streaming_response_is_flushed_after_its_body(http: Any, api: EventsAPIServer) -> None:
    assert http("/stream").data == b"chunk0\nchunk1\nchunk2\n"
    assert wait_for_events(api, 3) == ["chunk0", "chunk1", "chunk2"]


def test_a_stream_that_fails_half_way_rolls_back(http: Any, api: EventsAPIServer) -> None:
    with contextlib.suppress(urllib3.exceptions.HTTPError):  # the server cut the body short
        http("/stream?fail=1")
    assert delivered_after(http, api) == []


def test_job_id_and_user_come_from_the_headers(http: Any, api: EventsAPIServer) -> None:
    http("/publish/user", headers={"X-BriteCore-Job-Id": "job-1", "X-BriteCore-User-Id": "user-9"})
    http("/publish/service", headers={"X-BriteCore-Job-Id": "job-2"})
    wait_for_events(api, 2)
    delivered()
    by_id = {event.data["id"]: (event.job_id, event.actor) for event in api.accepted}
    assert by_id == {"user": ("job-1", ("user-9", "user")), "service": ("job-2", ("WebService", "service"))}


def test_concurrent_requests_each_get_their_own_session(http: Any, api: EventsAPIServer) -> None:
    def call(i: int) -> tuple[int, object]:
        headers = {"X-BriteCore-Job-Id": f"job-{i}", "X-BriteCore-User-Id": f"user-{i}"}
        return i, http(f"/whoami?id=e{i}", headers=headers).json()

    with ThreadPoolExecutor(16) as pool:
        answers = dict(pool.map(call, range(32)))
    assert answers == {i: {"job": f"job-{i}", "actor": [f"user-{i}", "user"]} for i in range(32)}
    wait_for_events(api, 32)
    delivered()
    assert {event.data["id"]: (event.job_id, event.actor) for event in api.accepted} == {
        f"e{i}": (f"job-{i}", (f"user-{i}", "user")) for i in range(32)
    }


def test_a_failed_flush_is_handed_to_the_callback_not_the_client(
    events_client: EventClient, api: EventsAPIServer
) -> None:
    undelivered: list[PublishError] = []
    app = Flask("undelivered")
    app.get("/publish/<event_id>")(publish_with_status)
    app.wsgi_app = EventsMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, lambda: events_client, on_undelivered=undelivered.append
    )
    api.faults.reject(times=1)
    response = app.test_client().get("/publish/lost", buffered=True)
    assert response.status_code == 200
    delivered()
    [error] = undelivered
    assert [event.data["id"] for event in error.rejected] == ["lost"]  # a 400 ValidationException
    assert ids(api) == []


def test_a_wsgi_app_that_raises_rolls_back(events_client: EventClient, api: EventsAPIServer) -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        publish(environ["PATH_INFO"].strip("/"))
        if environ["PATH_INFO"] == "/raise":
            raise RuntimeError("the app failed")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server, url = serve(EventsMiddleware(app, events_client))
    pool = urllib3.PoolManager(retries=False)
    assert pool.request("GET", url + "/raise").status == 500  # wsgiref's error page
    assert pool.request("GET", url + "/marker").status == 200
    server.shutdown()
    server.server_close()
    assert wait_for_events(api, 1) == ["marker"]
    assert ids(api) == ["marker"]


def test_flask_test_client_with_the_typed_example(
    api: EventsAPIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    monkeypatch.setenv("EVENTS_API_URL", api.url)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "generated_example"))
    import flask_app as example

    client = example.app.test_client()
    response = client.post("/policies/P-1/cancel", headers={"X-BriteCore-Job-Id": "job-f"}, buffered=True)
    assert response.json == {"status": "cancelled", "job": "job-f"}
    assert client.post("/policies/P-9/cancel", buffered=True).status_code == 404
    assert client.get("/invoices/export", buffered=True).text == "INV-0\nINV-1\nINV-2\n"
    delivered()
    # Requests are delivered in parallel: in any order across jobs.
    assert [(event.topic, event.job_id) for event in api.accepted_for("policies.PolicyCancelled")] == [
        ("policies.PolicyCancelled", "job-f")
    ]
    assert [event.data["invoice_id"] for event in api.accepted_for("billing.InvoicePaid")] == [
        "INV-0",
        "INV-1",
        "INV-2",
    ]
    assert len(api.accepted) == 4


def test_a_body_the_server_stops_reading_half_way_rolls_back(
    events_client: EventClient, api: EventsAPIServer
) -> None:
    # What a server does when the client goes away mid-stream: it stops iterating and calls close().
    app = EventsMiddleware(flask_app.wsgi_app, events_client)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/stream", "SERVER_NAME": "x", "SERVER_PORT": "80"}
    environ |= {"wsgi.url_scheme": "http", "wsgi.input": None, "wsgi.errors": None}
    statuses: list[str] = []
    body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    chunks = iter(body)
    assert next(chunks) == b"chunk0\n"
    body.close()  # type: ignore[attr-defined]
    assert statuses == ["200 OK"]
    assert bc_events.bound_session() is None
    complete = app(dict(environ), lambda status, headers, exc_info=None: statuses.append(status))
    assert b"".join(complete) == b"chunk0\nchunk1\nchunk2\n"
    complete.close()  # type: ignore[attr-defined]
    assert ids(api) == ["chunk0", "chunk1", "chunk2"], "only the request whose body was sent in full"
