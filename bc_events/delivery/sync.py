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
) -> Report:
    """Perform each step of ``flow`` until it ends; returns its report.

    ``cancelled()`` is asked before each request (True: it is not sent);
    ``accepted(events)`` hears of every acknowledgement as it comes.
    """
    try:
        step = next(flow)
        while True:
            result: Result = None
            if type(step) is Post:
                result = CANCELLED if cancelled() else post(step)
            elif type(step) is Accepted:
                if accepted is not None:
                    accepted(step.events)
            else:
                assert isinstance(step, Sleep)
                retry = step.retry_number
                logger.warning(
                    "event delivery failed (%s); retry %d in %.2fs", step.reason, retry, step.seconds
                )
                sleep(step.seconds)
            step = flow.send(Answer(result, clock()))
    except StopIteration as done:
        report: Report = done.value
        return report
