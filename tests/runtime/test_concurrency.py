"""Sessions and the shared client under threads, including a randomized run against random rejections."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from bc_events import EventSession, PublishError
from bc_events.testing import EventsAPIServer

from .conftest import MakeClient
from .support import accepted_ids, publish_tests


def run_threads(count: int, target: Callable[[int], object]) -> None:
    """Run ``target(index)`` in ``count`` threads started together; re-raise the first failure."""
    barrier = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def test_threads_publishing_to_one_session(api: EventsAPIServer, session: EventSession) -> None:
    run_threads(8, lambda index: publish_tests(session, 500, prefix=f"t{index}-"))
    queued = [event.data["id"] for event in session.events]
    assert len(queued) == 4000
    for index in range(8):  # each thread's events keep their order
        mine = [event_id for event_id in queued if event_id.startswith(f"t{index}-")]
        assert mine == [f"t{index}-{i}" for i in range(500)]
    session.flush()
    assert Counter(accepted_ids(api)) == Counter(queued)
    assert len(api.request_log) == 16  # 4000 events in bulk requests of 250


def test_threads_publishing_and_flushing_one_session(api: EventsAPIServer, session: EventSession) -> None:
    def work(index: int) -> None:
        for batch in range(20):
            publish_tests(session, 7, prefix=f"t{index}-{batch}-")
            session.flush()

    run_threads(6, work)
    session.flush()
    ids = accepted_ids(api)
    assert len(ids) == 6 * 20 * 7
    assert len(set(ids)) == len(ids)
    assert session.events == []


def test_sessions_in_threads_share_one_pool(api: EventsAPIServer, make_client: MakeClient) -> None:
    client = make_client()

    def request(index: int) -> None:
        for job in range(10):
            with client.user_session(f"user-{index}", f"job-{index}-{job}") as session:
                publish_tests(session, 3 if job % 2 else 30, prefix=f"{index}-{job}-")

    run_threads(8, request)
    assert len(api.accepted) == 8 * 5 * (3 + 30)
    assert len(set(accepted_ids(api))) == len(api.accepted)
    assert api.connections <= 10  # the client's pool size: connections are reused, not opened per request


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_randomized_every_event_accepted_exactly_once_or_still_queued(
    api: EventsAPIServer, make_client: MakeClient, seed: int
) -> None:
    """Threads publish thousands of events in random batches while the server rejects at random.

    Half the sessions retry (exercising retries of throttled records), half
    give up at the first failure (so events really do stay queued between
    flushes).  A long attempt timeout keeps timeouts, which may legitimately
    duplicate an event (at-least-once), out of the picture.
    """
    api.faults.random_rejections(seed, rate=0.35)
    patient = make_client(total_time=5.0, attempt_timeout=10.0)
    # a first retry would wait longer than the whole flush may take: never retries
    impatient = make_client(total_time=5.0, attempt_timeout=10.0, initial_backoff=10.0, max_backoff=10.0)
    shared = patient.service_session("job-shared")
    sessions = [
        (patient if index % 2 else impatient).user_session(f"user-{index}", f"job-{index}")
        for index in range(4)
    ]
    published: list[str] = []
    published_lock = threading.Lock()
    failed_flushes = Counter[int]()

    def work(index: int) -> None:
        rng = random.Random(seed * 100 + index)
        own = sessions[index]
        for batch in range(12):
            session = shared if rng.random() < 0.3 else own
            ids = publish_tests(session, rng.choice([1, 4, 6, 40, 260]), prefix=f"{index}-{batch}-")
            with published_lock:
                published.extend(ids)
            try:
                session.flush()
            except PublishError:
                failed_flushes[index] += 1

    run_threads(4, work)

    accepted = Counter(accepted_ids(api))
    queued = Counter(event.data["id"] for session in [shared, *sessions] for event in session.events)
    assert len(published) >= 1000
    assert set(accepted) | set(queued) == set(published)
    assert max(accepted.values()) == 1, "an event was accepted twice"
    assert not set(accepted) & set(queued), "an accepted event is still queued"
    assert max(queued.values(), default=1) == 1, "an event is queued twice"
    assert sum(failed_flushes.values()) > 0, "the faults never exhausted a flush: the test proves little"

    api.faults.clear()
    for session in [shared, *sessions]:
        session.flush()
    assert Counter(accepted_ids(api)) == Counter(published)  # everything, each exactly once
