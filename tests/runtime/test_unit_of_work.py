"""The lifecycle every integration shares (UnitOfWork): open, bind, commit or abort once, closed."""

from __future__ import annotations

import json
import logging
import threading
import uuid

import pytest

from bc_events import EventClient, PublishError, SessionClosedError, current_session
from bc_events.testing import EventsAPIServer
from bc_events.unit_of_work import LazyClient, UnitOfWork, open_session


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


@pytest.mark.parametrize("sync", [False, True], ids=["deliverer", "sync"])
def test_commit_delivers_work_that_succeeded_and_abort_drops_work_that_failed(
    client: EventClient, api: EventsAPIServer, sync: bool
) -> None:
    succeeded, failed = (UnitOfWork(client, job_id=job, user_id=None, sync=sync) for job in ("ok", "failed"))
    for work in (succeeded, failed):
        work.session.created_test({"id": work.session.job_id})
    succeeded.commit()
    failed.abort()
    assert client.wait_delivered(10)
    assert [event.data for event in api.accepted] == [{"id": "ok"}]
    assert failed.session.events == []


@pytest.mark.parametrize("end", ["commit", "abort"])
def test_after_its_end_the_session_refuses_to_publish_naming_the_job(client: EventClient, end: str) -> None:
    work = UnitOfWork(client, job_id="job-late", user_id=None)
    getattr(work, end)()
    with pytest.raises(SessionClosedError) as raised:
        work.session.created_test({"id": "late"})
    assert isinstance(raised.value, RuntimeError)
    message = str(raised.value)
    assert "job 'job-late'" in message
    assert "is over" in message
    assert "open a session of its own" in message
    assert work.session.events == []


def test_only_the_first_end_counts(client: EventClient, api: EventsAPIServer) -> None:
    work = UnitOfWork(client, job_id="job-1", user_id=None)
    work.session.created_test({"id": "a"})
    work.commit()
    work.abort()  # too late: the events were handed over
    work.commit()
    assert client.wait_delivered(10)
    assert [event.data for event in api.accepted] == [{"id": "a"}]


def test_as_a_with_block_it_binds_then_commits_or_aborts(client: EventClient, api: EventsAPIServer) -> None:
    with UnitOfWork(client, job_id="job-1", user_id="user-1") as session:
        assert current_session() is session
        session.created_test({"id": "kept"})

    def failing_work() -> None:
        with UnitOfWork(client, job_id="job-2", user_id=None) as failing:
            failing.created_test({"id": "dropped"})
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        failing_work()
    assert client.wait_delivered(10)
    assert [(event.job_id, event.data) for event in api.accepted] == [("job-1", {"id": "kept"})]
    assert session.closed is not None


def test_a_plain_session_stays_open_across_flushes(client: EventClient, api: EventsAPIServer) -> None:
    session = client.service_session("job-1")
    for n in range(3):
        session.created_test({"id": str(n)})
        session.flush()
    assert session.closed is None
    with session:
        session.created_test({"id": "in-block"})
    with pytest.raises(SessionClosedError, match="its with block ended"):
        session.created_test({"id": "after"})
    session.flush()  # what a closed session still holds may still be flushed
    assert [event.data["id"] for event in api.accepted] == ["0", "1", "2", "in-block"]


@pytest.mark.parametrize("sync", [False, True], ids=["deliverer", "sync"])
def test_undelivered_events_are_logged_with_their_envelopes_and_handed_to_the_callback(
    client: EventClient, api: EventsAPIServer, caplog: pytest.LogCaptureFixture, sync: bool
) -> None:
    api.faults.reject(times=1)
    work = UnitOfWork(client, job_id="job-9", user_id="user-1", on_undelivered=(seen := []).append, sync=sync)
    work.session.created_test({"id": "lost?"})
    with caplog.at_level(logging.ERROR, logger="bc.events"):
        work.commit()
        assert client.wait_delivered(10)
    [error] = seen
    assert isinstance(error, PublishError)
    assert [event.data for event in error.rejected] == [{"id": "lost?"}]  # a 400 ValidationException
    [record] = [r for r in caplog.records if "not delivered after the work succeeded" in r.getMessage()]
    envelope = json.loads(record.getMessage().splitlines()[-1])
    assert envelope["data"] == {"id": "lost?"}
    assert "job-9" in record.getMessage()
    assert work.session.events == [], "the unit of work is over: the session must not keep them"
    assert api.accepted == []


def test_a_raising_callback_is_logged_not_raised(
    client: EventClient, api: EventsAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    api.faults.reject(times=1)

    def broken(error: PublishError) -> None:
        raise RuntimeError("callback bug")

    work = UnitOfWork(client, job_id="job-9", user_id=None, on_undelivered=broken, sync=True)
    work.session.created_test({"id": "x"})
    with caplog.at_level(logging.ERROR, logger="bc.events"):
        work.commit()
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
