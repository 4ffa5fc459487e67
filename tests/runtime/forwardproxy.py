"""A small threaded forward proxy on 127.0.0.1: absolute-URI HTTP requests and CONNECT tunnels.

It records each request line it received (``POST http://host:port/path`` or
``CONNECT host:port``) and the ``Proxy-Authorization`` headers, so a test can
tell whether the client went through it.  Plain requests are relayed one at a
time over a kept-alive upstream connection; a tunnel relays bytes both ways
until either side closes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit

from .rawserver import RawServer


class ForwardProxy:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.authorizations: list[str] = []
        self._lock = threading.Lock()
        self._server = RawServer(self._handle)

    @property
    def url(self) -> str:
        return self._server.url

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> ForwardProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _handle(self, client: socket.socket, stopping: threading.Event) -> None:
        reader = client.makefile("rb")
        upstream: socket.socket | None = None
        upstream_reader = None
        try:
            while not stopping.is_set():
                head = _read_head(reader)
                if head is None:
                    return
                request_line, headers = head
                method, target, version = request_line.split(" ", 2)
                with self._lock:
                    self.lines.append(f"{method} {target}")
                    if "proxy-authorization" in headers:
                        self.authorizations.append(headers["proxy-authorization"])
                if method == "CONNECT":
                    host, port = target.rsplit(":", 1)
                    tunnel = socket.create_connection((host, int(port)), timeout=10)
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    _relay(client, reader, tunnel)
                    return
                parts = urlsplit(target)
                if upstream is None:
                    upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
                    upstream_reader = upstream.makefile("rb")
                body = reader.read(int(headers.get("content-length", "0")))
                forwarded = [f"{method} {parts.path or '/'} {version}"]
                forwarded += [
                    f"{name}: {value}" for name, value in headers.items() if not name.startswith("proxy-")
                ]
                upstream.sendall("\r\n".join(forwarded).encode("latin-1") + b"\r\n\r\n" + body)
                assert upstream_reader is not None
                reply = _read_head(upstream_reader)
                if reply is None:
                    return
                status_line, reply_headers = reply
                reply_body = upstream_reader.read(int(reply_headers.get("content-length", "0")))
                lines = [status_line, *(f"{name}: {value}" for name, value in reply_headers.items())]
                client.sendall("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + reply_body)
        finally:
            if upstream is not None:
                upstream.close()


def _read_head(reader: object) -> tuple[str, dict[str, str]] | None:
    first = reader.readline()  # type: ignore[attr-defined]
    if not first.strip():
        return None
    headers: dict[str, str] = {}
    while True:
        line = reader.readline()  # type: ignore[attr-defined]
        if line in (b"\r\n", b"\n", b""):
            return first.decode("latin-1").strip(), headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()


def _relay(client: socket.socket, client_reader: object, upstream: socket.socket) -> None:
    """Copy bytes both ways until one side closes.

    The client sends nothing after CONNECT until it has the 200, so nothing
    of the tunnel's bytes is left in ``client_reader``'s buffer.
    """

    def pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join(timeout=10)
    upstream.close()
