"""The sync driver: runs a delivery flow with blocking I/O, ``time.sleep`` and ``time.monotonic``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bc_events.delivery.flow import Flow, Report
from bc_events.delivery.messages import (
    CANCELLED,
    Accepted,
    Answer,
    AttemptError,
    Post,
    RawReply,
    Result,
    Sleep,
)
from bc_events.delivery.steps import StepBook
from bc_events.event import Event


def run(
    flow: Flow,
    post: Callable[[Post], RawReply | AttemptError],
    *,
    cancelled: Callable[[], bool],
    accepted: Callable[[Sequence[Event]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    counts: dict[str, int] | None = None,
) -> Report:
    """Perform each step of ``flow`` until it ends; returns its report.

    ``cancelled()`` is asked before each request (True: it is not sent);
    ``accepted(events)`` hears of every acknowledgement as it comes.  ``counts``
    (see ``bc_events.delivery.stats``) adds up requests, bytes, retries and outcomes.
    """
    book = StepBook(counts, accepted)
    try:
        step = next(flow)
        while True:
            result: Result = None
            if type(step) is Post:
                result = post(step) if book.may_post(step, cancelled) else CANCELLED
            elif type(step) is Accepted:
                book.acknowledged(step)
            else:
                assert isinstance(step, Sleep)
                book.waiting(step)
                sleep(step.seconds)
            step = flow.send(Answer(result, clock()))
    except StopIteration as done:
        return book.finished(done.value)
