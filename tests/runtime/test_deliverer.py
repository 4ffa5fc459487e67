"""The background deliverer (bc_events.deliverer) over real sockets: bounds, deadlines, shutdown, fork."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import pytest

from bc_events import Event, EventClient, PublishError, RetryPolicy
from bc_events.deliverer import Deliverer, DelivererLimits
from bc_events.testing import EventsAPIServer
from bc_events.transport import Cancelled, HttpTransport, never_cancelled

from .rawserver import RawServer
from .support import TOPICS

POLICY = RetryPolicy(total_time=0.6, attempt_timeout=0.2, initial_backoff=0.01, max_backoff=0.05, jitter=0.01)
SLACK = 0.5  # scheduling on a loaded machine


def never_answer(connection: socket.socket, stopping: threading.Event) -> None:
    stopping.wait()


@pytest.fixture
def blackhole() -> Iterator[str]:
    """An Events API that accepts connections and never answers."""
    with RawServer(never_answer) as server:
        yield server.url


def refused_url() -> str:
    with RawServer(lambda connection, stopping: None) as server:
        url = server.url
    return url  # nothing listens there any more


def event(event_id: str, job_id: str = "job-1") -> Event:
    return Event.create(
        category="testing",
        entity="Test",
        action="Created",
        data={"id": event_id},
        actor_id="u",
        actor_type="user",
        job_id=job_id,
    )


class Reports:
    """An ``on_undelivered`` that remembers each error and when it came."""

    def __init__(self) -> None:
        self.errors: list[tuple[float, PublishError]] = []
        self.lock = threading.Lock()

    def __call__(self, error: PublishError) -> None:
        with self.lock:
            self.errors.append((time.monotonic(), error))

    def ids(self) -> list[str]:
        """The ids of every event reported lost: not delivered yet, or rejected by the API."""
        return [e.data["id"] for _, error in self.errors for e in [*error.undelivered, *error.rejected]]


def deliverer(url: str, **limits: float) -> Deliverer:
    return Deliverer(HttpTransport(url, retry=POLICY), POLICY.total_time, DelivererLimits(**limits))  # type: ignore[arg-type]


def test_submit_returns_at_once_and_the_thread_delivers(api: EventsAPIServer) -> None:
    api.faults.delay(0.5)
    sender = deliverer(api.url)
    started = time.monotonic()
    assert sender.submit([event("a")], job_id="job-1")
    assert time.monotonic() - started < 0.25
    assert sender.wait_delivered(10)
    assert [e.data["id"] for e in api.accepted] == ["a"]
    sender.close()


def test_one_job_s_batches_stay_in_order_across_threads(api: EventsAPIServer) -> None:
    sender = deliverer(api.url, threads=4)
    for n in range(12):
        sender.submit([event(f"e{n}", job_id="job-1")], job_id="job-1")
        sender.submit([event(f"o{n}", job_id=f"other-{n}")], job_id=f"other-{n}")
    assert sender.wait_delivered(20)
    mine = [e.data["id"] for e in api.accepted if e.job_id == "job-1"]
    assert mine == [f"e{n}" for n in range(12)]
    assert len(api.accepted) == 24
    sender.close()


@pytest.mark.parametrize("down", ["never answers", "refuses"])
def test_during_an_outage_each_batch_is_reported_within_total_time_of_its_commit(
    blackhole: str, down: str
) -> None:
    url = blackhole if down == "never answers" else refused_url()
    sender, reports = deliverer(url), Reports()
    committed = {}
    for n in range(6):
        committed[f"e{n}"] = time.monotonic()
        assert sender.submit([event(f"e{n}", job_id=f"job-{n}")], job_id=f"job-{n}", on_undelivered=reports)
        time.sleep(0.05)
    assert sender.wait_delivered(10)
    assert sorted(reports.ids()) == sorted(committed)
    for at, error in reports.errors:
        late = at - committed[error.undelivered[0].data["id"]]
        assert late <= POLICY.total_time + SLACK, f"reported {late:.2f}s after its commit"
    sender.close()


LONG_ATTEMPTS = RetryPolicy(total_time=1.2, attempt_timeout=3.0, initial_backoff=0.01, max_backoff=0.05)


def test_a_request_on_the_wire_ends_at_its_batch_s_deadline(blackhole: str) -> None:
    """The second commit waits for the thread; its request would run past its deadline if not cut.

    Its send starts about ``total_time`` after the commit: a send bounded only by its own
    ``total_time`` and ``attempt_timeout`` would end about twice ``total_time`` after it.
    """
    limits = DelivererLimits(threads=1)
    sender, reports = Deliverer(HttpTransport(blackhole, retry=LONG_ATTEMPTS), 1.2, limits), Reports()
    committed = {}
    for n in range(2):
        committed[f"e{n}"] = time.monotonic()
        assert sender.submit([event(f"e{n}", job_id=f"job-{n}")], job_id=f"job-{n}", on_undelivered=reports)
        time.sleep(0.1)
    assert sender.wait_delivered(10)
    assert sorted(reports.ids()) == ["e0", "e1"]
    for at, error in reports.errors:
        late = at - committed[error.undelivered[0].data["id"]]
        assert late <= LONG_ATTEMPTS.total_time + SLACK, f"reported {late:.2f}s after its commit"
        assert "total_time (1.2s) from the commit was up" in error.reason
    sender.close(timeout=0.1)


class PlainTransport:
    """A custom transport written before ``deadline``: its ``send`` takes ``cancelled`` only."""

    def __init__(self, url: str, retry: RetryPolicy) -> None:
        self.inner = HttpTransport(url, retry=retry)
        self.calls: list[int] = []

    def send(self, events: Sequence[Event], *, cancelled: Cancelled = never_cancelled) -> None:
        self.calls.append(len(events))
        self.inner.send(events, cancelled=cancelled)

    def close(self) -> None:
        self.inner.close()


def test_a_custom_transport_without_deadline_is_bounded_by_cancelled_and_its_attempts(
    api: EventsAPIServer, blackhole: str
) -> None:
    healthy = Deliverer(PlainTransport(api.url, POLICY), POLICY.total_time)
    assert healthy.submit([event("a")], job_id="job-1")
    assert healthy.wait_delivered(10)
    assert [e.data["id"] for e in api.accepted] == ["a"]
    healthy.close()
    transport, reports = PlainTransport(blackhole, POLICY), Reports()
    down = Deliverer(transport, POLICY.total_time)
    committed = time.monotonic()
    assert down.submit([event("b")], job_id="job-2", on_undelivered=reports)
    assert down.wait_delivered(10)
    assert transport.calls == [1]
    assert reports.ids() == ["b"]
    assert "total_time (0.6s) from the commit was up" in reports.errors[0][1].reason
    assert reports.errors[0][0] - committed <= POLICY.total_time + POLICY.attempt_timeout + SLACK
    down.close()


def test_a_batch_whose_time_is_up_is_reported_without_being_sent(api: EventsAPIServer) -> None:
    sender, reports = deliverer(api.url), Reports()
    sender.submit([event("old")], job_id="job-1", on_undelivered=reports, committed_at=time.monotonic() - 5)
    assert sender.wait_delivered(10)
    assert reports.ids() == ["old"]
    assert "total_time (0.6s) from the commit was up" in str(reports.errors[0][1])
    assert api.request_log == []
    sender.close()


def test_a_full_queue_makes_the_commit_wait_at_most_full_wait_then_reports(blackhole: str) -> None:
    sender, reports = deliverer(blackhole, threads=1, max_events=2, full_wait=0.2), Reports()
    for n in range(3):  # one in flight (held by the API), two queued: full
        assert sender.submit([event(f"e{n}")], job_id=f"job-{n}", on_undelivered=reports)
        time.sleep(0.05)
    started = time.monotonic()
    assert not sender.submit([event("over")], job_id="job-9", on_undelivered=reports)
    waited = time.monotonic() - started
    assert 0.19 <= waited <= 0.2 + SLACK
    assert reports.ids()[:1] == ["over"]
    assert "queue stayed full for 0.2s" in str(reports.errors[0][1])
    assert not sender.offer([event("offer")], job_id="job-9")  # offer neither waits nor reports
    assert reports.ids() == ["over"]
    sender.close(timeout=0.1)


def test_the_byte_bound_counts_event_bodies_and_one_large_batch_still_fits_alone(blackhole: str) -> None:
    big = [event("x" * 2000)]
    sender = deliverer(blackhole, threads=1, max_bytes=1000, full_wait=0.0)
    assert sender.submit([event("first")], job_id="job-1")  # taken by the thread at once
    time.sleep(0.1)
    assert sender.submit(big, job_id="job-2")  # larger than the bound, but the queue is empty
    assert not sender.submit([event("small")], job_id="job-3")  # 2 kB are queued already
    sender.close(timeout=0.1)


def test_close_drains_within_shutdown_time_and_reports_the_rest(blackhole: str) -> None:
    sender, reports = deliverer(blackhole, threads=1, shutdown_time=0.3), Reports()
    for n in range(3):
        sender.submit([event(f"e{n}")], job_id=f"job-{n}", on_undelivered=reports)
    started = time.monotonic()
    sender.close()
    assert time.monotonic() - started <= 0.3 + POLICY.attempt_timeout + SLACK
    assert sorted(reports.ids()) == ["e0", "e1", "e2"]
    assert not sender.submit([event("late")], job_id="job-9", on_undelivered=reports)
    assert "the deliverer is closed" in str(reports.errors[-1][1])


def test_client_close_delivers_what_is_queued_first(api: EventsAPIServer) -> None:
    client = EventClient(api.url, "TestService", TOPICS, retry=POLICY)
    api.faults.delay(0.1, times=3)  # under attempt_timeout: accepted once each
    for n in range(3):
        client.deliverer.submit([event(f"e{n}", job_id=f"job-{n}")], job_id=f"job-{n}")
    client.close()
    assert sorted(e.data["id"] for e in api.accepted) == ["e0", "e1", "e2"]


def test_a_raising_callback_is_logged_and_the_thread_lives_on(
    api: EventsAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(error: PublishError) -> None:
        raise RuntimeError("callback bug")

    sender = deliverer(api.url, threads=1)
    api.faults.reject(times=1)
    sender.submit([event("lost")], job_id="job-1", on_undelivered=broken)
    sender.submit([event("next")], job_id="job-2")
    assert sender.wait_delivered(10)
    assert any("on_undelivered callback raised" in r.getMessage() for r in caplog.records)
    assert [e.data["id"] for e in api.accepted] == ["next"]
    sender.close()


@pytest.mark.parametrize(
    ("field", "value"), [("max_events", 0), ("max_bytes", -1), ("threads", 1.5), ("full_wait", -0.1)]
)
def test_limits_refuse_what_cannot_work(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"DelivererLimits: {field} must be"):
        DelivererLimits(**{field: value})  # type: ignore[arg-type]


EXITING = """
import sys, time
from bc_events import EventClient, RetryPolicy
from bc_events.deliverer import DelivererLimits
from bc_events.unit_of_work import UnitOfWork
sys.path.insert(0, {tests!r})
from runtime.support import TOPICS
client = EventClient({url!r}, "TestService", TOPICS, retry=RetryPolicy(total_time=30, attempt_timeout=10),
                     deliverer=DelivererLimits(shutdown_time=0.5))
with UnitOfWork(client, job_id="job-exit", user_id=None) as session:
    session.created_test({{"id": "at-exit"}})
print(time.monotonic(), flush=True)
"""


@pytest.mark.parametrize("down", [False, True], ids=["api-up", "api-down"])
def test_at_exit_the_queue_is_drained_within_shutdown_time(
    api: EventsAPIServer, blackhole: str, down: bool
) -> None:
    tests = os.path.dirname(os.path.dirname(__file__))
    script = EXITING.format(tests=tests, url=blackhole if down else api.url)
    if not down:
        api.faults.delay(0.2)  # still in flight when the interpreter starts exiting
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=60
    )
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr
    exiting_for = ended - float(result.stdout.split()[0])
    if down:
        assert exiting_for <= 0.5 + 10 + SLACK * 4  # shutdown_time, plus the request on the wire at most
        assert "job job-exit were not delivered" in result.stderr
        assert "shutdown_time (0.5s) was up" in result.stderr
    else:
        assert [e.data["id"] for e in api.accepted] == ["at-exit"]
        assert "not delivered" not in result.stderr


def test_a_forked_child_starts_with_an_empty_deliverer_and_its_own_thread(api: EventsAPIServer) -> None:
    client = EventClient(api.url, "TestService", TOPICS, retry=POLICY)
    client.deliverer.submit([event("before-fork")], job_id="job-p")
    assert client.wait_delivered(10)
    api.faults.delay(1.0, times=1)
    client.deliverer.submit([event("parent")], job_id="job-p")  # in flight in the parent at the fork
    time.sleep(0.1)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            client.deliverer.submit([event("child")], job_id="job-c")
            code = 0 if client.wait_delivered(10) else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert client.wait_delivered(10)
    assert Counter(e.data["id"] for e in api.accepted) == Counter({"before-fork": 1, "parent": 1, "child": 1})
    client.close()


def test_the_events_delivered_fixture_waits_and_fails_a_test_that_would_hang(
    api: EventsAPIServer, blackhole: str, events_delivered: Callable[..., None]
) -> None:
    healthy = deliverer(api.url)
    healthy.submit([event("a")], job_id="job-1")
    events_delivered()
    assert [e.data["id"] for e in api.accepted] == ["a"]
    stuck = deliverer(blackhole, threads=1)
    stuck.submit([event("held")], job_id="job-2")
    with pytest.raises(pytest.fail.Exception, match=r"still had events in flight after 0\.1s"):
        events_delivered(0.1)
    stuck.close(timeout=0.0)
    healthy.close()


def test_one_job_s_commits_go_out_together_and_failures_reach_the_commit_they_came_from(
    api: EventsAPIServer,
) -> None:
    sender = deliverer(api.url, threads=1)
    sender.submit([event("warm-up")], job_id="job-0")  # the thread exists and is idle now
    assert sender.wait_delivered(10)
    api.reset()
    reports = [Reports() for _ in range(3)]
    api.faults.partial_bulk_failure({1: "ValidationException", 4: "ValidationException"})
    for n, report in enumerate(reports):  # within the thread's 20 ms linger: one send, one bulk request
        sender.submit([event(f"c{n}a"), event(f"c{n}b")], job_id="job-1", on_undelivered=report)
    assert sender.wait_delivered(10)
    assert [report.ids() for report in reports] == [["c0b"], [], ["c2a"]]
    assert [e.data["id"] for e in api.accepted] == ["c0a", "c1a", "c1b", "c2b"]
    assert len(api.request_log) == 1
    sender.close()
