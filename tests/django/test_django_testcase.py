"""Inside a test transaction (Django's ``TestCase``, pytest-django's plain ``django_db``).

Each test runs in a transaction that is rolled back at its end, so nothing
ever commits: events wait for that transaction, and are delivered when a test
runs the on-commit callbacks (``captureOnCommitCallbacks(execute=True)``), as
they would be after a real commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_support import accepted_ids

from bc_events.deliverer import wait_all_delivered
from bc_events.testing import EventsAPIServer


@pytest.mark.django_db
@pytest.mark.usefixtures("events_settings")
def test_events_wait_for_the_test_transaction_and_follow_the_flush_rules(
    events_api: EventsAPIServer, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = Client(raise_request_exception=False)
    with django_capture_on_commit_callbacks(execute=True):
        for view in ("committed", "set_rollback", "savepoint", "outside_4xx", "raises"):
            client.get(f"/t/{view}/", headers={"X-BriteCore-Job-Id": view})
        assert wait_all_delivered()
        assert events_api.accepted == [], "nothing has committed yet"
    assert wait_all_delivered()  # the commit handed them to the background deliverer
    # Requests are delivered in parallel: in order within each job, in any order across jobs.
    assert sorted((event.job_id, event.data["id"]) for event in events_api.accepted) == [
        ("committed", "a"),
        ("savepoint", "a"),
        ("savepoint", "c"),
        ("set_rollback", "a"),
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("events_settings")
def test_a_test_transaction_that_never_commits_sends_nothing(events_api: EventsAPIServer) -> None:
    assert Client().get("/t/committed/").status_code == 200
    assert wait_all_delivered()
    assert accepted_ids(events_api) == []
