"""One view per row of the flush-rules table, and views for the concurrency and failure tests.

Each view publishes ``policies.PolicyCancelled`` events whose ``id`` names where
they were published (``a``, ``b``, ``c``); the tests compare those ids with what
the Events API accepted.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from events_gen import current_session

import bc_events
from bc_events import PublishError


class Oops(Exception):
    """What the views raise on purpose."""


def emit(event_id: str) -> None:
    current_session().cancelled_policy({"id": event_id, "reason": "non_payment", "cancelled_by": 7})


def ok() -> HttpResponse:
    return HttpResponse("ok")


def outside_ok(request: HttpRequest) -> HttpResponse:
    emit("a")
    return ok()


def outside_4xx(request: HttpRequest) -> HttpResponse:
    emit("a")
    return HttpResponse("bad", status=400)


def raises(request: HttpRequest) -> HttpResponse:
    emit("a")
    raise Oops("the view failed")


def committed(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        emit("a")
    return ok()


def committed_4xx(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        emit("a")
    return HttpResponse("conflict", status=409)


def failed_atomic_caught(request: HttpRequest) -> HttpResponse:
    emit("a")
    try:
        with transaction.atomic():
            emit("b")
            raise Oops("inside the block")
    except Oops:
        pass
    emit("c")
    return ok()


def set_rollback(request: HttpRequest) -> HttpResponse:
    emit("a")
    with transaction.atomic():
        emit("b")
        transaction.set_rollback(True)
    return ok()


def savepoint(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        emit("a")
        try:
            with transaction.atomic():
                emit("b")
                raise Oops("inside the savepoint")
        except Oops:
            pass
        emit("c")
    return ok()


def request_set_rollback(request: HttpRequest) -> HttpResponse:
    """Under ATOMIC_REQUESTS: the request's own transaction is rolled back, the response is a 200."""
    emit("a")
    transaction.set_rollback(True)
    return ok()


def other_db_rolled_back(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(using="other"):
        emit("a")
        transaction.set_rollback(True, using="other")
    emit("b")
    return ok()


def both_dbs_committed(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), transaction.atomic(using="other"):
        emit("a")
    return ok()


def default_rolled_back_other_committed(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        with transaction.atomic(using="other"):
            emit("a")
        transaction.set_rollback(True)
    return ok()


async def async_ok(request: HttpRequest) -> HttpResponse:
    emit("a")
    await asyncio.sleep(0)
    return ok()


async def async_raises(request: HttpRequest) -> HttpResponse:
    emit("a")
    raise Oops("the async view failed")


RENDEZVOUS: list[threading.Barrier] = []
"""Set by a test: ``whoami?rendezvous=1`` waits there, so that all those requests are in flight at once."""


def whoami(request: HttpRequest) -> JsonResponse:
    """The bound session as the view sees it; publishes its job id (``?rendezvous=1``: with the others)."""
    session = current_session()
    if request.GET.get("rendezvous"):
        RENDEZVOUS[0].wait(timeout=60)
    emit(session.job_id)
    if request.GET.get("fail"):
        raise Oops("after publishing")
    return JsonResponse(
        {
            "session": id(session),
            "job_id": session.job_id,
            "actor": [session.actor_id, session.actor_type],
            "thread": threading.get_ident(),
        }
    )


async def quiet(request: HttpRequest) -> HttpResponse:
    """Publishes nothing."""
    return ok()


def untyped(request: HttpRequest) -> HttpResponse:
    """With ``TOPICS`` (the untyped client): the session is a plain ``bc_events.EventSession``."""
    session = bc_events.current_session()
    with transaction.atomic():
        session.publish(
            action="Cancelled", entity="Policy", data={"id": "a", "reason": "non_payment", "cancelled_by": 1}
        )
    session.policy_cancelled({"id": "b", "reason": "non_payment", "cancelled_by": 1})
    return ok()


undelivered: list[PublishError] = []


LATE: list[BaseException | None] = []
"""What a publish after the request was over raised (None: it was taken)."""
LATE_DONE = threading.Event()


def _publish_late() -> None:
    time.sleep(0.2)  # the response has been sent by now
    try:
        emit("late")
        LATE.append(None)
    except Exception as error:
        LATE.append(error)
    finally:
        LATE_DONE.set()


def late_thread(request: HttpRequest) -> HttpResponse:
    """Publishes, then starts background work in a copy of its context that publishes after the response."""
    LATE.clear()
    LATE_DONE.clear()
    emit("in-time")
    threading.Thread(target=contextvars.copy_context().run, args=(_publish_late,)).start()
    return ok()


def record_undelivered(error: PublishError) -> None:
    """The ON_UNDELIVERED hook of the failure tests."""
    undelivered.append(error)


def user_from_attribute(request: HttpRequest) -> str | None:
    """A USER_ID callable: what an authentication middleware put on the request (here: a query param)."""
    return request.GET.get("user")


VIEWS: dict[str, Callable[..., object]] = {
    view.__name__: view
    for view in (
        outside_ok,
        outside_4xx,
        raises,
        committed,
        committed_4xx,
        failed_atomic_caught,
        set_rollback,
        savepoint,
        request_set_rollback,
        other_db_rolled_back,
        both_dbs_committed,
        default_rolled_back_other_committed,
        async_ok,
        async_raises,
        whoami,
        quiet,
        untyped,
        late_thread,
    )
}


class ForgivingMiddleware:
    """Turns the views' ``Oops`` into a 200 (placed before EventsMiddleware, it sees the exception last)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return HttpResponse("forgiven") if isinstance(exception, Oops) else None
