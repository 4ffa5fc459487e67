"""A session forked while a parent thread held its lock is usable in the child (no deadlock)."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

from bc_events import EventSession
from bc_events.testing import EventsAPIServer

from .conftest import MakeClient
from .support import accepted_ids, publish_tests


def run_in_child(session: EventSession, timeout: float = 20.0) -> int:
    """Fork; the child publishes and flushes on ``session``. Its exit code, or -1 if it hung (killed)."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            publish_tests(session, 1, "child")
            session.flush()
            code = 0
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return -1


def test_child_flushes_a_session_whose_flush_lock_a_parent_thread_held(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(attempt_timeout=10.0, total_time=10.0).user_session("user-1", "job-1")
    publish_tests(session, 1, "parent")
    api.faults.delay(1.5)  # the parent's flush waits for its reply, holding the session's flush lock
    flusher = threading.Thread(target=session.flush)
    flusher.start()
    deadline = time.monotonic() + 10
    while api.requests.total() < 1:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert flusher.is_alive()
    assert run_in_child(session) == 0, "the child hung on a lock held by a thread that does not exist in it"
    flusher.join(timeout=30)
    assert Counter(accepted_ids(api)) == Counter({"parent0": 1, "child0": 1})
    assert session.events == []


def test_child_publishes_on_a_session_whose_queue_lock_a_parent_thread_held(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client().user_session("user-1", "job-1")
    queue_lock = session.queue.lock  # type: ignore[attr-defined]
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with queue_lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        assert run_in_child(session) == 0, "the child hung on the queue lock a parent thread held"
    finally:
        release.set()
        holder.join(timeout=30)
    assert Counter(accepted_ids(api)) == Counter({"child0": 1})
