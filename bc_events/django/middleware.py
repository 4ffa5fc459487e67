"""EventsMiddleware: a session per request, bound as ``current_session()``, flushed if the request succeeded.

Flush rules (an event is *delivered* when the response is sent, *dropped* otherwise):

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

Every database alias is tracked: an event published while atomic blocks are
open on several databases waits for all of them.  How: ``transactions.py``.

A flush that fails after the request succeeded does not change the response:
the undelivered envelopes are logged at ERROR on the ``bc.events`` logger
(enough to replay them) and handed to ``ON_UNDELIVERED``.

Under ASGI the flush runs in a worker thread (``sync_to_async(thread_sensitive=False)``),
so a slow Events API never blocks the event loop; the ``JOB_ID``/``USER_ID``
callables run in Django's sync thread, since they may read ``request.user``.

Trust model: the ``X-BriteCore-Job-Id`` and ``X-BriteCore-User-Id`` headers
are believed as sent.  Deploy the service only behind a gateway that sets (or
strips) them; otherwise any client can publish events in another user's name.
To take the actor from Django's authentication instead, set ``USER_ID`` to a
callable such as ``lambda request: str(request.user.pk) if request.user.is_authenticated else None``
and place the middleware after ``AuthenticationMiddleware``.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase

from bc_events.context import bind_session
from bc_events.django.settings import EventsSettings, events_settings
from bc_events.django.transactions import TransactionQueue, open_transactions
from bc_events.session import EventSession
from bc_events.unit_of_work import finish, open_session, run_off_the_loop

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

logger = logging.getLogger("bc.events")

_FAILED = "_bc_events_view_raised"


class EventsMiddleware:
    """Opens a session per request, binds it as ``current_session()``, flushes it by the flush rules."""

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
        session = _open(config, config.read_ids(request))
        try:
            with bind_session(session):
                response = self.get_response(request)
        except BaseException:
            session.rollback()
            raise
        assert isinstance(response, HttpResponseBase)
        end_request(session, config, succeeded=_succeeded(request, response))
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        config = events_settings()
        if config.reads_ids_with_code:  # they may use the ORM (request.user): not on the event loop
            ids = await sync_to_async(config.read_ids)(request)
        else:
            ids = config.read_ids(request)
        session = _open(config, ids)
        try:
            with bind_session(session):
                response = await self.get_response(request)  # type: ignore[misc]
        except BaseException:
            session.rollback()
            raise
        assert isinstance(response, HttpResponseBase)
        if not _succeeded(request, response):
            session.rollback()
        elif session.events:  # the flush may wait on the network: off the event loop
            await run_off_the_loop(end_request, session, config, succeeded=True)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Remember that the view raised, even if a middleware listed before this one turns it into
        a success.  Django asks ``process_exception`` from the last middleware up and stops at the
        first that answers, so this middleware must come last in ``MIDDLEWARE`` to always be asked."""
        setattr(request, _FAILED, True)


def _open(config: EventsSettings, ids: tuple[str | int | None, str | int | None]) -> EventSession:
    job_id, user_id = ids
    return open_session(config.client.get(), job_id=job_id, user_id=user_id, queue=TransactionQueue())


def _succeeded(request: HttpRequest, response: HttpResponseBase) -> bool:
    return response.status_code < 400 and not getattr(request, _FAILED, False)


def end_request(session: EventSession, config: EventsSettings, *, succeeded: bool) -> None:
    """Flush what the flush rules deliver, then drop the rest; never raises ``PublishError``.

    Events still held back belong to transactions that rolled back, unless a
    transaction opened *before* the request is still open (a ``TestCase``
    runs each test in one): then they are delivered if and when it commits
    (``captureOnCommitCallbacks(execute=True)`` in tests), like in production.
    """
    finish(session, succeeded=succeeded, on_undelivered=config.on_undelivered)
    held_back = len(session.events)
    if not held_back:
        return
    enclosing = open_transactions() if succeeded else []
    if enclosing:
        deliver = functools.partial(finish, session, succeeded=True, on_undelivered=config.on_undelivered)
        for conn in enclosing:
            conn.on_commit(deliver)
        return
    logger.debug(
        "bc_events: dropped %d event(s) of job %s: their transaction rolled back", held_back, session.job_id
    )
    session.rollback()
