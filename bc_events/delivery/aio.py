"""The asyncio driver: runs the same delivery flow as ``sync``, awaiting each request and wait.

Cancelling the task that runs it (``asyncio.CancelledError``) stops it at the
``await`` it is in; what the flow reported ``Accepted`` before then has
already been passed to ``accepted``, so a caller keeps exactly the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

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


async def run(
    flow: Flow,
    post: Callable[[Post], Awaitable[RawReply | AttemptError]],
    *,
    cancelled: Callable[[], bool],
    accepted: Callable[[Sequence[Event]], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    counts: dict[str, int] | None = None,
) -> Report:
    """Perform each step of ``flow`` until it ends; returns its report (see ``sync.run``)."""
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
                    result = await post(step)
            elif type(step) is Accepted:
                tally["delivered"] += len(step.events)
                if accepted is not None:
                    accepted(step.events)
            else:
                assert isinstance(step, Sleep)
                logger.warning(
                    "event delivery failed (%s); retry %d in %.2fs",
                    step.reason,
                    step.retry_number,
                    step.seconds,
                )
                tally["retried"] += 1
                await sleep(step.seconds)
            step = flow.send(Answer(result, clock()))
    except StopIteration as done:
        report: Report = done.value
    tally["rejected"] += len(report.rejected)
    tally["undelivered"] += len(report.undelivered)
    return report
