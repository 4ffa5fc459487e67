"""The deliverer's sending threads, its closing, and what the process's exit and forks do to it.

See ``bc_events.deliverer`` for the bounds it keeps.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

from bc_events.deliverer.backlog import Backlog, Commit
from bc_events.deliverer.limits import DelivererLimits, OnUndelivered, report_undelivered
from bc_events.delivery.progress import declares_keyword
from bc_events.errors import PublishError
from bc_events.event import Event
from bc_events.transport import Transport

__all__ = ["Deliverer", "wait_all_delivered"]

_live: weakref.WeakSet[Deliverer] = weakref.WeakSet()

_LINGER = 0.02
"""Seconds an idle thread waits after being woken before it sends: commits arriving meanwhile
cost no thread switch each (which on a busy machine is what a hand-over costs most)."""


class Deliverer:
    """A bounded queue of committed batches and the daemon threads that send them (``bc_events.deliverer``).

    One per client (``EventClient.deliverer``); safe to use from any thread, and
    in a forked child (which starts with an empty queue: the parent sends what
    it had queued).
    """

    def __init__(
        self, transport: Transport, total_time: float, limits: DelivererLimits | None = None
    ) -> None:
        self.transport = transport
        self.total_time = total_time
        self.limits = limits or DelivererLimits()
        self._start_afresh()
        _live.add(self)

    def _start_afresh(self) -> None:
        """Empty state: at creation, and in a forked child (no thread of the parent exists there)."""
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # threads wait here for a batch to send
        self._room = threading.Condition(self._lock)  # commits wait here for room in a full queue
        self._idle = threading.Condition(self._lock)  # wait_delivered() waits here for nothing left
        self._idle_threads = 0
        self._backlog = Backlog()
        self._threads: list[threading.Thread] = []
        self._stop_at: float | None = None  # the drain's deadline, once the process is exiting
        self._closed = False

    def submit(
        self,
        events: Sequence[Event],
        *,
        job_id: str,
        on_undelivered: OnUndelivered | None = None,
        committed_at: float | None = None,
        wait: float | None = None,
    ) -> bool:
        """Queue ``events`` for delivery and return True at once, or after at most ``wait`` seconds.

        ``wait`` defaults to ``limits.full_wait``.  If the queue has no room by
        then (or the deliverer is closed), the events are reported undelivered
        here and False is returned.  ``committed_at`` (``time.monotonic()``,
        default now) starts the batch's ``total_time``.
        """
        item = self._item(events, job_id, on_undelivered, committed_at)
        if self._put(item, self.limits.full_wait if wait is None else wait):
            return True
        reason = (
            "the deliverer is closed (the client was closed or the process is exiting)"
            if self._closed
            else f"the deliverer's queue stayed full for {self.limits.full_wait:g}s "
            f"(at most {self.limits.max_events} events / {self.limits.max_bytes} bytes wait for delivery)"
        )
        self._report(item, PublishError(reason, item.events))
        return False

    def offer(
        self,
        events: Sequence[Event],
        *,
        job_id: str,
        on_undelivered: OnUndelivered | None = None,
        committed_at: float | None = None,
    ) -> bool:
        """Queue ``events`` if there is room now; False (nothing reported, nothing queued) otherwise."""
        return self._put(self._item(events, job_id, on_undelivered, committed_at), 0.0)

    @property
    def queued(self) -> tuple[int, int]:
        """``(events, bytes)`` waiting in the queue now (not counting the batches on the wire)."""
        return self._backlog.events, self._backlog.bytes

    def wait_delivered(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted was delivered or reported; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._backlog.idle:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self, timeout: float | None = None) -> None:
        """Send what is queued within ``timeout`` (default ``limits.shutdown_time``); report the rest."""
        self._begin_close(time.monotonic() + (self.limits.shutdown_time if timeout is None else timeout))
        self._end_close()

    def _item(
        self, events: Sequence[Event], job_id: str, on_undelivered: OnUndelivered | None, at: float | None
    ) -> Commit:
        start = time.monotonic() if at is None else at
        return Commit.of(events, job_id, start + self.total_time, on_undelivered)

    def _put(self, item: Commit, wait: float) -> bool:
        with self._lock:
            if self._closed:
                return False
            end = time.monotonic() + wait
            while not self._backlog.fits(item, self.limits):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._room.wait(left)
            self._backlog.append(item)
            if item.job_id in self._backlog.busy:
                pass  # the thread sending this job's last commit takes this one next
            elif self._idle_threads:
                self._work.notify()
            elif len(self._threads) < self.limits.threads:  # all busy: one more, up to the limit
                thread = threading.Thread(
                    target=self._run, name=f"bc-events-deliverer-{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            return True

    def _run(self) -> None:
        while True:
            with self._lock:
                batch = self._take()
                while not batch:
                    if self._stop_at is not None and not self._backlog.queue:
                        return
                    self._idle_threads += 1
                    try:
                        self._work.wait()
                    finally:
                        self._idle_threads -= 1
                    if self._stop_at is None:
                        # Woken from idle: linger a moment (not idle, so commits meanwhile wake
                        # nobody), then send what came together; one wake-up per burst, not per commit.
                        self._lock.release()
                        try:
                            time.sleep(_LINGER)
                        finally:
                            self._lock.acquire()
                    batch = self._take()
            try:
                self._send(batch)
            finally:
                with self._lock:
                    self._backlog.finished(batch)
                    if self._backlog.idle:
                        self._idle.notify_all()

    def _take(self) -> list[Commit]:
        batch = self._backlog.take()
        if batch:
            self._room.notify_all()
        return batch

    def _send(self, batch: list[Commit]) -> None:
        deadline = min(item.deadline for item in batch)

        def cancelled() -> bool:
            now = time.monotonic()
            return now >= deadline or (self._stop_at is not None and now >= self._stop_at)

        events = [event for item in batch for event in item.events]
        try:
            if cancelled():
                raise PublishError(self._late(), events)
            if declares_keyword(self.transport, "deadline"):
                # The send itself ends by the batch's deadline, a request on the wire included.
                ends = deadline if self._stop_at is None else min(deadline, self._stop_at)
                send: Any = self.transport.send
                send(events, cancelled=cancelled, deadline=ends)
            else:
                self.transport.send(events, cancelled=cancelled)
        except PublishError as error:
            failed = PublishError(self._late(), error.undelivered, error.rejected) if cancelled() else error
            self._report_each(batch, failed)
        except Exception as error:  # a transport's bug must not kill the thread
            self._report_each(
                batch, PublishError(f"the transport raised {type(error).__name__}: {error}", events)
            )
        else:
            with self._lock:
                for item in batch:
                    item.done = True

    def _report_each(self, batch: list[Commit], error: PublishError) -> None:
        """Report to each commit the events of ``error`` that were its own; the rest were delivered."""
        undelivered = {id(event) for event in error.undelivered}
        rejected = {id(event) for event in error.rejected}
        for item in batch:
            mine = [event for event in item.events if id(event) in undelivered]
            refused = [event for event in item.events if id(event) in rejected]
            if mine or refused:
                self._report(item, PublishError(error.reason, mine, refused))
            else:
                with self._lock:
                    item.done = True

    def _late(self) -> str:
        if self._stop_at is not None and time.monotonic() >= self._stop_at:
            return (
                "the deliverer was closing (its client was closed, or the process exiting) and "
                f"shutdown_time ({self.limits.shutdown_time:g}s) was up"
            )
        return f"total_time ({self.total_time:g}s) from the commit was up before they could be sent"

    def _report(self, item: Commit, error: PublishError) -> None:
        with self._lock:
            if item.done:
                return
            item.done = True
        report_undelivered(item.job_id, error, item.on_undelivered)

    def _begin_close(self, stop_at: float) -> None:
        with self._lock:
            self._stop_at = stop_at if self._stop_at is None else min(stop_at, self._stop_at)
            self._work.notify_all()

    def _end_close(self) -> None:
        assert self._stop_at is not None
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, self._stop_at - time.monotonic()) + 0.05)
        with self._lock:
            self._closed = True
            left = self._backlog.clear()
            for condition in (self._work, self._room, self._idle):
                condition.notify_all()
        for item in left:
            self._report(item, PublishError(self._late(), item.events))


def wait_all_delivered(timeout: float = 10.0) -> bool:
    """Wait until every deliverer of this process has nothing queued or in flight (for tests).

    False if ``timeout`` seconds passed first.
    """
    deadline = time.monotonic() + timeout
    return all(deliverer.wait_delivered(max(0.0, deadline - time.monotonic())) for deliverer in list(_live))


def _close_all_at_exit() -> None:
    """Drain every deliverer of this process at once, each within its ``shutdown_time``."""
    deliverers = list(_live)
    now = time.monotonic()
    for deliverer in deliverers:
        deliverer._begin_close(now + deliverer.limits.shutdown_time)
    for deliverer in deliverers:
        deliverer._end_close()


def _afresh_in_child() -> None:
    for deliverer in list(_live):
        deliverer._start_afresh()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_afresh_in_child)
