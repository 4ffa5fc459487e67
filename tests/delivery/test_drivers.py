"""The sync and asyncio drivers perform the same flow step for step: same requests, waits, reports, counts.

Scripted replies and a fake clock (no sockets): any difference between the
two drivers is a driver deciding something the flow should have.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bc_events.delivery import aio, sync
from bc_events.delivery.flow import Report, deliver
from bc_events.delivery.messages import AttemptError, Post, RawReply, Result
from bc_events.delivery.stats import new_counts
from bc_events.event import Event

from .harness import (
    BAD_CERT,
    POLICY,
    REFUSED,
    THROTTLE_ONCE,
    TIMEOUT,
    Script,
    ids,
    make_events,
    ok,
    raw,
    records,
)


@dataclass
class Run:
    clock: float = 100.0
    posts: list[tuple[float, bool, int]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=new_counts)

    def answer(self, post: Post, script: Script) -> RawReply | AttemptError:
        self.posts.append((self.clock, post.bulk, post.count))
        result = script(post, len(self.posts) - 1)
        assert isinstance(result, RawReply | AttemptError)
        self.clock += 0.01
        return result

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock += seconds

    def acknowledge(self, events: Sequence[Event]) -> None:
        self.accepted += ids(events)


def run_sync(events: list[Event], script: Script) -> tuple[Run, Report]:
    state = Run()
    flow = deliver(events, POLICY, state.clock, draw=lambda: 0.5)
    report = sync.run(
        flow,
        lambda post: state.answer(post, script),
        cancelled=lambda: False,
        accepted=state.acknowledge,
        sleep=state.sleep,
        clock=lambda: state.clock,
        counts=state.counts,
    )
    return state, report


def run_async(events: list[Event], script: Script) -> tuple[Run, Report]:
    state = Run()

    async def post(step: Post) -> RawReply | AttemptError:
        await asyncio.sleep(0)  # a real suspension point, as a socket's would be
        return state.answer(step, script)

    async def sleep(seconds: float) -> None:
        state.sleep(seconds)

    async def main() -> Report:
        flow = deliver(events, POLICY, state.clock, draw=lambda: 0.5)
        return await aio.run(
            flow,
            post,
            cancelled=lambda: False,
            accepted=state.acknowledge,
            sleep=sleep,
            clock=lambda: state.clock,
            counts=state.counts,
        )

    return state, asyncio.run(main())


def fixed(*results: Result) -> Script:
    return lambda post, n: results[min(n, len(results) - 1)]


SCRIPTS: dict[str, Script] = {
    "all-ok": fixed(ok()),
    "throttled-then-partial": THROTTLE_ONCE,
    "timeouts-then-ok": fixed(TIMEOUT, REFUSED, ok()),
    "bad-certificate": fixed(BAD_CERT),
    "rejected-then-ok": fixed(ok(400, {"errorType": "ValidationException"}), ok()),
    "413-then-ok": fixed(raw(413), raw(413), ok()),
    "bulk-one-record-failed": fixed(records("Success", "X"), records("Success")),
    "always-503": fixed(raw(503, "<html>busy</html>")),
}


@pytest.mark.parametrize("count", [1, 4, 30])
@pytest.mark.parametrize("name", SCRIPTS)
def test_both_drivers_do_the_same(name: str, count: int) -> None:
    events = make_events(count)
    script = SCRIPTS[name]
    sync_run, sync_report = run_sync(events, script)
    async_run, async_report = run_async(events, script)
    assert async_run == sync_run
    assert async_report == sync_report
    assert sync_run.posts, "the script sent nothing: the case proves nothing"


def test_a_cancelled_async_run_has_reported_what_was_acknowledged() -> None:
    events = make_events(3)
    acknowledged: list[str] = []

    async def post(step: Post) -> RawReply:
        if acknowledged:  # the second request never ends: the task is cancelled during it
            await asyncio.Event().wait()
        return ok()

    async def main() -> None:
        flow = deliver(events, POLICY, time.monotonic())
        task = asyncio.ensure_future(
            aio.run(flow, post, cancelled=lambda: False, accepted=lambda done: acknowledged.extend(ids(done)))
        )
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert acknowledged == ["e0"]
