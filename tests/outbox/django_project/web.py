"""Views of the outbox test project: each writes a model row and publishes events in its request."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path

from bc_events import current_session


class Refused(Exception):
    pass


def publish(request: HttpRequest, name: str) -> HttpResponse:
    """A model row and 3 events; ``?fail`` raises after both."""
    ContentType.objects.create(app_label="shop", model=name)
    for n in range(3):
        current_session().publish(action="Created", entity="Test", data={"n": n})
    if "fail" in request.GET:
        raise Refused(name)
    return HttpResponse("ok")


def savepoint(request: HttpRequest, name: str) -> HttpResponse:
    """Events 0 and 2 in the request's transaction, 1 (and a model row) in a savepoint rolled back."""
    ContentType.objects.create(app_label="shop", model=name)
    current_session().publish(action="Created", entity="Test", data={"n": 0})
    try:
        with transaction.atomic():
            ContentType.objects.create(app_label="shop", model=name + "-inner")
            current_session().publish(action="Created", entity="Test", data={"n": 1})
            raise Refused(name)
    except Refused:
        pass
    current_session().publish(action="Created", entity="Test", data={"n": 2})
    return HttpResponse("ok")


@transaction.non_atomic_requests
def outside(request: HttpRequest, name: str) -> HttpResponse:
    """No transaction open: the events are written when the request commits (one INSERT)."""
    ContentType.objects.create(app_label="shop", model=name)
    for n in range(3):
        current_session().publish(action="Created", entity="Test", data={"n": n})
    if "fail" in request.GET:
        return HttpResponse("no", status=400)
    return HttpResponse("ok")


@transaction.non_atomic_requests
def explicit(request: HttpRequest, name: str) -> HttpResponse:
    """Explicit atomic blocks: event 0 in one that commits, 1 in one that rolls back, 2 in neither."""
    with transaction.atomic():
        ContentType.objects.create(app_label="shop", model=name)
        current_session().publish(action="Created", entity="Test", data={"n": 0})
    try:
        with transaction.atomic():
            ContentType.objects.create(app_label="shop", model=name + "-undone")
            current_session().publish(action="Created", entity="Test", data={"n": 1})
            raise Refused(name)
    except Refused:
        pass
    current_session().publish(action="Created", entity="Test", data={"n": 2})
    return HttpResponse("ok")


@transaction.non_atomic_requests
async def in_async(request: HttpRequest, name: str) -> HttpResponse:
    """An async view (no ATOMIC_REQUESTS there): its events are written when the request commits."""
    await ContentType.objects.acreate(app_label="shop", model=name)
    for n in range(3):
        current_session().publish(action="Created", entity="Test", data={"n": n})
    return HttpResponse("ok")


@transaction.non_atomic_requests
def two_databases(request: HttpRequest, name: str) -> HttpResponse:
    """The outbox in ``other``: event 0 in its block; 1 and 2 wait for blocks on ``default``."""
    with transaction.atomic(using="other"):
        current_session().publish(action="Created", entity="Test", data={"n": 0})
    try:
        with transaction.atomic(using="default"):
            current_session().publish(action="Created", entity="Test", data={"n": 1})
            raise Refused(name)
    except Refused:
        pass
    with transaction.atomic(using="default"):
        ContentType.objects.create(app_label="shop", model=name)
        current_session().publish(action="Created", entity="Test", data={"n": 2})
    return HttpResponse("ok")


def mixed(request: HttpRequest, name: str) -> HttpResponse:
    """A Created and a Deleted event: with ``OUTBOX_TOPICS`` only one of them is in the outbox."""
    ContentType.objects.create(app_label="shop", model=name)
    current_session().publish(action="Created", entity="Test", data={"n": 0})
    current_session().publish(action="Deleted", entity="Test", data={"n": 1})
    return HttpResponse("ok")


urlpatterns = [
    path("publish/<str:name>/", publish),
    path("savepoint/<str:name>/", savepoint),
    path("outside/<str:name>/", outside),
    path("explicit/<str:name>/", explicit),
    path("async/<str:name>/", in_async),
    path("two-databases/<str:name>/", two_databases),
    path("mixed/<str:name>/", mixed),
]
