"""Every row of the flush-rules table (bc_events.django.middleware), under WSGI and ASGI.

Each view publishes events ``a``, ``b``, ``c`` in the places its name says; the
Events API must have accepted exactly the expected ones, in order.
"""

from __future__ import annotations

from typing import Any

import pytest
from django_support import SERVERS, accepted_ids, atomic_requests, request

from bc_events.testing import EventsAPIServer

# (view, ATOMIC_REQUESTS, response status, accepted ids)
ROWS = [
    ("outside_ok", False, 200, ["a"]),
    ("outside_4xx", False, 400, []),
    ("raises", False, 500, []),
    ("committed", False, 200, ["a"]),
    ("committed_4xx", False, 409, []),
    ("failed_atomic_caught", False, 200, ["a", "c"]),
    ("set_rollback", False, 200, ["a"]),
    ("savepoint", False, 200, ["a", "c"]),
    # ATOMIC_REQUESTS: the whole view is one transaction, committed before the middleware sees the response.
    ("outside_ok", True, 200, ["a"]),
    ("outside_4xx", True, 400, []),
    ("raises", True, 500, []),
    ("committed", True, 200, ["a"]),
    ("failed_atomic_caught", True, 200, ["a", "c"]),
    ("set_rollback", True, 200, ["a"]),
    ("savepoint", True, 200, ["a", "c"]),
    ("request_set_rollback", True, 200, []),  # the request's transaction rolled back, the response is a 200
    # Several databases: an event waits for every atomic block open when it was published.
    ("other_db_rolled_back", False, 200, ["b"]),
    ("both_dbs_committed", False, 200, ["a"]),
    ("default_rolled_back_other_committed", False, 200, []),
]

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "other"])


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(("view", "atomic", "status", "expected"), ROWS)
@pytest.mark.usefixtures("events_settings")
def test_flush_rule(
    events_api: EventsAPIServer, server: str, view: str, atomic: bool, status: int, expected: list[str]
) -> None:
    with atomic_requests(atomic):
        response = request(server, f"/t/{view}/", {"X-BriteCore-Job-Id": "job-7"})
    assert response.status_code == status
    assert accepted_ids(events_api) == expected
    assert {event.job_id for event in events_api.accepted} <= {"job-7"}


@pytest.mark.parametrize(("view", "expected"), [("async_ok", ["a"]), ("async_raises", [])])
@pytest.mark.usefixtures("events_settings")
def test_async_view_under_asgi(events_api: EventsAPIServer, view: str, expected: list[str]) -> None:
    response = request("asgi", f"/t/{view}/")
    assert response.status_code == (200 if expected else 500)
    assert accepted_ids(events_api) == expected


@pytest.mark.usefixtures("events_settings")
def test_a_view_that_raised_is_a_failure_even_if_a_middleware_answers_200(
    settings: Any, events_api: EventsAPIServer
) -> None:
    settings.MIDDLEWARE = ["flush_views.ForgivingMiddleware", "bc_events.django.EventsMiddleware"]
    response = request("wsgi", "/t/raises/")
    assert (response.status_code, response.content) == (200, b"forgiven")
    assert accepted_ids(events_api) == []
