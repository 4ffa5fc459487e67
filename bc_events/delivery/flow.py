"""The flow of one flush, as a generator: it says what to send and how long to wait, and hears what happened.

    flow = deliver(events, policy, now=clock())
    step = next(flow)             # Post, Sleep or Accepted
    step = flow.send(Answer(result, clock()))
    ...                           # until StopIteration carries the Report

No sockets, no sleeping, no threads: a driver (``bc_events.delivery.sync``)
performs each step, and a test can drive the whole flow with a table of
scripted replies and a fake clock.  The rules it keeps:

- the flush ends within ``policy.total_time``: no request or wait starts that
  would end after the deadline;
- a batch is retried (only its failed records, for bulk) until it is accepted,
  rejected, or the time is up;
- a rejection concerns only its own events: the flush goes on with the next
  batch; a 413 splits the batch in halves, down to one event;
- a failure that concerns every request (configuration, a reply that does not
  fit, a wait that does not fit in the time left, cancellation) stops the
  flush: that batch and every later one stay undelivered;
- what the API acknowledged is reported (``Accepted``) as soon as it is known.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field

from bc_events.delivery.messages import CANCELLED, Accepted, Answer, AttemptError, Post, RawReply, Sleep, Step
from bc_events.delivery.plan import Batch, plan, request_size
from bc_events.delivery.replies import Outcome, read_reply
from bc_events.delivery.retry import RetryPolicy
from bc_events.event import Event
from bc_events.wire import MAX_REQUEST_BYTES

CANCELLED_REASON = "the send was cancelled (the session was rolled back) before these events were sent"

Flow = Generator[Step, Answer, "Report"]


@dataclass(frozen=True, slots=True)
class Report:
    """How a flush ended: the events not accepted, each in the order they were given."""

    undelivered: tuple[Event, ...] = ()
    """Not accepted yet (time up, a failure that concerns every request, cancellation): keep them queued."""
    rejected: tuple[Event, ...] = ()
    """Refused for good by the API: retrying will not help."""
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """Every distinct reason, in the order they arose."""
        return "; ".join(self.reasons)


@dataclass
class _Tally:
    undelivered: set[int] = field(default_factory=set)
    rejected: set[int] = field(default_factory=set)
    reasons: dict[str, None] = field(default_factory=dict)
    stopped: bool = False

    def stop(self, events: Sequence[Event], reason: str) -> None:
        self.undelivered.update(map(id, events))
        if not self.stopped:
            self.reasons[reason] = None
        self.stopped = True

    def reject(self, events: Sequence[Event], reason: str) -> None:
        if not events:
            return
        self.rejected.update(map(id, events))
        self.reasons[reason] = None

    def report(self, events: Sequence[Event]) -> Report:
        return Report(_among(events, self.undelivered), _among(events, self.rejected), tuple(self.reasons))


def _among(events: Sequence[Event], ids: set[int]) -> tuple[Event, ...]:
    """The events whose ids are in ``ids``, in their order (no pass over ``events`` when none is)."""
    return tuple(event for event in events if id(event) in ids) if ids else ()


def deliver(
    events: Sequence[Event],
    policy: RetryPolicy,
    now: float,
    *,
    max_request_bytes: int = MAX_REQUEST_BYTES,
    draw: Callable[[], float] = random.random,
    deadline: float | None = None,
) -> Flow:
    """Deliver ``events`` within ``policy.total_time`` from ``now``; returns the ``Report``.

    ``deadline`` (on the same clock as ``now``) ends the flush earlier when it
    comes first: the caller's own bound, such as a time counted from a commit.
    ``draw()`` gives the random numbers in [0, 1) that set the retries' jitter.
    """
    time_up = f"total_time ({policy.total_time:g}s) was up before these were sent"
    if deadline is not None and deadline < now + policy.total_time:
        time_up = "the send's deadline was up before these were sent"
    else:
        deadline = now + policy.total_time
    batches = deque(plan(events, max_request_bytes))
    tally = _Tally()
    context = _Context(policy, deadline, max_request_bytes, draw, tally, batches, time_up)
    while batches:
        batch = batches.popleft()
        if tally.stopped:
            tally.undelivered.update(map(id, batch.events))
            continue
        now = yield from _deliver_batch(batch, now, context)
    return tally.report(events)


@dataclass(frozen=True, slots=True)
class _Context:
    policy: RetryPolicy
    deadline: float
    max_request_bytes: int
    draw: Callable[[], float]
    tally: _Tally
    batches: deque[Batch]
    time_up: str


def _deliver_batch(batch: Batch, now: float, context: _Context) -> Generator[Step, Answer, float]:
    """Send one batch and its retries; returns the clock when it is done with."""
    policy, tally = context.policy, context.tally
    for retry_number in range(1, 1 << 30):
        if len(batch.events) == 1 and request_size(batch.events[0].body) > context.max_request_bytes:
            size = request_size(batch.events[0].body)
            tally.reject(batch.events, f"an event of {size:,} bytes exceeds max_request_bytes")
            return now
        ends = policy.attempt_ends(now, context.deadline)
        if ends is None:
            tally.stop(batch.events, context.time_up)
            return now
        post = Post(batch.body(), batch.events[0].job_id, batch.bulk, len(batch.events), ends)
        answer = yield post
        now = answer.now
        if answer.result is CANCELLED:
            tally.stop(batch.events, CANCELLED_REASON)
            return now
        outcome = _outcome(answer.result, post.count, policy)
        accepted = _accepted(batch.events, outcome)
        if accepted:
            now = (yield Accepted(accepted)).now
        tally.reject([batch.events[index] for index in outcome.rejected], outcome.reason)
        if outcome.split:
            context.batches.extendleft(reversed(batch.halves()))
            return now
        if outcome.undelivered:
            left = (*outcome.undelivered, *outcome.retry)
            tally.stop([batch.events[index] for index in left], outcome.reason)
            return now
        if not outcome.retry:
            return now
        batch = Batch(tuple(batch.events[index] for index in outcome.retry), batch.bulk)
        wait = policy.wait_before_retry(retry_number, outcome.retry_after, context.draw())
        if policy.attempt_ends(now + wait, context.deadline) is None:
            tally.stop(batch.events, outcome.reason)
            return now
        now = (yield Sleep(wait, outcome.reason, retry_number)).now
    raise AssertionError("unreachable: the deadline ends every batch")


def _outcome(result: object, sent: int, policy: RetryPolicy) -> Outcome:
    if isinstance(result, RawReply):
        return read_reply(result, sent, policy)
    if isinstance(result, AttemptError):
        fate = "retry" if policy.is_retryable_error(result.kind) else ""
        return Outcome.whole(sent, result.message, fate)
    raise TypeError(f"a Post is answered with a RawReply, an AttemptError or CANCELLED, got {result!r}")


def _accepted(events: tuple[Event, ...], outcome: Outcome) -> tuple[Event, ...]:
    if not (outcome.retry or outcome.rejected or outcome.undelivered):
        return events
    failed = {*outcome.retry, *outcome.rejected, *outcome.undelivered}
    return tuple(event for index, event in enumerate(events) if index not in failed)
