"""A client that used its connection pool before ``fork()`` is safe to use in the children.

This is how gunicorn ``--preload`` and Celery's prefork pool run a service: the
client is created (and often used) in the parent, then each worker publishes.
Without care every child would write to the parent's pooled keep-alive socket
and read replies meant for its siblings.  The server rejects requests at random
and the client does not retry, so any reply read by the wrong process shows up
as an event reported delivered that the server rejected, or the reverse.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import traceback
from collections import Counter
from typing import Any

import pytest

from bc_events import EventClient, PublishError, RetryPolicy
from bc_events.testing import EventsAPIServer

from .support import TOPICS, accepted_ids, publish_tests

# Forking a process that runs threads (the local server's) is the situation under test;
# Python 3.12+ warns about it in general.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")

CHILDREN = 4
ROUNDS = 30
NO_RETRIES = RetryPolicy(total_time=10.0, attempt_timeout=10.0, initial_backoff=60.0, max_backoff=60.0)
"""A first retry would wait longer than a flush may take: every rejection is reported."""

Accounting = tuple[list[str], list[str]]


def publish_and_account(client: EventClient, child: int) -> Accounting:
    """Flush one or seven events per job; the ids this process saw delivered and undelivered."""
    delivered: list[str] = []
    undelivered: list[str] = []
    for round_number in range(ROUNDS):
        session = client.service_session(f"job-{child}-{round_number}")
        ids = publish_tests(session, 7 if round_number % 3 == 0 else 1, prefix=f"c{child}-{round_number}-")
        try:
            session.flush()
            failed = set()
        except PublishError as error:
            failed = {event.data["id"] for event in error.undelivered}
        delivered += [event_id for event_id in ids if event_id not in failed]
        undelivered += [event_id for event_id in ids if event_id in failed]
    return delivered, undelivered


def check_accounting(api: EventsAPIServer, results: list[Accounting]) -> None:
    accepted = Counter(accepted_ids(api))
    delivered = [event_id for result in results for event_id in result[0]]
    undelivered = [event_id for result in results for event_id in result[1]]
    assert undelivered, "the server rejected nothing: the test proves little"
    assert delivered
    reported_but_rejected = sorted(set(delivered) - set(accepted))
    accepted_but_reported_failed = sorted(set(undelivered) & set(accepted))
    assert reported_but_rejected == []
    assert accepted_but_reported_failed == []
    assert sorted(accepted.elements()) == sorted(delivered)  # each delivered event accepted once


@pytest.fixture
def used_client(api: EventsAPIServer) -> EventClient:
    """A client that has a pooled keep-alive connection open when the test forks."""
    client = EventClient(api.url, "TestService", TOPICS, retry=NO_RETRIES)
    warm = client.service_session("job-parent")
    publish_tests(warm, 1, prefix="parent-before-")
    warm.flush()
    api.reset()
    api.faults.random_rejections(seed=11, rate=0.3, kinds=("throttle", "server_error", "partial"))
    return client


def test_children_of_os_fork_each_use_their_own_connections(
    api: EventsAPIServer, used_client: EventClient
) -> None:
    children: list[tuple[int, int]] = []
    go_read, go_write = os.pipe()  # children start together, so they would contend for a shared socket
    for child in range(CHILDREN):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: publish, report, and leave without running pytest's teardown
            os.close(read_end)
            code = 1
            try:
                os.read(go_read, 1)
                report: Any = publish_and_account(used_client, child)
                code = 0
            except BaseException:
                report = traceback.format_exc()
            finally:
                with os.fdopen(write_end, "w") as pipe:
                    json.dump(report, pipe)
                os._exit(code)
        os.close(write_end)
        children.append((pid, read_end))
    os.write(go_write, b"x" * CHILDREN)
    os.close(go_write)
    os.close(go_read)

    results: list[Accounting] = []
    for pid, read_end in children:
        with os.fdopen(read_end) as pipe:
            report = json.load(pipe)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, report
        results.append((report[0], report[1]))

    check_accounting(api, results)
    assert api.connections >= CHILDREN  # each child opened its own

    api.faults.clear()
    after = used_client.service_session("job-parent")
    publish_tests(after, 2, prefix="parent-after-")
    after.flush()  # the parent's own pool still works
    assert accepted_ids(api)[-2:] == ["parent-after-0", "parent-after-1"]


_pool_client: EventClient | None = None
"""The client a multiprocessing worker inherits from the parent (set before the pool forks)."""


def _worker(child: int) -> Accounting:
    assert _pool_client is not None
    return publish_and_account(_pool_client, child)


def test_workers_of_a_multiprocessing_fork_pool_each_use_their_own_connections(
    api: EventsAPIServer, used_client: EventClient
) -> None:
    global _pool_client
    _pool_client = used_client
    try:
        with multiprocessing.get_context("fork").Pool(CHILDREN) as pool:
            results = pool.map(_worker, range(CHILDREN * 2), chunksize=1)
    finally:
        _pool_client = None
    check_accounting(api, results)
