"""The flow of one flush as tables: (events, scripted replies, clock) -> (posts, sleeps, outcome)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from bc_events.delivery.flow import CANCELLED_REASON
from bc_events.delivery.messages import CANCELLED, Post, Result

from .harness import (
    BAD_CERT,
    POLICY,
    REFUSED,
    TIMEOUT,
    T,
    check_invariants,
    drive,
    ids,
    make_events,
    ok,
    raw,
    records,
)

THROTTLED = ok(400, {"errorType": "ProvisionedThroughputExceededException"})
REJECTED = ok(400, {"errorType": "ValidationException"})
FORBIDDEN = ok(403, {"errorType": "AccessDeniedException"})
HTML = raw(200, "<html>OK</html>")
TOO_LARGE = raw(413)


def always(result: Result):
    return lambda post, n: result


def success(post: Post, n: int) -> Result:
    return ok() if not post.bulk else records(*["Success"] * post.count)


@pytest.mark.parametrize(
    ("count", "shapes"),
    [
        (1, [("single", 1)]),
        (5, [("single", 1)] * 5),
        (6, [("bulk", 6)]),
        (600, [("bulk", 250), ("bulk", 250), ("bulk", 100)]),
    ],
)
def test_everything_accepted(count: int, shapes: list[tuple[str, int]]) -> None:
    events = make_events(count)
    trace = drive(events, success)
    assert trace.shapes == shapes
    assert trace.accepted == ids(events)
    assert (trace.sleeps, trace.undelivered, trace.rejected, trace.report.reason) == ([], [], [], "")
    check_invariants(events, trace, POLICY)


# --- retries of one request: (results before success) -> sleeps -------------------------------------

RETRIES = [
    ([THROTTLED], [0.1]),
    ([THROTTLED] * 3, [0.1, 0.2, 0.4]),
    ([THROTTLED] * 6, [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]),  # capped at max_backoff
    ([raw(500)], [0.1]),
    ([raw(503, "<html>busy</html>")], [0.1]),
    ([raw(429, retry_after=3.0)], [3.0]),  # Retry-After is a lower bound
    ([raw(429, retry_after=0.0)], [0.1]),
    ([TIMEOUT, REFUSED], [0.1, 0.2]),
    ([ok(200, {"errorType": "InternalFailureException"})], [0.1]),
    ([ok(200, {"failedRecords": 1})], [0.1]),
]


@pytest.mark.parametrize(("failures", "sleeps"), RETRIES)
@pytest.mark.parametrize("count", [1, 20])
def test_retried_until_accepted(failures: list[Result], sleeps: list[float], count: int) -> None:
    events = make_events(count)
    trace = drive(events, lambda post, n: failures[n] if n < len(failures) else success(post, n))
    assert trace.sleeps == pytest.approx(sleeps)
    assert len(trace.posts) == len(failures) + 1 + (count - 1 if count <= 5 else 0)
    assert trace.accepted == ids(events)
    check_invariants(events, trace, POLICY)


def test_only_the_failed_records_are_sent_again() -> None:
    events = make_events(10)
    script = [
        records(*["Success", T, "Success", "ValidationException", T, *["Success"] * 5]),
        records(T, "Success"),
        records("Success"),
    ]
    trace = drive(events, script)
    assert [posted for _, _, posted in trace.posts] == [ids(events), ["e1", "e4"], ["e1"]]
    assert trace.rejected == ["e3"]
    assert sorted(trace.accepted) == sorted(set(ids(events)) - {"e3"})
    check_invariants(events, trace, POLICY)


# --- a rejection concerns only its own events ----------------------------------------------------------


@pytest.mark.parametrize("where", [0, 1, 2], ids=["first", "middle", "last"])
@pytest.mark.parametrize(
    ("count", "per_batch", "rejection"),
    [
        (3, 1, REJECTED),
        (600, 250, REJECTED),
        (600, 250, ok(200, {"errorType": "ValidationException"})),
        (600, 250, ok(422, {"errorType": "ValidationException"})),
    ],
)
def test_a_rejected_batch_does_not_stop_the_others(
    count: int, per_batch: int, rejection: Result, where: int
) -> None:
    events = make_events(count)
    trace = drive(events, lambda post, n: rejection if n == where else success(post, n))
    chunk = ids(events)[where * per_batch : (where + 1) * per_batch]
    assert trace.rejected == chunk
    assert trace.undelivered == []
    assert len(trace.posts) == 3
    assert "ValidationException" in trace.report.reason
    check_invariants(events, trace, POLICY)


@pytest.mark.parametrize("where", [0, 1, 2], ids=["first", "middle", "last"])
@pytest.mark.parametrize(
    "failure",
    [FORBIDDEN, HTML, BAD_CERT, raw(301, location="https://x/"), raw(404), records("Success", "Success")],
)
def test_a_failure_that_concerns_every_request_stops_the_flush(failure: Result, where: int) -> None:
    events = make_events(3)
    trace = drive(events, lambda post, n: failure if n == where else success(post, n))
    assert trace.accepted == ids(events)[:where]
    assert trace.undelivered == ids(events)[where:]
    assert len(trace.posts) == where + 1
    check_invariants(events, trace, POLICY)


# --- 413: split in halves, down to one event ---------------------------------------------------------


@pytest.mark.parametrize("largest", [0, 1, 2, 3, 5, 7, 31, 100, 125, 249, 250])
@pytest.mark.parametrize("count", [6, 7, 250, 300])
def test_413_splits_down_to_what_the_server_takes(count: int, largest: int) -> None:
    events = make_events(count)
    trace = drive(events, lambda post, n: TOO_LARGE if post.count > largest else success(post, n), cost=0.001)
    accepted_posts = [post.count for _, post, _ in trace.posts if post.count <= largest]
    assert all(size <= largest for size in accepted_posts)
    if largest == 0:
        assert trace.rejected == ids(events)  # even one event is too large: refused for good
        assert "413" in trace.report.reason
    else:
        assert sorted(trace.accepted) == sorted(ids(events))
        assert trace.accepted == ids(events)  # halves go in order
    assert trace.sleeps == []
    check_invariants(events, trace, POLICY)


def test_an_event_larger_than_max_request_bytes_is_rejected_unsent() -> None:
    events = (
        make_events(3, pad=10) + make_events(1, pad=3000, prefix="big") + make_events(3, pad=10, prefix="z")
    )
    trace = drive(events, success, max_request_bytes=2000)
    assert trace.rejected == ["big0"]
    assert "big0" not in [i for _, _, posted in trace.posts for i in posted]
    assert "exceeds max_request_bytes" in trace.report.reason
    check_invariants(events, trace, POLICY)


# --- the deadline at each step -------------------------------------------------------------------------


@pytest.mark.parametrize("step", range(8))
@pytest.mark.parametrize("failing", [False, True], ids=["accepted", "throttled"])
def test_the_deadline_at_each_step(step: int, failing: bool) -> None:
    """Each request takes 1 s; total_time ends just after request ``step`` could start."""
    policy = dataclasses.replace(POLICY, total_time=step + 0.5, attempt_timeout=1.0, initial_backoff=0.0)
    events = [event for job in range(8) for event in make_events(1, f"job-{job}", prefix=f"j{job}-")]
    trace = drive(events, always(THROTTLED) if failing else success, policy=policy, cost=1.0)
    assert len(trace.posts) <= step + 1
    for started, post, _ in trace.posts:
        assert post.ends <= 100.0 + policy.total_time
        assert post.ends - started <= 1.0
    if not failing:
        assert trace.accepted == ids(events)[: len(trace.posts)]
        assert trace.undelivered == ids(events)[len(trace.posts) :]
    else:
        assert trace.accepted == []
        assert trace.undelivered == ids(events)
    assert trace.end <= 100.0 + policy.total_time
    check_invariants(events, trace, policy)


@pytest.mark.parametrize("total_time", [0.04, 0.1, 0.5, 1.0, 2.5, 4.0, 9.99])
@pytest.mark.parametrize("cost", [0.001, 0.3, 2.0])
def test_the_deadline_bounds_any_mix_of_failures(total_time: float, cost: float) -> None:
    policy = dataclasses.replace(POLICY, total_time=total_time)
    results = [THROTTLED, TIMEOUT, raw(429, retry_after=0.2), records(T, "Success"), raw(500)]
    events = make_events(3) + make_events(20, "job-2", prefix="b")
    trace = drive(events, lambda post, n: results[n % len(results)], policy=policy, cost=cost)
    check_invariants(events, trace, policy)


@pytest.mark.parametrize("left", [0.06, 0.3, 1.0, 2.5, 4.0, 20.0])
@pytest.mark.parametrize("failing", [False, True], ids=["accepted", "throttled"])
def test_a_caller_s_deadline_before_total_time_caps_every_attempt(left: float, failing: bool) -> None:
    """Each request takes 1 s; the caller's deadline is ``left`` seconds from the start."""
    policy = dataclasses.replace(POLICY, total_time=10.0, attempt_timeout=3.0, initial_backoff=0.0)
    events = [event for job in range(8) for event in make_events(1, f"job-{job}", prefix=f"j{job}-")]
    trace = drive(
        events, always(THROTTLED) if failing else success, policy=policy, cost=1.0, deadline=100.0 + left
    )
    bound = 100.0 + min(left, policy.total_time)
    assert all(post.ends <= bound for _, post, _ in trace.posts)
    assert trace.end <= bound
    if not failing:
        assert len(trace.accepted) == min(8, math.ceil(left))
        assert (
            trace.undelivered == []
            or trace.report.reason == "the send's deadline was up before these were sent"
        )
    check_invariants(events, trace, policy)


def test_a_retry_after_longer_than_the_time_left_gives_up_without_waiting() -> None:
    events = make_events(2)
    trace = drive(events, always(raw(429, retry_after=60.0)))
    assert (len(trace.posts), trace.sleeps, trace.undelivered) == (1, [], ["e0", "e1"])
    assert trace.report.reason.startswith("HTTP 429")


# --- cancellation and interruption at each step -----------------------------------------------------------


@pytest.mark.parametrize("at", range(6))
def test_cancelled_before_each_request(at: int) -> None:
    events = make_events(3) + make_events(12, "job-2", prefix="b")  # 3 singles, one bulk
    failures = {1: THROTTLED, 3: records(*["Success"] * 6, *[T] * 6)}

    def script(post: Post, n: int) -> Result:
        if n == at:
            return CANCELLED
        return failures.get(n) or success(post, n)

    trace = drive(events, script)
    assert len(trace.posts) == at + 1
    assert trace.report.reason == CANCELLED_REASON
    assert trace.undelivered == [i for i in ids(events) if i not in trace.accepted]
    check_invariants(events, trace, POLICY)


@pytest.mark.parametrize("steps", range(12))
def test_stopping_at_each_step_leaves_only_acknowledged_events_acknowledged(steps: int) -> None:
    events = make_events(3) + make_events(12, "job-2", prefix="b")
    failures = {1: THROTTLED, 3: records(*["Success"] * 6, *[T] * 6)}
    trace = drive(events, lambda post, n: failures.get(n) or success(post, n), stop_after=steps)
    posted_and_answered = [i for _, _, posted in trace.posts for i in posted]
    assert set(trace.accepted) <= set(posted_and_answered)
    assert len(trace.accepted) == len(set(trace.accepted))
