"""Every row of the flush-rules table (bc_events.django.middleware), under WSGI and ASGI.

Each view publishes events ``a``, ``b``, ``c`` in the places its name says; the
Events API must have accepted exactly the expected ones, in order.
"""

from __future__ import annotations

import pytest
from django_support import SERVERS, accepted_ids, atomic_requests, request

from bc_events.testing import EventsAPIServer

# (view, ATOMIC_REQUESTS, accepted ids)
ROWS = [
    ("outside_ok", False, ["a"]),
    ("outside_4xx", False, []),
    ("raises", False, []),
    ("committed", False, ["a"]),
    ("committed_4xx", False, []),
    ("failed_atomic_caught", False, ["a", "c"]),
    ("set_rollback", False, ["a"]),
    ("savepoint", False, ["a", "c"]),
    # ATOMIC_REQUESTS: the whole view is one transaction, committed before the middleware sees the response.
    ("outside_ok", True, ["a"]),
    ("outside_4xx", True, []),
    ("raises", True, []),
    ("committed", True, ["a"]),
    ("failed_atomic_caught", True, ["a", "c"]),
    ("set_rollback", True, ["a"]),
    ("savepoint", True, ["a", "c"]),
    ("request_set_rollback", True, []),
    # Several databases: an event waits for every atomic block open when it was published.
    ("other_db_rolled_back", False, ["b"]),
    ("both_dbs_committed", False, ["a"]),
    ("default_rolled_back_other_committed", False, []),
]

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "other"])


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(("view", "atomic", "expected"), ROWS)
@pytest.mark.usefixtures("events_settings")
def test_flush_rule(
    events_api: EventsAPIServer, server: str, view: str, atomic: bool, expected: list[str]
) -> None:
    with atomic_requests(atomic):
        response = request(server, f"/t/{view}/", {"X-BriteCore-Job-Id": "job-7"})
    assert response.status_code < 400 or expected == []
    assert accepted_ids(events_api) == expected
    assert {event.job_id for event in events_api.accepted} <= {"job-7"}


@pytest.mark.parametrize(("view", "expected"), [("async_ok", ["a"]), ("async_raises", [])])
@pytest.mark.usefixtures("events_settings")
def test_async_view_under_asgi(events_api: EventsAPIServer, view: str, expected: list[str]) -> None:
    response = request("asgi", f"/t/{view}/")
    assert response.status_code == (200 if expected else 500)
    assert accepted_ids(events_api) == expected
