"""The asyncio driver: runs the same delivery flow as ``sync``, awaiting each request and wait.

Cancelling the task that runs it (``asyncio.CancelledError``) stops it at the
``await`` it is in; what the flow reported ``Accepted`` before then has
already been passed to ``accepted``, so a caller keeps exactly the rest.
"""

from __future__ import annotations

import asyncio
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
from bc_events.delivery.steps import StepBook
from bc_events.event import Event


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
    book = StepBook(counts, accepted)
    try:
        step = next(flow)
        while True:
            result: Result = None
            if type(step) is Post:
                result = await post(step) if book.may_post(step, cancelled) else CANCELLED
            elif type(step) is Accepted:
                book.acknowledged(step)
            else:
                assert isinstance(step, Sleep)
                book.waiting(step)
                await sleep(step.seconds)
            step = flow.send(Answer(result, clock()))
    except StopIteration as done:
        return book.finished(done.value)
