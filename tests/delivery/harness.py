"""Driving the sans-IO delivery flow with scripted replies and a fake clock: no sockets, no sleeping."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bc_events.delivery.flow import Report, deliver
from bc_events.delivery.messages import (
    CANCELLED,
    Accepted,
    Answer,
    AttemptError,
    ErrorKind,
    Post,
    RawReply,
    Result,
    Sleep,
)
from bc_events.delivery.retry import RetryPolicy
from bc_events.event import Event

POLICY = RetryPolicy(total_time=10.0, attempt_timeout=2.0, initial_backoff=0.1, max_backoff=1.0, jitter=0.0)
"""No jitter: every wait is exact, so a table can state it."""
COST = 0.01
"""Seconds each request takes on the fake clock."""


def make_events(count: int, job_id: str = "job-1", pad: int = 0, prefix: str = "e") -> list[Event]:
    """``count`` events with ids ``prefix0``...; ``pad`` bytes of filler make them bigger."""
    return [
        Event.create(
            category="testing",
            entity="Test",
            action="Created",
            data={"id": f"{prefix}{i}", **({"pad": "x" * pad} if pad else {})},
            actor_id="u",
            actor_type="user",
            job_id=job_id,
        )
        for i in range(count)
    ]


def ok(status: int = 200, body: object = None) -> RawReply:
    """A reply whose body is ``body`` as JSON (``{"status": "Success"}`` unless given)."""
    document = {"status": "Success"} if body is None else body
    return RawReply(status, json.dumps(document).encode())


def raw(status: int, body: bytes | str = b"", **headers: object) -> RawReply:
    data = body.encode() if isinstance(body, str) else body
    return RawReply(status, data, **headers)  # type: ignore[arg-type]


def records(*codes: str) -> RawReply:
    """A bulk reply listing ``codes`` (``"Success"`` or an error code) with their failedRecords count."""
    failed = sum(code != "Success" for code in codes)
    return ok(200, {"failedRecords": failed, "records": list(codes)})


T = "ProvisionedThroughputExceededException"
TIMEOUT = AttemptError(ErrorKind.TIMEOUT, "ReadTimeoutError: timed out")
REFUSED = AttemptError(ErrorKind.CONNECT, "NewConnectionError: refused")
BAD_CERT = AttemptError(ErrorKind.TLS_CONFIGURATION, "SSLError: certificate verify failed")


def THROTTLE_ONCE(post: Post, n: int) -> RawReply:
    """Every other request is throttled; bulk replies fail their last record once."""
    if n % 3 == 1:
        return ok(400, {"errorType": T})
    if post.bulk and n % 3 == 2:
        return records(*["Success"] * (post.count - 1), T)
    return ok() if not post.bulk else records(*["Success"] * post.count)


Script = Callable[[Post, int], Result]
"""The result of the n-th post (0-based)."""


@dataclass
class Trace:
    """What a flow did: its posts (with the clock when each started), sleeps, acknowledgements, report."""

    posts: list[tuple[float, Post, list[str]]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    end: float = 0.0
    resent: list[str] = field(default_factory=list)
    """Ids posted again after they were acknowledged (must stay empty)."""

    @property
    def shapes(self) -> list[tuple[str, int]]:
        return [("bulk" if post.bulk else "single", post.count) for _, post, _ in self.posts]

    @property
    def undelivered(self) -> list[str]:
        return ids(self.report.undelivered)

    @property
    def rejected(self) -> list[str]:
        return ids(self.report.rejected)


def ids(events: Sequence[Event]) -> list[str]:
    return [event.data["id"] for event in events]


def body_ids(post: Post) -> list[str]:
    document = json.loads(post.body)
    return [item["data"]["id"] for item in (document if post.bulk else [document])]


def drive(
    events: Sequence[Event],
    script: Script | Sequence[Result],
    *,
    policy: RetryPolicy = POLICY,
    max_request_bytes: int = 5 * 1024 * 1024,
    cost: float | Callable[[int], float] = COST,
    start: float = 100.0,
    stop_after: int | None = None,
    deadline: float | None = None,
) -> Trace:
    """Run the flow to its end (or for ``stop_after`` steps), answering posts from ``script``."""
    answer_of: Script = script if callable(script) else (lambda post, n: script[n])  # type: ignore[assignment,index]
    trace = Trace()
    now = start
    flow = deliver(
        events, policy, now, max_request_bytes=max_request_bytes, draw=lambda: 0.5, deadline=deadline
    )
    step = next(flow)
    for number in range(100_000):
        if stop_after is not None and number >= stop_after:
            flow.close()
            trace.end = now
            return trace
        result: Result = None
        if isinstance(step, Post):
            posted = body_ids(step)
            trace.resent += [i for i in posted if i in set(trace.accepted)]
            trace.posts.append((now, step, posted))
            result = answer_of(step, len(trace.posts) - 1)
            if result is not CANCELLED:  # an attempt ends by its deadline, as the driver's pool makes it
                now = min(now + (cost(len(trace.posts) - 1) if callable(cost) else cost), step.ends)
        elif isinstance(step, Sleep):
            trace.sleeps.append(step.seconds)
            now += step.seconds
        else:
            assert isinstance(step, Accepted)
            trace.accepted += ids(step.events)
        try:
            step = flow.send(Answer(result, now))
        except StopIteration as done:
            trace.report = done.value
            trace.end = now
            return trace
    raise AssertionError("the flow did not end")


def check_invariants(
    events: Sequence[Event], trace: Trace, policy: RetryPolicy, start: float = 100.0
) -> None:
    """What must hold whatever the server did: conservation, the time bound, the request caps."""
    every = ids(events)
    accepted, rejected, undelivered = trace.accepted, trace.rejected, trace.undelivered
    assert len(accepted) == len(set(accepted)), "an event was acknowledged twice"
    assert sorted(accepted + rejected + undelivered) == sorted(every), "an event was lost or counted twice"
    assert rejected == [i for i in every if i in set(rejected)], "rejected events out of order"
    assert undelivered == [i for i in every if i in set(undelivered)], "undelivered events out of order"
    assert trace.resent == [], "an acknowledged event was sent again"
    deadline = start + policy.total_time
    for started, post, _ in trace.posts:
        assert started <= deadline, "a request started after the deadline"
        assert post.ends <= deadline, "a request was allowed to run past the deadline"
        assert post.ends - started <= policy.attempt_timeout + 1e-9
    assert trace.end <= deadline + 1e-9
