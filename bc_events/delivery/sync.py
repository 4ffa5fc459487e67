"""The sync driver: runs a delivery flow with blocking I/O, ``time.sleep`` and ``time.monotonic``."""

from __future__ import annotations

import logging
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
from bc_events.delivery.stats import new_counts
from bc_events.event import Event

logger = logging.getLogger("bc.events")


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
    tally = counts if counts is not None else new_counts()
    try:
        step = next(flow)
        while True:
            result: Result = None
            if type(step) is Post:
                if cancelled():
                    result = CANCELLED
                else:
                    tally["requests"] += 1
                    tally["bytes"] += len(step.body)
                    result = post(step)
            elif type(step) is Accepted:
                tally["delivered"] += len(step.events)
                if accepted is not None:
                    accepted(step.events)
            else:
                assert isinstance(step, Sleep)
                retry = step.retry_number
                logger.warning(
                    "event delivery failed (%s); retry %d in %.2fs", step.reason, retry, step.seconds
                )
                tally["retried"] += 1
                sleep(step.seconds)
            step = flow.send(Answer(result, clock()))
    except StopIteration as done:
        report: Report = done.value
    tally["rejected"] += len(report.rejected)
    tally["undelivered"] += len(report.undelivered)
    return report
