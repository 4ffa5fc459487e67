"""Fault injection: the rules ``api.faults`` arms and the outcomes they choose for a request."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bc_events.testing.protocol import THROTTLED, Reply, Request, error_reply, json_reply

# What the server does with one request when a rule takes it (see EventsAPIServer._respond):
# a fixed Reply, or one of these.


class Drop:
    """Close the connection without a reply."""


class Delay:
    """Wait ``seconds``, then handle the request normally (unless the server stops meanwhile)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Partial:
    """Accept a bulk request except the records in ``failures`` (index -> error type)."""

    def __init__(self, failures: Mapping[int, str]) -> None:
        self.failures = failures


class Mismatch:
    """Reply to a bulk request with a records list one shorter than sent; accept nothing."""


class Accept:
    """Accept the request's events and answer with ``reply`` (a success shape a test scripts)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class Trickle:
    """Handle the request normally, then send the reply a byte at a time over ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Outcome = Reply | Drop | Delay | Partial | Mismatch | Trickle | Accept
DROP = Drop()


@dataclass
class _Rule:
    respond: Callable[[Request], Outcome | None]
    times: int
    after: int
    bulk_only: bool


RandomKind = Literal[
    "throttle",
    "server_error",
    "too_many_requests",
    "partial",
    "drop",
    "ok_not_json",
    "ok_error_type",
    "mismatch",
    "late",
    "trickle",
    "reject",
    "reject_records",
]
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
    requests ``delay`` and ``trickle`` let through late.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._random: _RandomRejections | None = None

    def throttle(self, times: int = 1, *, after: int = 0) -> None:
        """Reply 400 ``{"errorType": "ProvisionedThroughputExceededException"}``."""
        reply = error_reply(400, THROTTLED, "Rate exceeded")
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
        reply = _reply(status, body)
        if headers:
            reply = Reply(reply.status, reply.body, reply.content_type, tuple(headers.items()))
        self._arm(lambda request: reply, times, after)

    def accept(
        self,
        body: Mapping[str, Any] | list[Any] | str | bytes,
        *,
        status: int = 200,
        times: int = 1,
        after: int = 0,
        bulk_only: bool = False,
    ) -> None:
        """Accept the events, but answer ``status`` with ``body`` instead of the usual reply.

        For the success shapes other servers send, e.g. ``accept({"eventId": "e-1",
        "jobId": "j-1"}, status=201)`` or, with ``bulk_only``, ``accept({"failedRecords": 0})``
        (no ``records`` list).  A mapping or list is sent as JSON, text and bytes as ``text/html``.
        """
        reply = _reply(status, body)
        self._arm(lambda request: Accept(reply), times, after, bulk_only=bulk_only)

    def too_many_requests(self, times: int = 1, *, retry_after: int | str | None = 1, after: int = 0) -> None:
        """Reply 429 with ``Retry-After: retry_after`` (seconds or an HTTP date; None: no header)."""
        headers = () if retry_after is None else (("Retry-After", str(retry_after)),)
        reply = json_reply(429, {"message": "Too Many Requests"}, headers)
        self._arm(lambda request: reply, times, after)

    def reject(
        self, times: int = 1, *, status: int = 400, error_type: str = "ValidationException", after: int = 0
    ) -> None:
        """Reply ``status`` with ``errorType: error_type``: by default a 4xx that is not worth retrying."""
        reply = error_reply(status, error_type, "Rejected by fault injection")
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
            self._arm(lambda request: Partial(codes), times, after, bulk_only=True)
            return
        chosen = records if callable(records) else _by_index(records)

        def respond(request: Request) -> Partial:
            failing = (i for i, envelope in enumerate(request.envelopes) if chosen(i, envelope))
            return Partial(dict.fromkeys(failing, error))

        self._arm(respond, times, after, bulk_only=True)

    def delay(self, seconds: float, *, times: int = 1, after: int = 0) -> None:
        """Wait ``seconds`` before handling the request normally: a slow or, for long waits, hung server.

        The request is accepted after the wait even if the client gave up
        meanwhile, as a real server would.  Stopping the server ends every wait
        at once, and a request whose wait was cut short is not accepted.
        """
        outcome = Delay(seconds)
        self._arm(lambda request: outcome, times, after)

    def trickle(self, seconds: float, *, times: int = 1, after: int = 0) -> None:
        """Handle the request normally, then send the reply a byte at a time over ``seconds``.

        The events are accepted before the first byte leaves, as a real server
        behind a slow link would: a client that gives up meanwhile may send
        them again.  Stopping the server ends the trickle at once.
        """
        outcome = Trickle(seconds)
        self._arm(lambda request: outcome, times, after)

    def drop_connection(self, times: int = 1, *, after: int = 0) -> None:
        """Read the request, then close the connection without replying; nothing is accepted."""
        self._arm(lambda request: DROP, times, after)

    def mismatched_records(self, times: int = 1, *, after: int = 0) -> None:
        """Reply 200 to bulk requests with a ``records`` list one shorter than sent; nothing is accepted."""
        self._arm(lambda request: Mismatch(), times, after, bulk_only=True)

    def random_rejections(
        self,
        seed: int,
        *,
        rate: float = 0.2,
        kinds: Iterable[RandomKind] = _RANDOM_KINDS,
        slow_seconds: float = 0.5,
    ) -> None:
        """Reject about ``rate`` of the requests no rule takes, reproducibly from ``seed``.

        Each rejection is one of ``kinds``.  The default kinds are all
        retryable: ``throttle`` (400), ``server_error`` (500/503, sometimes not
        JSON), ``too_many_requests`` (429 with ``Retry-After: 0``), ``partial``
        (bulk only: some records fail with a retryable code) and ``drop``
        (connection closed, no reply).  On request: ``ok_not_json`` (200 with
        an HTML body, nothing accepted), ``ok_error_type`` (200 with a
        throttling ``errorType``, nothing accepted), ``mismatch`` (bulk only: a
        ``records`` list one short, nothing accepted), ``late`` (accepted after
        ``slow_seconds``), ``trickle`` (accepted, the reply sent over
        ``slow_seconds``), ``reject`` (400 ``ValidationException``: refused
        for good) and ``reject_records`` (bulk only: some records fail with
        ``ValidationException``, the others are accepted).  Which request gets which fault depends on thread
        scheduling.
        """
        with self._lock:
            self._random = _RandomRejections(random.Random(seed), rate, tuple(kinds), slow_seconds)

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
        respond: Callable[[Request], Outcome | None],
        times: int,
        after: int,
        *,
        bulk_only: bool = False,
    ) -> None:
        if times < 1 or after < 0:
            raise ValueError("times must be at least 1 and after at least 0")
        with self._lock:
            self._rules.append(_Rule(respond, times, after, bulk_only))

    def next_outcome(self, request: Request) -> Outcome | None:
        """What the server does with ``request``: the first applicable rule's outcome, or None."""
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


def _reply(status: int, body: Mapping[str, Any] | list[Any] | str | bytes) -> Reply:
    if isinstance(body, (str, bytes)):
        raw = body.encode() if isinstance(body, str) else body
        return Reply(status, raw, content_type="text/html; charset=utf-8")
    return json_reply(status, body if isinstance(body, list) else dict(body))


def _by_index(indexes: Collection[int]) -> Callable[[int, Mapping[str, Any]], bool]:
    wanted = frozenset(indexes)

    def chosen(index: int, envelope: Mapping[str, Any]) -> bool:
        return index in wanted

    return chosen


@dataclass
class _RandomRejections:
    rng: random.Random
    rate: float
    kinds: tuple[RandomKind, ...]
    slow_seconds: float

    def outcome(self, request: Request) -> Outcome | None:
        kinds: list[RandomKind] = [
            kind
            for kind in self.kinds
            if request.bulk or kind not in ("partial", "mismatch", "reject_records")
        ]
        if not kinds or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(kinds)
        fixed = self._fixed(kind)
        if fixed is not None:
            return fixed
        if kind == "throttle":
            return error_reply(400, THROTTLED, "Rate exceeded (random)")
        if kind == "server_error":
            if self.rng.random() < 0.5:
                return Reply(503, b"<html><body>Service Unavailable</body></html>", "text/html")
            return error_reply(500, "InternalFailureException", "Internal failure (random)")
        if kind == "too_many_requests":
            return json_reply(429, {"message": "Too Many Requests"}, (("Retry-After", "0"),))
        count = len(request.envelopes)
        if kind == "reject_records":
            return Partial({self.rng.randrange(count): "ValidationException"})
        failing = [i for i in range(count) if self.rng.random() < 0.5] or [self.rng.randrange(count)]
        return Partial({i: self.rng.choice(_RETRYABLE_RECORD_CODES) for i in failing})

    def _fixed(self, kind: RandomKind) -> Outcome | None:
        """The outcome of the kinds that need no dice beyond the kind itself."""
        outcomes: dict[str, Outcome] = {
            "drop": DROP,
            "ok_not_json": Reply(200, b"<html><body>OK</body></html>", "text/html"),
            "ok_error_type": error_reply(200, THROTTLED, "Rate exceeded (random, with status 200)"),
            "mismatch": Mismatch(),
            "late": Delay(self.slow_seconds),
            "trickle": Trickle(self.slow_seconds),
            "reject": error_reply(400, "ValidationException", "Rejected (random)"),
        }
        return outcomes.get(kind)
