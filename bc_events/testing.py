"""A local Events API for tests: a real HTTP server on 127.0.0.1, with faults on demand.

    from bc_events.testing import EventsAPIServer

    with EventsAPIServer() as api:
        client = EventClient(api.url, "MyService", "topics.yaml")
        with client.user_session("u1", "job-1") as session:
            session.publish(action="Created", entity="Test", data={"id": "1"})
        assert [event.data for event in api.accepted_for("testing.TestCreated")] == [{"id": "1"}]

In pytest, the ``events_api`` fixture (installed with bc-events as a pytest
plugin) gives each test a running, empty server.

The server implements ``POST /events`` (one envelope) and ``POST /events/bulk/``
(a JSON list of envelopes, at most 250), checks every envelope and the
``x-britecore-job-id`` header, answers malformed requests with 400 and a JSON
``errorType``, and records what it accepted.  ``api.faults`` makes it misbehave
(throttling, 5xx, 429, partial bulk failures, slow replies, dropped connections,
replies that do not fit) for the next N requests.  Only the standard library is
used, so importing this module needs neither pytest nor anything else.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

__all__ = ["AcceptedEvent", "EventsAPIServer", "Faults", "LoggedRequest", "check_envelope"]

SINGLE_PATH = "/events"
BULK_PATH = "/events/bulk/"
JOB_ID_HEADER = "x-britecore-job-id"
MAX_BULK_RECORDS = 250
THROTTLED = "ProvisionedThroughputExceededException"
SUCCESS = "Success"

_ENVELOPE_KEYS = frozenset({"action", "category", "entity", "data", "actor"})
_NAME_PATTERNS = {
    "category": re.compile(r"^[a-z]+$"),
    "entity": re.compile(r"^([A-Z][a-z]+)+$"),
    "action": re.compile(r"^[A-Z][a-z]+$"),
}


@dataclass(frozen=True)
class AcceptedEvent:
    """One event the server accepted: its envelope as sent, the job id header and the path."""

    envelope: dict[str, Any]
    job_id: str
    path: str

    @property
    def topic(self) -> str:
        """``category.EntityAction``."""
        envelope = self.envelope
        return f"{envelope['category']}.{envelope['entity']}{envelope['action']}"

    @property
    def data(self) -> dict[str, Any]:
        """The event's ``data``."""
        data: dict[str, Any] = self.envelope["data"]
        return data

    @property
    def actor(self) -> tuple[str, str]:
        """``(actor id, actor type)``."""
        return self.envelope["actor"]["id"], self.envelope["actor"]["type"]


@dataclass(frozen=True)
class LoggedRequest:
    """One request the server received: path, job id, number of events, and what it answered.

    ``status`` is None when the server dropped the connection without replying.
    """

    path: str
    job_id: str | None
    records: int
    status: int | None


def check_envelope(envelope: Any) -> str | None:
    """The problem with one event envelope, or None if the Events API would take it."""
    if not isinstance(envelope, dict):
        return f"an event must be a JSON object, got {type(envelope).__name__}"
    missing = _ENVELOPE_KEYS - envelope.keys()
    if missing:
        return f"missing key(s): {', '.join(sorted(missing))}"
    unknown = envelope.keys() - _ENVELOPE_KEYS
    if unknown:
        return f"unknown key(s): {', '.join(sorted(unknown))}"
    for key, pattern in _NAME_PATTERNS.items():
        value = envelope[key]
        if not isinstance(value, str) or not pattern.match(value):
            return f"{key} must be a string matching {pattern.pattern}, got {value!r}"
    if not isinstance(envelope["data"], dict):
        return "data must be a JSON object"
    actor = envelope["actor"]
    if not isinstance(actor, dict) or set(actor) != {"id", "type"}:
        return 'actor must be an object with exactly "id" and "type"'
    if not all(isinstance(actor[key], str) and actor[key] for key in ("id", "type")):
        return "actor id and type must be non-empty strings"
    return None


# --- Replies and faults ------------------------------------------------------------------


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def _json_reply(status: int, document: Any, headers: tuple[tuple[str, str], ...] = ()) -> _Reply:
    return _Reply(status, json.dumps(document).encode(), headers=headers)


def _error(status: int, error_type: str, message: str) -> _Reply:
    return _json_reply(status, {"errorType": error_type, "message": message})


@dataclass(frozen=True)
class _Request:
    path: str
    job_id: str
    envelopes: list[dict[str, Any]]

    @property
    def bulk(self) -> bool:
        return self.path == BULK_PATH


class _Drop:
    """Close the connection without a reply."""


class _Delay:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class _Partial:
    """Accept a bulk request except the records in ``failures`` (index -> error type)."""

    def __init__(self, failures: Mapping[int, str]) -> None:
        self.failures = failures


class _Mismatch:
    """Reply to a bulk request with a records list one shorter than sent; accept nothing."""


_Outcome = _Reply | _Drop | _Delay | _Partial | _Mismatch
_DROP = _Drop()


@dataclass
class _Rule:
    respond: Callable[[_Request], _Outcome | None]
    times: int
    after: int
    bulk_only: bool


RandomKind = Literal["throttle", "server_error", "too_many_requests", "partial", "drop"]
_RANDOM_KINDS: tuple[RandomKind, ...] = ("throttle", "server_error", "too_many_requests", "partial", "drop")
_RETRYABLE_RECORD_CODES = (THROTTLED, "InternalFailure", "InternalFailureException")


class Faults:
    """Fault injection for the next requests; reach it as ``api.faults``.

    Each method arms one rule for the next ``times`` requests it applies to,
    after letting the first ``after`` of them through untouched.  Rules are
    tried in the order they were armed; the first that applies decides the
    reply.  Requests no rule takes are handled normally, or by the random
    mode of ``random_rejections``.  Faulted events are not recorded as
    accepted, except the records a partial bulk failure lets through and the
    requests ``delay`` lets through late.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._random: _RandomRejections | None = None

    def throttle(self, times: int = 1, *, after: int = 0) -> None:
        """Reply 400 ``{"errorType": "ProvisionedThroughputExceededException"}``."""
        reply = _error(400, THROTTLED, "Rate exceeded")
        self._arm(lambda request: reply, times, after)

    def server_error(
        self,
        times: int = 1,
        *,
        status: int = 500,
        body: Mapping[str, Any] | str | bytes | None = None,
        after: int = 0,
    ) -> None:
        """Reply ``status`` (500, 503, ...) with ``body``: a mapping is sent as JSON, text as is.

        The default body is ``{"errorType": "InternalFailureException"}``; pass
        e.g. ``body="<html>Bad Gateway</html>"`` for a reply that is not JSON.
        """
        if body is None:
            body = {"errorType": "InternalFailureException", "message": "Internal server error"}
        self.respond(status, body, times=times, after=after)

    def respond(
        self,
        status: int,
        body: Mapping[str, Any] | list[Any] | str | bytes = b"",
        *,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Reply exactly ``status``, ``body`` and ``headers``; nothing is accepted.

        A mapping or list is sent as JSON, text and bytes as ``text/html``: any
        reply, e.g. a 200 whose body is not JSON, or a 400 without ``errorType``.
        """
        if isinstance(body, (str, bytes)):
            raw = body.encode() if isinstance(body, str) else body
            reply = _Reply(status, raw, content_type="text/html; charset=utf-8")
        else:
            reply = _json_reply(status, body if isinstance(body, list) else dict(body))
        if headers:
            reply = _Reply(reply.status, reply.body, reply.content_type, tuple(headers.items()))
        self._arm(lambda request: reply, times, after)

    def too_many_requests(self, times: int = 1, *, retry_after: int | str | None = 1, after: int = 0) -> None:
        """Reply 429 with ``Retry-After: retry_after`` (seconds or an HTTP date; None: no header)."""
        headers = () if retry_after is None else (("Retry-After", str(retry_after)),)
        reply = _json_reply(429, {"message": "Too Many Requests"}, headers)
        self._arm(lambda request: reply, times, after)

    def reject(
        self, times: int = 1, *, status: int = 400, error_type: str = "ValidationException", after: int = 0
    ) -> None:
        """Reply ``status`` with ``errorType: error_type``: by default a 4xx that is not worth retrying."""
        reply = _error(status, error_type, "Rejected by fault injection")
        self._arm(lambda request: reply, times, after)

    def partial_bulk_failure(
        self,
        records: Collection[int] | Mapping[int, str] | Callable[[int, Mapping[str, Any]], bool],
        *,
        error: str = THROTTLED,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Fail some records of bulk requests with ``error``; accept the others.

        ``records`` chooses the failing records: a collection of indexes into
        the request's list, a mapping of index to its own error code (to mix
        codes in one reply), or a function ``(index, envelope) -> bool``.
        Single-event requests are not affected and do not count towards ``times``.
        """
        if isinstance(records, Mapping):
            codes = dict(records)
            self._arm(lambda request: _Partial(codes), times, after, bulk_only=True)
            return
        if callable(records):
            chosen = records
        else:
            indexes = frozenset(records)

            def chosen(index: int, envelope: Mapping[str, Any]) -> bool:
                return index in indexes

        def respond(request: _Request) -> _Partial:
            failing = (i for i, envelope in enumerate(request.envelopes) if chosen(i, envelope))
            return _Partial(dict.fromkeys(failing, error))

        self._arm(respond, times, after, bulk_only=True)

    def delay(self, seconds: float, *, times: int = 1, after: int = 0) -> None:
        """Wait ``seconds`` before handling the request normally: a slow or, for long waits, hung server.

        The request is accepted after the wait even if the client gave up
        meanwhile, as a real server would.  Stopping the server ends every wait
        at once, and a request whose wait was cut short is not accepted.
        """
        outcome = _Delay(seconds)
        self._arm(lambda request: outcome, times, after)

    def drop_connection(self, times: int = 1, *, after: int = 0) -> None:
        """Read the request, then close the connection without replying; nothing is accepted."""
        self._arm(lambda request: _DROP, times, after)

    def mismatched_records(self, times: int = 1, *, after: int = 0) -> None:
        """Reply 200 to bulk requests with a ``records`` list one shorter than sent; nothing is accepted."""
        self._arm(lambda request: _Mismatch(), times, after, bulk_only=True)

    def random_rejections(
        self, seed: int, *, rate: float = 0.2, kinds: Iterable[RandomKind] = _RANDOM_KINDS
    ) -> None:
        """Reject about ``rate`` of the requests no rule takes, reproducibly from ``seed``.

        Each rejection is one of ``kinds``, all retryable: ``throttle`` (400),
        ``server_error`` (500/503, sometimes not JSON), ``too_many_requests``
        (429 with ``Retry-After: 0``), ``partial`` (bulk only: some records
        fail with a retryable code) and ``drop`` (connection closed, no reply).
        Which request gets which fault depends on thread scheduling.
        """
        with self._lock:
            self._random = _RandomRejections(random.Random(seed), rate, tuple(kinds))

    def clear(self) -> None:
        """Disarm every rule and the random mode."""
        with self._lock:
            self._rules.clear()
            self._random = None

    @property
    def remaining(self) -> int:
        """How many more requests the armed rules will fault (``after`` not included)."""
        with self._lock:
            return sum(rule.times for rule in self._rules)

    def _arm(
        self,
        respond: Callable[[_Request], _Outcome | None],
        times: int,
        after: int,
        *,
        bulk_only: bool = False,
    ) -> None:
        if times < 1 or after < 0:
            raise ValueError("times must be at least 1 and after at least 0")
        with self._lock:
            self._rules.append(_Rule(respond, times, after, bulk_only))

    def _outcome(self, request: _Request) -> _Outcome | None:
        with self._lock:
            for rule in self._rules:
                if rule.bulk_only and not request.bulk:
                    continue
                if rule.after:
                    rule.after -= 1
                    continue
                rule.times -= 1
                if not rule.times:
                    self._rules.remove(rule)
                return rule.respond(request)
            return self._random.outcome(request) if self._random else None


@dataclass
class _RandomRejections:
    rng: random.Random
    rate: float
    kinds: tuple[RandomKind, ...]

    def outcome(self, request: _Request) -> _Outcome | None:
        kinds = [kind for kind in self.kinds if request.bulk or kind != "partial"]
        if not kinds or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(kinds)
        if kind == "throttle":
            return _error(400, THROTTLED, "Rate exceeded (random)")
        if kind == "server_error":
            if self.rng.random() < 0.5:
                return _Reply(503, b"<html><body>Service Unavailable</body></html>", "text/html")
            return _error(500, "InternalFailureException", "Internal failure (random)")
        if kind == "too_many_requests":
            return _json_reply(429, {"message": "Too Many Requests"}, (("Retry-After", "0"),))
        if kind == "drop":
            return _DROP
        count = len(request.envelopes)
        failing = [i for i in range(count) if self.rng.random() < 0.5] or [self.rng.randrange(count)]
        return _Partial({i: self.rng.choice(_RETRYABLE_RECORD_CODES) for i in failing})


# --- The server --------------------------------------------------------------------------


@dataclass
class _Record:
    accepted: list[AcceptedEvent] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    log: list[LoggedRequest] = field(default_factory=list)
    connections: int = 0


class EventsAPIServer:
    """A local Events API on ``127.0.0.1``: start it, point an ``EventClient`` at ``url``.

    Use it as a context manager (``with EventsAPIServer() as api:``) or call
    ``start()``/``stop()``.  After ``stop()``, ``start()`` listens on the same
    port again, so a test can take the server down and bring it back.  All
    recorded state is safe to read while requests are being served.
    """

    def __init__(self, port: int = 0) -> None:
        self.faults = Faults()
        self._port = port
        self._lock = threading.Lock()
        self._record = _Record()
        self._httpd: _HTTPServer | None = None
        self._serving: threading.Thread | None = None
        self._stopping = threading.Event()
        self._open: dict[socket.socket, threading.Thread] = {}

    # -- lifecycle

    def start(self) -> EventsAPIServer:
        """Listen and serve in a background thread; returns the server."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.api = self
        self._port = httpd.server_address[1]
        self._httpd = httpd
        self._serving = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="events-api", daemon=True
        )
        self._serving.start()
        return self

    def stop(self) -> None:
        """Stop listening and close every open connection; waits for in-flight requests to end."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            open_connections = dict(self._open)
        for connection, thread in open_connections.items():
            _shut(connection)
            thread.join(timeout=5)
        if self._serving is not None:
            self._serving.join(timeout=5)

    def __enter__(self) -> EventsAPIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port (chosen by the OS unless given)."""
        return self._port

    @property
    def url(self) -> str:
        """The ``api_url`` to give ``EventClient``, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self._port}"

    # -- what happened

    @property
    def accepted(self) -> list[AcceptedEvent]:
        """Every accepted event, in the order the server accepted them (a copy)."""
        with self._lock:
            return list(self._record.accepted)

    def accepted_for(self, topic: str) -> list[AcceptedEvent]:
        """The accepted events of one topic, ``category.EntityAction``, e.g. ``testing.TestCreated``."""
        return [event for event in self.accepted if event.topic == topic]

    @property
    def requests(self) -> Counter[str]:
        """How many POST requests each path received, whatever the reply (a copy)."""
        with self._lock:
            return Counter(self._record.requests)

    @property
    def request_log(self) -> list[LoggedRequest]:
        """Every request to a known path, in arrival order (a copy)."""
        with self._lock:
            return list(self._record.log)

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened: few means keep-alive works."""
        with self._lock:
            return self._record.connections

    def reset(self) -> None:
        """Forget accepted events, requests and connections, and clear the faults."""
        self.faults.clear()
        with self._lock:
            self._record = _Record()

    # -- serving (called from handler threads)

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._open[connection] = threading.current_thread()
            self._record.connections += 1
        if self._stopping.is_set():  # accepted while stop() was closing the others
            _shut(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.pop(connection, None)

    def _handle(self, path: str, job_id: str | None, body: bytes) -> _Reply | _Drop:
        with self._lock:
            self._record.requests[path] += 1
        if path not in (SINGLE_PATH, BULK_PATH):
            return _error(404, "NotFound", f"no such path {path!r}; expected {SINGLE_PATH} or {BULK_PATH}")
        parsed = _parse(path, job_id, body)
        if isinstance(parsed, _Reply):
            reply: _Reply | _Drop = parsed
            self._log(path, job_id, 0, reply)
            return reply
        reply = self._respond(parsed, self.faults._outcome(parsed))
        self._log(path, job_id, len(parsed.envelopes), reply)
        return reply

    def _respond(self, request: _Request, outcome: _Outcome | None) -> _Reply | _Drop:
        if isinstance(outcome, _Delay):
            if self._stopping.wait(outcome.seconds):
                return _DROP
            outcome = None
        if outcome is None:
            return self._accept(request, {})
        if isinstance(outcome, _Partial):
            return self._accept(request, outcome.failures)
        if isinstance(outcome, _Mismatch):
            records = [SUCCESS] * (len(request.envelopes) - 1)
            return _json_reply(200, {"failedRecords": 0, "records": records})
        return outcome

    def _accept(self, request: _Request, failures: Mapping[int, str]) -> _Reply:
        envelopes = request.envelopes
        accepted = [
            AcceptedEvent(envelope, request.job_id, request.path)
            for index, envelope in enumerate(envelopes)
            if index not in failures
        ]
        with self._lock:
            self._record.accepted += accepted
        if not request.bulk:
            return _json_reply(200, {"status": SUCCESS})
        records = [failures.get(index, SUCCESS) for index in range(len(envelopes))]
        return _json_reply(200, {"failedRecords": len(failures), "records": records})

    def _log(self, path: str, job_id: str | None, records: int, reply: _Reply | _Drop) -> None:
        status = reply.status if isinstance(reply, _Reply) else None
        with self._lock:
            self._record.log.append(LoggedRequest(path, job_id, records, status))


def _parse(path: str, job_id: str | None, body: bytes) -> _Request | _Reply:
    """Decode and check a request; a 400 reply naming the problem if it is malformed."""
    if not job_id:
        return _error(400, "ValidationException", f"missing header {JOB_ID_HEADER}")
    try:
        document = json.loads(body)
    except ValueError as error:
        return _error(400, "SerializationException", f"body is not JSON: {error}")
    envelopes: Sequence[Any]
    if path == BULK_PATH:
        if not isinstance(document, list) or not document:
            return _error(400, "ValidationException", "a bulk body must be a non-empty JSON list of events")
        if len(document) > MAX_BULK_RECORDS:
            return _error(400, "ValidationException", f"at most {MAX_BULK_RECORDS} events per bulk request")
        envelopes = document
    else:
        envelopes = [document]
    for index, envelope in enumerate(envelopes):
        problem = check_envelope(envelope)
        if problem is not None:
            where = f"record {index}: " if path == BULK_PATH else ""
            return _error(400, "ValidationException", where + problem)
    return _Request(path, job_id, list(envelopes))


def _shut(connection: socket.socket) -> None:
    """End a connection at once, waking the thread that serves it."""
    with contextlib.suppress(OSError):  # already closed by the client
        connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    api: EventsAPIServer
    daemon_threads = True
    request_queue_size = 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many requests
    server_version = "bc-events-testing"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one write
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.api._opened(self.connection)

    def finish(self) -> None:
        self.server.api._closed(self.connection)
        with contextlib.suppress(OSError):  # the client went away; nothing left to flush
            super().finish()

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._send(_error(411, "LengthRequired", "Content-Length is required"))
            return
        body = self.rfile.read(int(length))
        reply = self.server.api._handle(self.path, self.headers.get(JOB_ID_HEADER), body)
        if isinstance(reply, _Drop):
            self.close_connection = True
            _shut(self.connection)
            return
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. timed out on a slow reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read api.request_log instead
