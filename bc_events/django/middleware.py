"""EventsMiddleware: a unit of work per request, its session bound as ``current_session()``.

The request's work succeeded when the response is below 400 and the view
raised nothing; it is over when the response leaves the middleware.  Then the
unit of work (``bc_events.unit_of_work``) commits or rolls back, and the session
is closed: a thread the view started that publishes later gets
``SessionClosedError``.  Committing hands the events to the client's background
deliverer and returns, so the response never waits for the Events API
(``SYNC: True`` flushes in the request instead, for tests and scripts).

Flush rules (an event is *delivered* when the request commits, *dropped* otherwise):

==========================================================================  =========
What happened                                                               Event
==========================================================================  =========
published outside any ``atomic()``, response < 400, view raised nothing     delivered
published anywhere, response >= 400 or the view raised                      dropped
published inside ``atomic()`` (or ``ATOMIC_REQUESTS``) that committed       delivered
published inside ``atomic()`` that rolled back (exception, or               dropped
``set_rollback(True)``), even if the view caught the exception and succeeded
published inside a nested ``atomic()`` (savepoint) rolled back, while the   dropped
outer transaction committed
published in the outer block of that transaction, before or after the       delivered
savepoint
==========================================================================  =========

In outbox mode (``BC_EVENTS["OUTBOX"]``) the events become outbox rows instead,
and the relay delivers them; where and when a row is written:
``bc_events.django.outbox_queue``.

Every database alias is tracked: an event published while atomic blocks are
open on several databases waits for all of them.  How: ``transactions.py``.

Events that cannot be delivered after the request succeeded do not change
the response: the undelivered envelopes are logged at ERROR on the
``bc.events`` logger (enough to replay them) and handed to ``ON_UNDELIVERED``.

Under ASGI the commit runs in a worker thread, never blocking the event loop;
the ``JOB_ID``/``USER_ID`` callables run in Django's sync thread, since they may
read ``request.user``.

Trust model: the ``X-BriteCore-Job-Id`` and ``X-BriteCore-User-Id`` headers
are believed as sent.  Deploy the service only behind a gateway that sets (or
strips) them; otherwise any client can publish events in another user's name.
To take the actor from Django's authentication instead, set ``USER_ID`` to a
callable such as ``lambda request: str(request.user.pk) if request.user.is_authenticated else None``
and place the middleware after ``AuthenticationMiddleware``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase

from bc_events.django.outbox_queue import OutboxQueue
from bc_events.django.settings import EventsSettings, events_settings
from bc_events.django.transactions import TransactionQueue, open_transactions
from bc_events.queue import EventQueue
from bc_events.unit_of_work import UnitOfWork, run_off_the_loop

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

logger = logging.getLogger("bc.events")

_FAILED = "_bc_events_view_raised"


class EventsMiddleware:
    """Opens a unit of work per request, binds its session, commits it by the flush rules."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        events_settings()  # a settings mistake stops the start-up, not the first request

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self._acall(request)
        config = events_settings()
        work = _open(config, config.read_ids(request))
        try:
            with work.bound():
                response = self.get_response(request)
        except BaseException:
            work.abort()
            raise
        assert isinstance(response, HttpResponseBase)
        end_request(work, succeeded=_succeeded(request, response))
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        config = events_settings()
        if config.reads_ids_with_code:  # they may use the ORM (request.user): not on the event loop
            ids = await sync_to_async(config.read_ids)(request)
        else:
            ids = config.read_ids(request)
        work = _open(config, ids)
        try:
            with work.bound():
                response = await self.get_response(request)  # type: ignore[misc]
        except BaseException:
            work.abort()
            raise
        assert isinstance(response, HttpResponseBase)
        if not _succeeded(request, response) or not len(work.session.queue):
            work.end(succeeded=False)  # nothing to commit: spare the request a hop to a thread
        else:  # a sync flush, or a wait for room in a full deliverer: off the event loop
            await run_off_the_loop(end_request, work, succeeded=True)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Remember that the view raised, even if a middleware listed before this one turns it into
        a success.  Django asks ``process_exception`` from the last middleware up and stops at the
        first that answers, so this middleware must come last in ``MIDDLEWARE`` to always be asked."""
        setattr(request, _FAILED, True)


def _open(config: EventsSettings, ids: tuple[str | int | None, str | int | None]) -> UnitOfWork:
    job_id, user_id = ids
    outbox = config.outbox
    queue: EventQueue = TransactionQueue() if outbox is None else OutboxQueue(outbox.database, outbox.topics)
    return UnitOfWork(
        config.client.get(),
        job_id=job_id,
        user_id=user_id,
        queue=queue,
        on_undelivered=config.on_undelivered,
        sync=config.sync,
    )


def _succeeded(request: HttpRequest, response: HttpResponseBase) -> bool:
    return response.status_code < 400 and not getattr(request, _FAILED, False)


def end_request(work: UnitOfWork, *, succeeded: bool) -> None:
    """Commit what the flush rules deliver, then drop the rest; never raises ``PublishError``.

    Events still held back belong to transactions that rolled back, unless a
    transaction opened *before* the request is still open (a ``TestCase``
    runs each test in one): then they are delivered if and when it commits
    (``captureOnCommitCallbacks(execute=True)`` in tests), like in production.
    """
    work.end(succeeded=succeeded)
    held_back = len(work.session.queue)
    if not held_back:
        return
    enclosing = open_transactions() if succeeded else []
    if enclosing:
        for conn in enclosing:
            conn.on_commit(work.deliver)
        return
    logger.debug(
        "bc_events: dropped %d event(s) of job %s: their transaction rolled back",
        held_back,
        work.session.job_id,
    )
    work.session.rollback()
