"""Whatever interrupts a flush, exactly the events the API did not acknowledge stay queued.

Real sockets and real signals: a handler raising ``SystemExit`` (as a
service's SIGTERM handler does), Ctrl-C's ``KeyboardInterrupt``, and an
exception raised by a logging filter (a hook) in the middle of a retry.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

import pytest

from bc_events import Event, EventClient, EventSession, PublishError
from bc_events.testing import BULK_PATH, EventsAPIServer

from .conftest import MakeClient
from .support import TOPICS, accepted_ids, publish_tests, queued_ids


def raise_system_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"signal {signum}")


@pytest.fixture
def sigterm_exits() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, raise_system_exit)
    yield
    signal.signal(signal.SIGTERM, previous)


def signal_when(api: EventsAPIServer, bulk_requests: int, signum: int) -> threading.Thread:
    """Send ``signum`` to the main thread once the server has received ``bulk_requests`` bulk requests."""
    main = threading.main_thread().ident
    assert main is not None

    def wait_and_signal() -> None:
        deadline = time.monotonic() + 10
        while api.requests[BULK_PATH] < bulk_requests and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)  # the request is in the server's delay: the client waits for its reply
        signal.pthread_kill(main, signum)

    thread = threading.Thread(target=wait_and_signal, daemon=True)
    thread.start()
    return thread


@pytest.mark.usefixtures("sigterm_exits")
@pytest.mark.parametrize(
    ("signum", "error"), [(signal.SIGTERM, SystemExit), (signal.SIGINT, KeyboardInterrupt)]
)
def test_a_signal_during_a_long_flush_keeps_only_the_unacknowledged_events(
    api: EventsAPIServer, make_client: MakeClient, signum: int, error: type[BaseException]
) -> None:
    session = make_client(total_time=30.0, attempt_timeout=20.0).service_session("job-1")
    ids = publish_tests(session, 1250)  # five bulk requests
    api.faults.delay(15, after=2)  # the third hangs: the signal comes while the client waits for it
    thread = signal_when(api, 3, signum)
    with pytest.raises(error):
        session.flush()
    thread.join()
    assert accepted_ids(api) == ids[:500]
    assert queued_ids(session) == ids[500:], "the two acknowledged requests were queued again"
    api.stop()  # ends the hung request unaccepted
    api.reset()
    api.start()
    session.flush()
    assert accepted_ids(api) == ids[500:]


def test_an_exception_in_a_logging_hook_during_a_retry_keeps_only_the_unacknowledged(
    api: EventsAPIServer, session: EventSession
) -> None:
    class Broken(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            raise RuntimeError("a broken log filter")

    ids = publish_tests(session, 600)
    api.faults.throttle(after=1)  # the second request is throttled: the retry is logged
    logger = logging.getLogger("bc.events")
    broken = Broken()
    logger.addFilter(broken)
    try:
        with pytest.raises(RuntimeError, match="broken log filter"):
            session.flush()
    finally:
        logger.removeFilter(broken)
    assert accepted_ids(api) == ids[:250]
    assert queued_ids(session) == ids[250:]
    session.flush()
    assert accepted_ids(api) == ids


def test_a_rejected_chunk_and_a_retried_one_in_one_flush(api: EventsAPIServer, session: EventSession) -> None:
    ids = publish_tests(session, 750)
    api.faults.reject(after=1)  # the second chunk is refused for good
    api.faults.drop_connection(times=2, after=1)  # the third is retried
    with pytest.raises(PublishError) as raised:
        session.flush()
    assert [event.data["id"] for event in raised.value.rejected] == ids[250:500]
    assert session.events == []
    assert accepted_ids(api) == ids[:250] + ids[500:]


class Interrupting:
    """A custom transport that acknowledges the first ``acknowledge`` events, then is interrupted."""

    def __init__(self, acknowledge: int) -> None:
        self.acknowledge = acknowledge

    def send(
        self,
        events: Sequence[Event],
        *,
        cancelled: Callable[[], bool] = lambda: False,
        accepted: Callable[[Sequence[Event]], None] | None = None,
    ) -> None:
        assert accepted is not None, "the session passes accepted= to a transport that declares it"
        accepted(events[: self.acknowledge])
        raise KeyboardInterrupt

    def close(self) -> None:
        pass


class PlainInterrupting:
    """A custom transport with only the documented send(events, *, cancelled=...)."""

    def __init__(self) -> None:
        self.sent: list[Event] = []

    def send(self, events: Sequence[Event], *, cancelled: Callable[[], bool] = lambda: False) -> None:
        self.sent += events
        if len(self.sent) > 3:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


def test_a_custom_transport_reporting_acceptance_keeps_only_the_rest_queued() -> None:
    client = EventClient("http://127.0.0.1:1", "TestService", TOPICS, transport=Interrupting(2))
    session = client.service_session("job-1")
    ids = publish_tests(session, 5)
    with pytest.raises(KeyboardInterrupt):
        session.flush()
    assert queued_ids(session) == ids[2:]


def test_a_custom_transport_with_only_the_documented_send_still_works() -> None:
    transport = PlainInterrupting()
    client = EventClient("http://127.0.0.1:1", "TestService", TOPICS, transport=transport)
    session = client.service_session("job-1")
    publish_tests(session, 3)
    session.flush()
    assert session.events == []
    ids = publish_tests(session, 2, prefix="b")
    with pytest.raises(KeyboardInterrupt):
        session.flush()
    assert queued_ids(session) == ids  # nothing known acknowledged: the whole batch stays
