"""The steps every integration shares: open a session, then flush or roll back, never raising."""

from __future__ import annotations

import json
import logging
import threading
import uuid

import pytest

from bc_events import EventClient, PublishError
from bc_events.testing import EventsAPIServer
from bc_events.unit_of_work import LazyClient, finish, open_session


def test_open_session_is_the_user_s_when_a_user_is_known(client: EventClient) -> None:
    session = open_session(client, job_id="job-1", user_id="user-7")
    assert (session.actor_id, session.actor_type, session.job_id) == ("user-7", "user", "job-1")


def test_open_session_is_the_service_s_with_a_new_job_id_otherwise(client: EventClient) -> None:
    first = open_session(client, job_id=None, user_id=None)
    second = open_session(client, job_id="", user_id="")
    assert (first.actor_id, first.actor_type) == ("TestService", "service")
    assert uuid.UUID(first.job_id).version == 4
    assert first.job_id != second.job_id


@pytest.mark.parametrize(("job_id", "user_id"), [("job\r\nx: y", "user\n1"), ("j\u00f6b", "\x00")])
def test_unusable_ids_from_headers_are_replaced_with_a_warning(
    client: EventClient, job_id: str, user_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bc.events"):
        session = open_session(client, job_id=job_id, user_id=user_id)
    assert session.actor_type == "service"
    assert uuid.UUID(session.job_id).version == 4
    assert sum("ignoring an unusable" in record.getMessage() for record in caplog.records) == 2


def test_finish_flushes_work_that_succeeded_and_drops_work_that_failed(
    client: EventClient, api: EventsAPIServer
) -> None:
    succeeded, failed = (open_session(client, job_id=job, user_id=None) for job in ("ok", "failed"))
    for session in (succeeded, failed):
        session.created_test({"id": session.job_id})
    finish(succeeded, succeeded=True)
    finish(failed, succeeded=False)
    assert [event.data for event in api.accepted] == [{"id": "ok"}]
    assert failed.events == []


def test_a_failed_flush_is_logged_with_its_envelopes_and_handed_to_the_callback(
    client: EventClient, api: EventsAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    api.faults.reject(times=1)
    session = open_session(client, job_id="job-9", user_id="user-1")
    session.created_test({"id": "lost?"})
    seen: list[PublishError] = []
    with caplog.at_level(logging.ERROR, logger="bc.events"):
        finish(session, succeeded=True, on_undelivered=seen.append)
    [error] = seen
    assert [event.data for event in error.rejected] == [{"id": "lost?"}]  # a 400 ValidationException
    [record] = [r for r in caplog.records if "not delivered after the work succeeded" in r.getMessage()]
    envelope = json.loads(record.getMessage().splitlines()[-1])
    assert envelope["data"] == {"id": "lost?"}
    assert session.events == [], "the unit of work is over: the session must not keep them"
    assert api.accepted == []


def test_a_raising_callback_is_logged_not_raised(
    client: EventClient, api: EventsAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    api.faults.reject(times=1)
    session = open_session(client, job_id="job-9", user_id=None)
    session.created_test({"id": "x"})

    def broken(error: PublishError) -> None:
        raise RuntimeError("callback bug")

    with caplog.at_level(logging.ERROR, logger="bc.events"):
        finish(session, succeeded=True, on_undelivered=broken)
    assert any("on_undelivered callback raised" in r.getMessage() for r in caplog.records)


def test_lazy_client_builds_one_client_under_concurrent_first_use(api: EventsAPIServer) -> None:
    built: list[EventClient] = []
    barrier = threading.Barrier(16)

    def factory() -> EventClient:
        client = EventClient(api.url, "TestService", {"DefaultCategory": "testing", "Topics": []})
        built.append(client)
        return client

    lazy = LazyClient(factory)
    got: list[EventClient] = []

    def use() -> None:
        barrier.wait()
        got.append(lazy.get())

    threads = [threading.Thread(target=use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert got == built * 16
    built[0].close()


def test_lazy_client_of_takes_a_client_as_is_or_a_factory_called_once(client: EventClient) -> None:
    assert LazyClient.of(client).get() is client
    calls: list[int] = []

    def factory() -> EventClient:
        calls.append(1)
        return client

    lazy = LazyClient.of(factory)
    assert calls == []
    assert lazy.get() is lazy.get() is client
    assert calls == [1]
