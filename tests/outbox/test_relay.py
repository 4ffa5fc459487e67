"""The relay against the local Events API (real sockets), and its pure parts as tables."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import pytest

from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.outbox.metrics import MetricsLog, Throughput, format_metrics, outbox_metrics
from bc_events.outbox.relay import Relay, RelayOptions, by_job, row_event, settle_send
from bc_events.outbox.sqlstore import DbApiStore
from bc_events.outbox.store import DELIVERED, PENDING, REJECTED, OutboxRow, OutboxStats
from bc_events.retry import RetryPolicy
from bc_events.testing import EventsAPIServer
from bc_events.transport import HttpTransport, RecordingTransport, never_cancelled
from tests.outbox.conftest import Writer, event
from tests.outbox.test_store import states

QUICK = RetryPolicy(total_time=1.0, attempt_timeout=1.0, initial_backoff=0.01, max_backoff=0.02, jitter=0)


def row(row_id: int, job_id: str) -> OutboxRow:
    return OutboxRow(row_id, job_id, "testing.TestCreated", b"{}", 0.0, 0, PENDING, None)


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        ("", ""),
        ("aaa", "aaa"),
        ("abab", "aabb"),
        ("cabca", "ccaab"),
    ],
)
def test_by_job_groups_rows_keeping_each_jobs_order(jobs: str, expected: str) -> None:
    rows = [row(number, job) for number, job in enumerate(jobs)]
    ordered = by_job(rows)
    assert "".join(r.job_id for r in ordered) == expected
    for job in set(jobs):
        ids = [r.id for r in ordered if r.job_id == job]
        assert ids == sorted(ids)


def test_row_event_sends_the_stored_bytes_under_the_topic() -> None:
    sent = row_event(OutboxRow(1, "job-9", "billing.InvoicePaid", b'{"x":1}', 0.0, 0, PENDING, None))
    assert (sent.body, sent.job_id, sent.topic_name) == (b'{"x":1}', "job-9", "billing.InvoicePaid")


class Refusing:
    """A transport whose send fails the way HttpTransport reports failures."""

    def __init__(self, fail_from: int, rejected: Sequence[int] | None = None) -> None:
        self.fail_from = fail_from
        self.rejected = rejected  # None: every undelivered event is rejected
        self.sends: list[list[str]] = []

    def send(self, events: Sequence[Event], *, cancelled: object = never_cancelled) -> None:
        self.sends.append([event.job_id for event in events])
        error = PublishError("HTTP 400 ValidationException: no", events[self.fail_from :])
        chosen = range(self.fail_from, len(events)) if self.rejected is None else self.rejected
        error.rejected = [events[index] for index in chosen]  # type: ignore[attr-defined]
        raise error

    def close(self) -> None:
        pass


def test_settle_send_splits_delivered_rejected_and_released() -> None:
    rows = [row(1, "a"), row(2, "a"), row(3, "b"), row(4, "b")]
    settlement = settle_send(rows, Refusing(fail_from=1, rejected=[1]))
    assert list(settlement.delivered) == [1]
    assert dict(settlement.rejected) == {2: "HTTP 400 ValidationException: no"}
    assert dict(settlement.released) == {
        3: "HTTP 400 ValidationException: no",
        4: "HTTP 400 ValidationException: no",
    }


def test_settle_send_without_a_rejected_list_releases_every_undelivered_row() -> None:
    class Old(Refusing):
        def send(self, events: Sequence[Event], *, cancelled: object = never_cancelled) -> None:
            raise PublishError("HTTP 503", events[1:])

    settlement = settle_send([row(1, "a"), row(2, "a")], Old(0))
    assert (list(settlement.delivered), dict(settlement.rejected), dict(settlement.released)) == (
        [1],
        {},
        {2: "HTTP 503"},
    )


def test_relay_delivers_over_http_in_order_per_job_single_and_bulk(store: DbApiStore, write: Writer) -> None:
    write([event("job-small", n) for n in range(3)])
    write([event("job-big", n) for n in range(12)])
    write([event("job-small", n) for n in range(3, 5)])
    with EventsAPIServer() as api:
        relay = Relay(store, HttpTransport(api.url, retry=QUICK))
        settlement = relay.run_once()
        accepted = api.accepted
        paths = api.requests
    assert len(settlement.delivered) == 17
    for job, count in (("job-small", 5), ("job-big", 12)):
        assert [e.data["n"] for e in accepted if e.job_id == job] == list(range(count))
    assert paths["/events/bulk/"] == 1  # the big job went in bulk
    assert {state for state, _, _ in states(store).values()} == {DELIVERED}
    assert relay.throughput.delivered == 17


def test_relay_releases_rows_when_the_api_is_down_then_delivers_them(
    store: DbApiStore, write: Writer
) -> None:
    write([event("job-1", 1)])
    with EventsAPIServer() as api:
        api.faults.server_error(times=1000, status=503)
        relay = Relay(store, HttpTransport(api.url, retry=QUICK))
        settlement = relay.run_once()
        assert list(settlement.released)
        assert not settlement.delivered
        [(state, attempts, error)] = states(store).values()
        assert (state, attempts) == (PENDING, 1)
        assert error is not None
        assert "503" in error
        api.faults.clear()
        assert len(relay.run_once().delivered) == 1
        assert len(api.accepted) == 1


def test_relay_keeps_rejected_rows_as_dead_letters(store: DbApiStore, write: Writer) -> None:
    write([event("job-1", 1), event("job-2", 2)])
    refusing = Refusing(fail_from=0)
    relay = Relay(store, refusing)
    relay.run_once()
    assert sorted(refusing.sends) == [["job-1"], ["job-2"]]  # a job per round: rejections do not end the pass
    assert [(r.state, r.attempts) for r in store.dead_letters()] == [(REJECTED, 1), (REJECTED, 1)]
    assert outbox_metrics(store, relay.throughput)["rejected"] == 2
    assert relay.throughput.rejected == 2


def test_relay_run_stops_after_its_pass_and_purges_by_retention(
    store: DbApiStore, write: Writer, database: Callable[..., DbApiStore]
) -> None:
    write([event("job-1", n) for n in range(5)])
    reader = database()
    with EventsAPIServer() as api:
        options = RelayOptions(
            batch_size=2, interval=0.01, retention=0.0, purge_every=0.0, metrics_every=None
        )
        relay = Relay(store, HttpTransport(api.url, retry=QUICK), options)
        runner = threading.Thread(target=relay.run)
        runner.start()
        try:
            for _ in range(500):
                if len(api.accepted) == 5 and reader.stats() == OutboxStats(0, 0, 0, None):
                    break
                threading.Event().wait(0.01)
        finally:
            relay.stop()
            runner.join(timeout=10)
        assert not runner.is_alive()
        assert [e.data["n"] for e in api.accepted] == list(range(5))
    assert reader.stats().delivered == 0  # purged with a retention of 0 s
    reader.close()


def test_metrics_mapping_and_log_lines(
    store: DbApiStore, write: Writer, caplog: pytest.LogCaptureFixture
) -> None:
    assert outbox_metrics(store) == {
        "depth": 0,
        "oldest_pending_age_seconds": None,
        "rejected": 0,
        "delivered_kept": 0,
    }
    write([event("job-1", 1), event("job-1", 2)])
    with store.claim(1) as claim:
        written = claim.rows[0].created_at
    metrics = outbox_metrics(store, now=written + 7.5)
    assert (metrics["depth"], metrics["oldest_pending_age_seconds"]) == (2, 7.5)
    now = [0.0]
    meter = Throughput(window=10, clock=lambda: now[0])
    now[0] = 2.0
    meter.record(10, 0, 0)
    assert meter.per_second() == 5.0
    now[0] = 20.0
    assert meter.per_second() == 0.0  # the window moved past the record
    log = MetricsLog(store, meter, every=30, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="bc.events.outbox"):
        assert not log.maybe_log()
        now[0] = 50.0
        assert log.maybe_log()
        assert not log.maybe_log()
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("outbox depth=2 oldest_pending_age_seconds=")
    assert "relay_delivered_total=10" in line
    assert format_metrics({"a": None, "b": 1.25, "c": 3}) == "outbox a=- b=1.2 c=3"


def test_senders_split_whole_jobs_between_threads(store: DbApiStore, write: Writer) -> None:
    for n in range(20):
        write([event(f"job-{n % 4}", n)])
    with EventsAPIServer() as api:
        relay = Relay(store, HttpTransport(api.url, retry=QUICK), RelayOptions(senders=3))
        assert len(relay.run_once().delivered) == 20
        relay.close()
        for job in range(4):
            numbers = [e.data["n"] for e in api.accepted if e.job_id == f"job-{job}"]
            assert numbers == sorted(numbers)
            assert len(numbers) == 5


def test_options_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RelayOptions(batch_size=0)
    with pytest.raises(ValueError, match="interval"):
        RelayOptions(interval=-1)


def test_when_the_api_is_down_the_pass_ends_and_untried_rows_keep_their_attempts(
    store: DbApiStore, write: Writer
) -> None:
    write([event("job-1", 1)])
    write([event("job-2", 2), event("job-2", 3)])
    with EventsAPIServer() as api:
        api.faults.server_error(times=1000, status=503)
        settlement = Relay(store, HttpTransport(api.url, retry=QUICK)).run_once()
    assert list(settlement.delivered) == []
    released = len(settlement.released)  # one job's rows: job-1's one or job-2's two
    assert released in (1, 2)
    assert (
        sorted(attempts for _, attempts, _ in states(store).values()) == [0] * (3 - released) + [1] * released
    )


def test_each_round_is_committed_before_the_next_is_sent(
    store: DbApiStore, write: Writer, database: Callable[..., DbApiStore]
) -> None:
    write([event("job-1", 1)])
    write([event("job-2", 2)])
    reader = database()
    seen: list[dict[int, tuple[str, int, str | None]]] = []

    class Watching(RecordingTransport):
        def send(self, events: Sequence[Event], *, cancelled: object = never_cancelled) -> None:
            seen.append(states(reader))  # what a relay restarted now would find
            super().send(events)

    Relay(store, Watching()).run_once()
    assert [len(round_) for round_ in seen] == [2, 2]
    assert sorted(state for state, _, _ in seen[0].values()) == [PENDING, PENDING]
    # the first job's round was committed before the second job's was sent
    assert sorted(state for state, _, _ in seen[1].values()) == [DELIVERED, PENDING]
    reader.close()


def test_relay_run_survives_a_lost_connection(
    store: DbApiStore, write: Writer, caplog: pytest.LogCaptureFixture
) -> None:
    write([event("job-1", 1)])
    store._connection_().close()  # the database connection is gone under the relay
    transport = RecordingTransport()
    relay = Relay(store, transport, RelayOptions(interval=0.01, metrics_every=None))
    runner = threading.Thread(target=relay.run)
    with caplog.at_level(logging.ERROR, logger="bc.events.outbox"):
        runner.start()
        try:
            for _ in range(1000):
                if transport.delivered:
                    break
                threading.Event().wait(0.01)
        finally:
            relay.stop()
            runner.join(timeout=10)
    assert [e.job_id for e in transport.delivered] == ["job-1"]
    assert "pass failed; retrying" in caplog.text
