"""Interruption at each step: exactly the events the API did not acknowledge stay with the session.

The real sync driver runs the flow over scripted replies and a fake clock; an
interruption (KeyboardInterrupt, SystemExit, an exception in a hook) is raised
from the request, the wait or the acknowledgement hook at every step in turn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import pytest

from bc_events.delivery import sync
from bc_events.delivery.flow import deliver
from bc_events.delivery.messages import AttemptError, Post, RawReply
from bc_events.delivery.progress import Progress, reports_acceptance
from bc_events.event import Event

from .harness import POLICY, THROTTLE_ONCE, body_ids, ids, make_events

POLICY_WITH_WAITS = dataclasses.replace(POLICY, initial_backoff=0.5)


class Interrupted(BaseException):
    pass


class ScriptedTransport:
    """Runs the real flow and sync driver; ``interrupt(kind, number)`` says where to raise."""

    def __init__(self, interrupt: Callable[[str, int], bool], error: type[BaseException]) -> None:
        self.interrupt = interrupt
        self.error = error
        self.counts = {"post": 0, "sleep": 0, "accepted": 0}
        self.clock = 0.0
        self.answered: list[str] = []

    def _step(self, kind: str) -> None:
        number = self.counts[kind]
        self.counts[kind] += 1
        if self.interrupt(kind, number):
            raise self.error(f"interrupted at {kind} {number}")

    def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Callable[[], bool] = lambda: False,
        accepted: Callable[[Sequence[Event]], None] | None = None,
    ) -> None:
        def post(step: Post) -> RawReply | AttemptError:
            self._step("post")
            self.clock += 0.01
            self.answered += body_ids(step)
            return THROTTLE_ONCE(step, self.counts["post"] - 1)

        def on_accepted(events: Sequence[Event]) -> None:
            self._step("accepted")
            assert accepted is not None
            accepted(events)

        def sleep(seconds: float) -> None:
            self._step("sleep")
            self.clock += seconds

        flow = deliver(events, POLICY_WITH_WAITS, self.clock, draw=lambda: 0.0)
        sync.run(flow, post, cancelled=cancelled, accepted=on_accepted, sleep=sleep, clock=lambda: self.clock)


def the_events() -> list[Event]:
    return make_events(3) + make_events(30, "job-2", prefix="b") + make_events(2, "job-3", prefix="c")


def full_run() -> list[tuple[str, int]]:
    """Every step a complete send takes, in order."""
    steps: list[tuple[str, int]] = []

    def record(kind: str, number: int) -> bool:
        steps.append((kind, number))
        return False

    ScriptedTransport(record, Interrupted).send(the_events(), accepted=lambda events: None)
    return steps


STEPS = full_run()


def test_the_scripted_send_has_every_kind_of_step() -> None:
    kinds = [kind for kind, _ in STEPS]
    assert {"post", "sleep", "accepted"} <= set(kinds)
    assert len(STEPS) > 12


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, RuntimeError, Interrupted])
@pytest.mark.parametrize("at", range(len(STEPS)))
def test_interrupted_at_each_step(at: int, error: type[BaseException]) -> None:
    events = the_events()
    kind, number = STEPS[at]
    transport = ScriptedTransport(lambda k, n: (k, n) == (kind, number), error)
    progress = Progress(events)
    acknowledged: list[str] = []
    original = progress.accepted

    def spy(batch: Sequence[Event]) -> None:
        acknowledged.extend(ids(batch))
        original(batch)

    progress.accepted = spy  # type: ignore[method-assign]
    with pytest.raises(error):
        progress.send(transport, cancelled=lambda: False)
    left = ids(progress.unacknowledged())
    assert left == [i for i in ids(events) if i not in set(acknowledged)]
    assert set(acknowledged) <= set(transport.answered), "acknowledged only after a reply"
    if kind == "accepted":  # the acknowledgement that was interrupted is not recorded: kept (may repeat)
        assert set(left) & set(transport.answered)


def test_a_transport_without_the_accepted_keyword_gets_none_and_the_whole_batch_is_kept() -> None:
    class Plain:
        def __init__(self) -> None:
            self.calls: list[dict[str, object]] = []

        def send(self, events: Sequence[Event], *, cancelled: Callable[[], bool] = lambda: False) -> None:
            self.calls.append({"cancelled": cancelled})
            raise KeyboardInterrupt

    events = make_events(4)
    plain = Plain()
    progress = Progress(events)
    assert not reports_acceptance(plain)
    with pytest.raises(KeyboardInterrupt):
        progress.send(plain, cancelled=lambda: False)
    assert list(plain.calls[0]) == ["cancelled"]
    assert progress.unacknowledged() == events


@pytest.mark.parametrize(
    ("signature", "declares"),
    [
        ("def send(self, events, *, cancelled=None, accepted=None): pass", True),
        ("def send(self, events, *, cancelled=None): pass", False),
        ("def send(self, events, *, cancelled=None, **options): pass", False),
        ("def send(self, events, accepted=None): pass", False),  # positional: not the keyword protocol
    ],
)
def test_reports_acceptance_reads_the_signature(signature: str, declares: bool) -> None:
    namespace: dict[str, object] = {}
    exec(f"class T:\n    {signature}", namespace)
    assert reports_acceptance(namespace["T"]()) is declares  # type: ignore[operator]
