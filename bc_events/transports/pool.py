"""Pooled keep-alive connections whose every request ends by a deadline, and that a fork does not share.

urllib3's timeouts bound each socket operation, so a server that trickles one
byte at a time can hold a request open for ever.  Here every ``send`` and
every ``recv`` of an attempt gets the time left before the attempt's deadline
as its timeout: the whole attempt, from connecting to the last byte of the
reply, ends by the deadline.  At most ``MAX_REPLY_BYTES`` of a reply body are
read, so a huge error page costs no memory.

A child process must not use the keep-alive sockets its parent opened (both
would read each other's replies): after ``os.fork()`` every live pool forgets
its connections, so the child opens its own.
"""

from __future__ import annotations

import http.client
import io
import math
import os
import socket
import threading
import time
import urllib.parse
import urllib.request
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError
from urllib3.util import parse_url

from bc_events.delivery.messages import AttemptError, RawReply
from bc_events.delivery.replies import printable, retry_after_seconds
from bc_events.transports.failures import error_kind
from bc_events.wire import MAX_REPLY_BYTES


class ConnectionPool:
    """POSTs over pooled keep-alive connections, each attempt bounded by a deadline; fork-safe.

    With ``proxy`` (an ``http://`` or ``https://`` URL, credentials allowed),
    plain-HTTP requests go to the proxy with their absolute URL and HTTPS ones
    through a ``CONNECT`` tunnel (urllib3's ``ProxyManager``).
    """

    def __init__(self, pool_size: int, proxy: str | None = None) -> None:
        self._pool_size = pool_size
        self.proxy = proxy
        self._manager = self._new_manager()
        self._routes: dict[str, tuple[Any, str]] = {}
        _live_pools.add(self)

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], deadline: float
    ) -> RawReply | AttemptError:
        """POST ``body``: the reply, or the ``AttemptError`` the attempt ended with (e.g. a timeout)."""
        try:
            return self._post(url, body, headers, deadline)
        except (HTTPError, OSError, http.client.HTTPException) as error:
            return AttemptError(error_kind(error), printable(f"{type(error).__name__}: {error}", limit=300))

    def _post(self, url: str, body: bytes, headers: Mapping[str, str], deadline: float) -> RawReply:
        budget = deadline - time.monotonic()
        if budget <= 0:
            raise urllib3.exceptions.TimeoutError("no time left for the attempt")
        _attempt.deadline = deadline
        pool, target = self._route(url)
        try:
            response = pool.urlopen(
                "POST",
                target,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=budget, read=budget),
                retries=False,
                redirect=False,
                preload_content=False,
                decode_content=False,  # we ask for no compression: a zip bomb stays unread
            )
            data = response.read(MAX_REPLY_BYTES + 1, decode_content=False)
        finally:
            _attempt.deadline = math.inf
        truncated = len(data) > MAX_REPLY_BYTES
        if truncated:
            response.close()  # the rest stays unread, so the connection cannot be reused
        response.release_conn()
        headers = response.headers
        retry_after = retry_after_seconds(headers.get("Retry-After"), time.time())
        location = headers.get("Location")
        return RawReply(response.status, data[:MAX_REPLY_BYTES], retry_after, truncated, location)

    def _route(self, url: str) -> tuple[Any, str]:
        """Who sends a request to ``url``, and the URL to hand it.

        Without a proxy: the host's connection pool and the path, looked up once
        per URL (a transport posts to two), so no request parses its URL again.
        Through a proxy the manager routes each request (absolute URL or tunnel).
        """
        route = self._routes.get(url)
        if route is None:
            if self.proxy is not None:
                return self._manager, url
            route = self._routes[url] = (
                self._manager.connection_from_url(url),
                parse_url(url).request_uri,
            )
        return route

    def close(self) -> None:
        """Close every pooled connection."""
        self._routes = {}
        self._manager.clear()

    def _forget_connections(self) -> None:
        """In a forked child: drop (never touch) the parent's sockets and locks, start afresh."""
        self._manager = self._new_manager()
        self._routes = {}

    def _new_manager(self) -> urllib3.PoolManager:
        manager: urllib3.PoolManager
        if self.proxy is None:
            manager = urllib3.PoolManager(maxsize=self._pool_size, retries=False)
        else:
            auth = urllib.parse.urlsplit(self.proxy)
            headers = None
            if auth.username is not None:
                credentials = (
                    f"{urllib.parse.unquote(auth.username)}:{urllib.parse.unquote(auth.password or '')}"
                )
                headers = urllib3.make_headers(proxy_basic_auth=credentials)
            manager = urllib3.ProxyManager(
                self.proxy, maxsize=self._pool_size, retries=False, proxy_headers=headers
            )
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager


class _AttemptState(threading.local):
    deadline = math.inf
    """When the attempt running in this thread must end (``time.monotonic()``)."""


_attempt = _AttemptState()
_live_pools: weakref.WeakSet[ConnectionPool] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for pool in list(_live_pools):
        pool._forget_connections()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _time_left() -> float | None:
    if _attempt.deadline == math.inf:  # not inside ConnectionPool.post: no deadline to keep
        return None
    left = _attempt.deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the attempt's time is up")
    return left


class _DeadlineReader(io.RawIOBase):
    """A socket's read side whose every ``recv`` times out at the attempt's deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(_time_left())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _SocketView:
    """What ``http.client.HTTPResponse`` takes from its socket: only ``makefile``."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(_SocketView(sock), *args, **kwargs)  # type: ignore[arg-type]


if TYPE_CHECKING:
    _Connection = HTTPConnection
else:
    _Connection = object


class _DeadlineWrites(_Connection):
    """Every write of an attempt times out at its deadline; a request's head and body leave in one write.

    urllib3 writes the head, then the body: two segments, and two system calls,
    per request.  On a connection already open, the head is held back and sent
    with the body (bytes: what the transport always sends).
    """

    _holding = False
    _head: bytes | None = None

    def request(self, *args: Any, **kwargs: Any) -> None:
        body = kwargs.get("body", args[2] if len(args) > 2 else None)
        self._holding = self.sock is not None and isinstance(body, bytes) and bool(body)
        try:
            super().request(*args, **kwargs)
        except BaseException:
            self._head = None  # urllib3 closes the connection: half a request must not leave later
            raise
        finally:
            self._holding = False
        head, self._head = self._head, None
        if head is not None:  # no body followed after all
            self.send(head)

    def send(self, data: Any) -> None:
        if self._holding:
            self._holding = False
            self._head = bytes(data)
            return
        if self._head is not None:
            data, self._head = self._head + data, None
        if self.sock is not None:
            self.sock.settimeout(_time_left())
        super().send(data)


class _DeadlineHTTPConnection(_DeadlineWrites, HTTPConnection):
    response_class = _DeadlineResponse


class _DeadlineHTTPSConnection(_DeadlineWrites, HTTPSConnection):
    response_class = _DeadlineResponse


# pyright reads urllib3's connection protocols more strictly than urllib3's own classes meet them.
class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection  # pyright: ignore[reportAssignmentType]


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection  # pyright: ignore[reportAssignmentType]
