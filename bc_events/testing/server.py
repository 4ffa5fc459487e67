"""EventsAPIServer: the local Events API, its record of what it accepted, and its HTTP/1.1 handler."""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from typing import Any

from bc_events.testing.faults import DROP, Accept, Delay, Drop, Faults, Mismatch, Outcome, Partial, Trickle
from bc_events.testing.protocol import (
    BULK_PATH,
    JOB_ID_HEADER,
    SINGLE_PATH,
    SUCCESS,
    Reply,
    Request,
    error_reply,
    json_reply,
    parse_request,
)


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

    def as_json(self) -> dict[str, Any]:
        """What ``GET /events`` lists for this event: topic, job id, path and the envelope."""
        return {"topic": self.topic, "job_id": self.job_id, "path": self.path, "envelope": self.envelope}


@dataclass(frozen=True)
class LoggedRequest:
    """One request the server received: path, job id, number of events, and what it answered.

    ``status`` is None when the server dropped the connection without replying.
    ``received_at`` is ``time.monotonic()`` when the request arrived: the gaps
    between a client's attempts show its backoff.
    """

    path: str
    job_id: str | None
    records: int
    status: int | None
    received_at: float = field(default=0.0, compare=False)


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

    ``max_request_bytes`` makes the server answer ``413 Request Too Long`` to a
    request whose body is longer, as a gateway in front of the API does (for
    Kinesis PutRecords that is 5 MiB); None (the default) takes any size.
    """

    def __init__(self, port: int = 0, *, max_request_bytes: int | None = None) -> None:
        self.faults = Faults()
        self.max_request_bytes = max_request_bytes
        self._port = port
        self._lock = threading.Lock()
        self._record = _Record()
        self._httpd: _HTTPServer | None = None
        self._serving: threading.Thread | None = None
        self._stopping = threading.Event()
        self._open: dict[socket.socket, threading.Thread] = {}
        self.on_accept: Callable[[AcceptedEvent], None] | None = None
        """Called with each accepted event, on the thread serving its request (the command line prints)."""

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
        """Every request to a known path, in the order the server finished with them (a copy).

        That is arrival order unless ``faults.delay`` held a request back.
        """
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

    def _handle(self, path: str, job_id: str | None, body: bytes) -> Reply | Drop | _SlowReply:
        received_at = time.monotonic()
        with self._lock:
            self._record.requests[path] += 1
        if path not in (SINGLE_PATH, BULK_PATH):
            return error_reply(
                404, "NotFound", f"no such path {path!r}; expected {SINGLE_PATH} or {BULK_PATH}"
            )
        parsed = parse_request(path, job_id, body)
        if isinstance(parsed, Reply):
            self._log(LoggedRequest(path, job_id, 0, parsed.status, received_at))
            return parsed
        reply = self._respond(parsed, self.faults.next_outcome(parsed))
        status = None if isinstance(reply, Drop) else reply.status
        self._log(LoggedRequest(path, job_id, len(parsed.envelopes), status, received_at))
        return reply

    def _too_large(self, path: str, job_id: str | None, size: int, limit: int) -> Reply:
        with self._lock:
            self._record.requests[path] += 1
            self._record.log.append(LoggedRequest(path, job_id, 0, 413, time.monotonic()))
        return json_reply(413, {"message": f"Request Too Long: {size} bytes, more than {limit}"})

    def _respond(self, request: Request, outcome: Outcome | None) -> Reply | Drop | _SlowReply:
        if isinstance(outcome, Trickle):
            return _SlowReply(self._accept(request, {}), outcome.seconds)
        if isinstance(outcome, Delay):
            if self._stopping.wait(outcome.seconds):
                return DROP
            outcome = None
        if outcome is None:
            return self._accept(request, {})
        if isinstance(outcome, Partial):
            return self._accept(request, outcome.failures)
        if isinstance(outcome, Accept):
            self._accept(request, {})
            return outcome.reply
        if isinstance(outcome, Mismatch):
            records = [SUCCESS] * (len(request.envelopes) - 1)
            return json_reply(200, {"failedRecords": 0, "records": records})
        return outcome

    def _accept(self, request: Request, failures: Mapping[int, str]) -> Reply:
        envelopes = request.envelopes
        accepted = [
            AcceptedEvent(envelope, request.job_id, request.path)
            for index, envelope in enumerate(envelopes)
            if index not in failures
        ]
        with self._lock:
            self._record.accepted += accepted
        if self.on_accept is not None:
            for event in accepted:
                self.on_accept(event)
        if not request.bulk:
            return json_reply(200, {"status": SUCCESS})
        records = [failures.get(index, SUCCESS) for index in range(len(envelopes))]
        return json_reply(200, {"failedRecords": len(failures), "records": records})

    def _log(self, request: LoggedRequest) -> None:
        with self._lock:
            self._record.log.append(request)

    def _watch(self, method: str) -> Reply:
        """``GET /events``: what was accepted, as JSON; ``DELETE /events``: forget it (faults stay armed)."""
        with self._lock:
            if method == "DELETE":
                self._record = _Record()
            accepted = list(self._record.accepted)
        body = {"count": len(accepted), "events": [event.as_json() for event in accepted]}
        return Reply(200, json.dumps(body).encode(), "application/json")


@dataclass(frozen=True)
class _SlowReply:
    """A reply the handler sends a byte at a time over ``seconds`` (``faults.trickle``)."""

    reply: Reply
    seconds: float

    @property
    def status(self) -> int:
        return self.reply.status


def _shut(connection: socket.socket) -> None:
    """End a connection at once, waking the thread that serves it."""
    with contextlib.suppress(OSError):  # already closed by the client
        connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    api: EventsAPIServer
    daemon_threads = True
    request_queue_size = 64


class _Handler(socketserver.StreamRequestHandler):
    """A lean HTTP/1.1 keep-alive loop: just what the Events API needs, and fast.

    ``http.server.BaseHTTPRequestHandler`` parses headers with the email
    package, which costs more per request than the client a benchmark measures
    against this server; here a request is a request line, ``Name: value``
    lines and a ``Content-Length`` body.
    """

    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # a reply's head and body leave in one write

    def handle(self) -> None:
        assert isinstance(self.server, _HTTPServer)
        api = self.server.api
        api._opened(self.connection)
        try:
            while self._serve_one(api):
                pass
        except OSError:
            pass  # the client or stop() closed the connection
        finally:
            api._closed(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # a reply the client left before reading stays unsent
            super().finish()

    def _serve_one(self, api: EventsAPIServer) -> bool:
        """Serve one request; whether the connection stays open for another."""
        request_line = self.rfile.readline(_MAX_LINE)
        if not request_line.strip():
            return bool(request_line)  # EOF ends the connection; a stray blank line does not
        headers = self._read_headers()
        method, target, version = [*request_line.decode("latin-1").split(), "", "", ""][:3]
        if headers is None or not version.startswith("HTTP/1."):
            return self._send(error_reply(400, "BadRequest", "malformed HTTP request"), keep_alive=False)
        keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if method in ("GET", "DELETE") and target.partition("?")[0] == SINGLE_PATH:
            length = headers.get("content-length", "")
            self.rfile.read(int(length) if length.isdigit() else 0)  # a body, if any, means nothing here
            return self._send(api._watch(method), keep_alive)
        if method != "POST":
            problem = "only POST is served (and GET or DELETE /events, to watch or forget what was accepted)"
            return self._send(error_reply(405, "MethodNotAllowed", problem), keep_alive)
        length = headers.get("content-length", "")
        if not length.isdigit():
            return self._send(error_reply(411, "LengthRequired", "Content-Length is required"), False)
        body = self.rfile.read(int(length))
        limit = api.max_request_bytes
        if limit is not None and len(body) > limit:
            return self._send(
                api._too_large(target, headers.get(JOB_ID_HEADER), len(body), limit), keep_alive
            )
        reply = api._handle(target, headers.get(JOB_ID_HEADER), body)
        if isinstance(reply, Drop):
            _shut(self.connection)
            return False
        if isinstance(reply, _SlowReply):
            return self._send(reply.reply, keep_alive, spread_over=reply.seconds, stopping=api._stopping)
        return self._send(reply, keep_alive)

    def _read_headers(self) -> dict[str, str] | None:
        """Header names (lower case) and values; None if the block is malformed or too long."""
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            line = self.rfile.readline(_MAX_LINE)
            if line in (b"\r\n", b"\n", b""):
                return headers
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                return None
            headers[name.strip().lower()] = value.strip()
        return None

    def _send(
        self,
        reply: Reply,
        keep_alive: bool,
        spread_over: float = 0.0,
        stopping: threading.Event | None = None,
    ) -> bool:
        head = [
            f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Unknown')}",
            "Server: bc-events-testing",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(reply.body)}",
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        if not keep_alive:
            head.append("Connection: close")
        data = "\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + reply.body
        if spread_over and stopping is not None:
            return self._trickle(data, spread_over, stopping) and keep_alive
        self.wfile.write(data)
        self.wfile.flush()
        return keep_alive

    def _trickle(self, data: bytes, seconds: float, stopping: threading.Event) -> bool:
        """Send ``data`` a byte at a time over ``seconds``; False if the server stopped meanwhile."""
        pause = seconds / len(data)
        for index in range(len(data)):
            if stopping.wait(pause):
                return False
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()
        return True


_MAX_LINE = 65536
_MAX_HEADERS = 100
_REASONS = {status.value: status.phrase for status in HTTPStatus}
