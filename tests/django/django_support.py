"""Requests through Django's real test clients: WSGI (``Client``) and ASGI (``AsyncClient``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connections
from django.http import HttpResponseBase
from django.test import AsyncClient, Client

from bc_events.deliverer import wait_all_delivered
from bc_events.testing import EventsAPIServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "generated_example" / "django_project"
SERVERS = ("wsgi", "asgi")


def request(server: str, path: str, headers: dict[str, str] | None = None, **data: str) -> HttpResponseBase:
    """GET ``path`` through the WSGI or the ASGI handler (a new client each time, like a new connection).

    Returns once the background deliverer has sent (or reported) what the request committed.
    """
    response: HttpResponseBase
    if server == "wsgi":
        response = Client(raise_request_exception=False).get(path, data, headers=headers)
    else:
        client = AsyncClient(raise_request_exception=False)
        response = asyncio.run(client.get(path, data, headers=headers))
    assert wait_all_delivered(30.0), "the deliverer did not finish"
    return response


def accepted_ids(api: EventsAPIServer) -> list[str]:
    return [event.data["id"] for event in api.accepted]


@contextmanager
def atomic_requests(enabled: bool, alias: str = "default") -> Iterator[None]:
    """``ATOMIC_REQUESTS`` for one database while the block runs (Django reads it per request)."""
    database: dict[str, Any] = connections.settings[alias]
    before = database["ATOMIC_REQUESTS"]
    database["ATOMIC_REQUESTS"] = enabled
    try:
        yield
    finally:
        database["ATOMIC_REQUESTS"] = before
