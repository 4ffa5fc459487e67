"""Conservation under every fault at once: no event lost, none rolled back delivered, duplicates counted.

Eight threads (and, in the second test, several forked children sharing a
client made before the fork) publish, flush and roll back while the local
Events API answers at random with every fault it has: throttling, 5xx, 429,
dropped connections, partial bulk failures, 2xx replies that are not JSON or
carry an ``errorType``, ``records`` lists of the wrong length, and late and
trickled replies that outlast the attempt timeout (so the server may accept
an event the client then sends again: delivery is at least once), permanent
rejections of whole requests and of single records, 413s (the server takes
at most 64 KiB per request and some rounds publish big events), and
interruptions (a logging filter, a hook the flush runs, raises at random
retries).  Every published event must be accepted at least once or reported
in ``PublishError.rejected``.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, get_args

import pytest

from bc_events import EventClient, EventSession, PublishError, RetryPolicy
from bc_events.testing import EventsAPIServer, RandomKind

from .support import TOPICS, accepted_ids, publish_tests

# Forking a process that runs threads (the local server's) is the situation under test;
# Python 3.12+ warns about it in general.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")

THREADS = 8
ROUNDS = 12
SLOW = 0.4
POLICY = RetryPolicy(
    total_time=1.5, attempt_timeout=0.3, initial_backoff=0.005, max_backoff=0.05, jitter=0.005
)
"""Late and trickled replies (SLOW) outlast an attempt (0.3 s): they time out and are retried."""


MAX_REQUEST_BYTES = 64 * 1024
"""What the server takes per request: a bulk of 260 big events is three times that."""


class Interrupted(BaseException):
    """Raised by a hook mid-flush, as KeyboardInterrupt or a signal handler's SystemExit would be."""


class InterruptingFilter(logging.Filter):
    """Raises ``Interrupted`` on some retry warnings: the flush is interrupted between two attempts."""

    def __init__(self, seed: int, rate: float = 0.15) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.rate = rate
        self.lock = threading.Lock()
        self.raised = 0

    def filter(self, record: logging.LogRecord) -> bool:
        with self.lock:
            interrupt = self.rng.random() < self.rate
            self.raised += interrupt
        if interrupt:
            raise Interrupted
        return True


@dataclass
class Ledger:
    """What the publishing side knows: ids published, rolled back, rejected; failed, interrupted flushes."""

    published: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    failed_flushes: int = 0
    interrupted_flushes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def flush(self, session: EventSession) -> bool:
        """Flush once; whether the queue is empty after it.  Records rejections and interruptions."""
        failure: PublishError | None = None
        try:
            session.flush()
        except PublishError as error:
            failure = error
        except Interrupted:
            with self.lock:
                self.interrupted_flushes += 1
        if failure is not None:
            queued = [event.data["id"] for event in session.events]
            assert [event.data["id"] for event in failure.undelivered] == queued  # exactly those stay queued
            with self.lock:
                self.failed_flushes += 1
                self.rejected += [event.data["id"] for event in failure.rejected]
        return not session.events


def drain(session: EventSession, ledger: Ledger) -> None:
    """Flush until the queue is empty: faults continue, so one flush may not be enough."""
    for _ in range(100):
        if ledger.flush(session):
            return
    raise AssertionError(f"{len(session.events)} event(s) still queued after 100 flushes")


def work(client: EventClient, name: str, ledger: Ledger) -> None:
    rng = random.Random(name)
    leftovers: list[EventSession] = []
    for round_number in range(ROUNDS):
        session = client.user_session(f"user-{name}", f"job-{name}-{round_number}")
        padding = "-" + "x" * 400 if rng.random() < 0.3 else ""  # 260 of these need several requests
        ids = publish_tests(
            session, rng.choice([1, 3, 6, 40, 260]), prefix=f"{name}-{round_number}{padding}-"
        )
        if rng.random() < 0.2:
            session.rollback()
            with ledger.lock:
                ledger.rolled_back += ids
            continue
        with ledger.lock:
            ledger.published += ids
        if not ledger.flush(session):
            leftovers.append(session)
    for session in leftovers:
        drain(session, ledger)


def run_threads(client: EventClient, prefix: str, ledger: Ledger) -> None:
    failures: list[str] = []

    def run(index: int) -> None:
        try:
            work(client, f"{prefix}t{index}", ledger)
        except BaseException:
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]


def every_fault(api: EventsAPIServer, seed: int) -> None:
    api.faults.random_rejections(seed, rate=0.3, kinds=get_args(RandomKind), slow_seconds=SLOW)


@pytest.fixture
def api() -> Iterator[EventsAPIServer]:
    with EventsAPIServer(max_request_bytes=MAX_REQUEST_BYTES) as server:
        yield server


@pytest.fixture
def interruptions() -> Iterator[InterruptingFilter]:
    hook = InterruptingFilter(seed=11)
    logger = logging.getLogger("bc.events")
    logger.addFilter(hook)
    yield hook
    logger.removeFilter(hook)


def check_conservation(
    api: EventsAPIServer, published: list[str], rolled_back: list[str], rejected: list[str]
) -> None:
    time.sleep(SLOW + 0.3)  # late requests the client gave up on may still be accepted
    accepted = Counter(accepted_ids(api))
    assert len(published) == len(set(published))
    lost = set(published) - set(accepted) - set(rejected)
    assert not lost, f"{len(lost)} published event(s) neither accepted nor reported rejected"
    assert set(rejected) <= set(published)
    assert not set(rolled_back) & set(accepted), "a rolled-back event was delivered"
    assert set(accepted) <= set(published), "the server accepted an event nobody published"
    duplicates = sum(count - 1 for count in accepted.values())
    too_large = sum(request.status == 413 for request in api.request_log)
    print(
        f"conservation: {len(published)} published, {len(rolled_back)} rolled back, "
        f"{sum(accepted.values())} accepted, {len(rejected)} rejected, {too_large} request(s) split on 413, "
        f"{duplicates} duplicate(s) (at least once)"
    )


def test_threads_under_every_fault(api: EventsAPIServer, interruptions: InterruptingFilter) -> None:
    client = EventClient(api.url, "TestService", TOPICS, retry=POLICY)
    every_fault(api, seed=5)
    ledger = Ledger()
    run_threads(client, "", ledger)
    client.close()
    assert ledger.failed_flushes > 0, "no flush ever failed: the faults prove little"
    assert ledger.interrupted_flushes > 0, "no flush was interrupted"
    assert ledger.rejected, "nothing was rejected"
    assert any(request.status == 413 for request in api.request_log), "no request was too large"
    assert ledger.rolled_back
    check_conservation(api, ledger.published, ledger.rolled_back, ledger.rejected)


def test_forked_children_sharing_a_client_made_before_the_fork(
    api: EventsAPIServer, interruptions: InterruptingFilter
) -> None:
    client = EventClient(api.url, "TestService", TOPICS, retry=POLICY)
    warm = client.service_session("job-parent")
    publish_tests(warm, 7, prefix="parent-")
    warm.flush()  # the pool holds a connection when the children are forked
    every_fault(api, seed=6)
    children: list[tuple[int, int]] = []
    for child in range(3):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            code, report = 1, {}
            try:
                ledger = Ledger()
                run_threads(client, f"c{child}", ledger)
                report = {
                    "published": ledger.published,
                    "rolled_back": ledger.rolled_back,
                    "rejected": ledger.rejected,
                }
                code = 0
            except BaseException:
                report = {"error": traceback.format_exc()}
            finally:
                with os.fdopen(write_end, "w") as pipe:
                    json.dump(report, pipe)
                os._exit(code)
        os.close(write_end)
        children.append((pid, read_end))

    published = ["parent-0", "parent-1", "parent-2", "parent-3", "parent-4", "parent-5", "parent-6"]
    rolled_back: list[str] = []
    rejected: list[str] = []
    for pid, read_end in children:
        with os.fdopen(read_end) as pipe:
            report: dict[str, Any] = json.load(pipe)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, report.get("error")
        published += report["published"]
        rolled_back += report["rolled_back"]
        rejected += report["rejected"]
    client.close()
    check_conservation(api, published, rolled_back, rejected)
