"""Any mix of replies, failures and clock costs: the flow's promises hold (hypothesis)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

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

FIXED: list[Result] = [
    ok(),
    ok(201, {"eventId": "e-1"}),
    ok(200, {"failedRecords": 0}),
    ok(400, {"errorType": T}),
    ok(400, {"errorType": "ValidationException"}),
    ok(403, {"errorType": "AccessDeniedException"}),
    ok(200, {"failedRecords": 2}),
    raw(200, "<html>OK</html>"),
    raw(413),
    raw(429, retry_after=0.3),
    raw(500),
    raw(301, location="https://elsewhere/"),
    TIMEOUT,
    REFUSED,
    BAD_CERT,
    CANCELLED,
]


def per_record(post: Post, codes: list[str]) -> Result:
    """A bulk reply whose records cycle through ``codes``."""
    return records(*[codes[index % len(codes)] for index in range(post.count)])


RECORD_CODES = st.lists(
    st.sampled_from(["Success", "Success", T, "InternalFailure", "ValidationException"]),
    min_size=1,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(
    choices=st.lists(st.one_of(st.sampled_from(FIXED), RECORD_CODES), min_size=1, max_size=12),
    jobs=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=4),
    total_time=st.floats(min_value=0.01, max_value=20.0),
    cost=st.floats(min_value=0.0, max_value=3.0),
)
def test_promises_hold_whatever_happens(
    choices: list[Result | list[str]], jobs: list[int], total_time: float, cost: float
) -> None:
    events = [
        event
        for job, count in enumerate(jobs)
        for event in make_events(count, f"job-{job}", prefix=f"j{job}-")
    ]
    policy = dataclasses.replace(POLICY, total_time=total_time)

    def script(post: Post, n: int) -> Result:
        choice = choices[n % len(choices)]
        return per_record(post, choice) if isinstance(choice, list) else choice

    trace = drive(events, script, policy=policy, cost=cost)
    check_invariants(events, trace, policy)
    assert all(post.count <= 250 for _, post, _ in trace.posts)
    if trace.report.reasons == ():
        assert sorted(trace.accepted) == sorted(ids(events))  # retried records come later
