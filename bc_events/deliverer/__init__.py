"""The per-process deliverer: committed units of work are delivered by a background thread, never inline.

An integration's commit hands its session's events to ``Deliverer.submit``,
which queues them and returns at once, so a request or task never waits for the
Events API.  Daemon threads (one on first use, more while all are busy, up to
``threads``; again in a forked child: a child inherits no threads) send the
queued batches through the client's transport (sharing its connection pool),
oldest first.

Bounds (``DelivererLimits``, defaults in brackets):

* the queue holds at most ``max_events`` [10,000] events and ``max_bytes``
  [8 MiB] of event bodies; when a commit does not fit, it waits at most
  ``full_wait`` [0.05 s] for room, then its events are reported undelivered;
* each batch is sent within ``total_time`` of the client's ``RetryPolicy``
  counted from its commit, not from when the thread gets to it: a batch whose
  time is up is reported without being sent, and the send ends by then, a
  request on the wire included (the transport's ``send`` is given the batch's
  ``deadline``; a custom transport whose ``send`` does not declare it only
  stops starting requests once the time is up, and a request already on the
  wire ends within its ``attempt_timeout``);
* ``threads`` [4] jobs' batches are sent at once (each job's events need requests
  of their own, so one thread would cap a service at one request's latency);
  the queued commits of one job go out together, in order, in one send (bulk
  requests), and failures are reported to the commit each event came from;
* at interpreter exit (``atexit``; gunicorn, uvicorn and Celery workers exit
  normally on SIGTERM) the thread gets at most ``shutdown_time`` [5 s] to
  drain what is queued; what is left is reported undelivered.

"Reported undelivered" means: an ERROR on the ``bc.events`` logger with the
envelopes (enough to replay them), then the commit's ``on_undelivered``
callback, called in the deliverer's thread.  Events that must survive the
process belong in the outbox, not here.

The parts: ``limits`` (the bounds and what "reported undelivered" does),
``backlog`` (the queue of committed batches and its counts, no threads) and
``threads`` (the sending threads, closing, and the process's exit and forks).
"""

from bc_events.deliverer.limits import DelivererLimits, OnUndelivered, report_undelivered
from bc_events.deliverer.threads import Deliverer, wait_all_delivered

__all__ = ["Deliverer", "DelivererLimits", "OnUndelivered", "report_undelivered", "wait_all_delivered"]
