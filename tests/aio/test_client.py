"""AsyncEventClient and its sessions: publishing as EventSession does, ``async with``, log-only mode."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import subprocess
import sys

import pytest

from bc_events import (
    EventValidationError,
    PublishError,
    RecordingTransport,
    SessionClosedError,
    UnknownTopicError,
)
from bc_events.aio import AsyncEventClient, AsyncEventSession
from bc_events.testing import EventsAPIServer
from bc_events.transports.async_http import AsyncHttpTransport
from tests.runtime.support import FAST, TOPICS


def recording_client() -> tuple[AsyncEventClient, RecordingTransport]:
    transport = RecordingTransport()
    return AsyncEventClient(None, "TestService", TOPICS, transport=transport), transport


def test_async_with_flushes_when_the_block_succeeds() -> None:
    client, transport = recording_client()

    async def main() -> AsyncEventSession:
        async with client.user_session("user-1", "job-1") as session:
            session.publish(action="Created", entity="Test", data={"id": "a"})
            session.created_my_entity({"items": [{"name": "n"}]})  # type: ignore[attr-defined]
            assert len(session.events) == 2
        return session

    session = asyncio.run(main())
    assert [event.topic_name for event in transport.delivered] == [
        "testing.TestCreated",
        "testing.MyEntityCreated",
    ]
    assert session.events == []
    with pytest.raises(SessionClosedError):
        session.publish(action="Created", entity="Test", data={"id": "late"})


def test_async_with_rolls_back_when_the_block_raises() -> None:
    client, transport = recording_client()

    async def main() -> AsyncEventSession:
        session = client.service_session("job-1")
        try:
            async with session:
                session.publish(action="Created", entity="Test", data={"id": "a"})
                raise ZeroDivisionError
        except ZeroDivisionError:
            return session
        raise AssertionError("the error did not leave the block")

    session = asyncio.run(main())
    assert transport.delivered == []
    assert session.events == []


def test_publish_validates_as_the_sync_session_does() -> None:
    client, _ = recording_client()
    session = client.third_party_session("job-1")
    with pytest.raises(EventValidationError, match="id"):
        session.publish(action="Created", entity="Test", data={"n": 1})
    with pytest.raises(UnknownTopicError):
        session.publish(action="Exploded", entity="Test", data={})
    with pytest.raises(AttributeError):
        session.no_such_topic_shortcut({})  # type: ignore[attr-defined]
    assert session.events == []


def test_the_actor_of_each_factory() -> None:
    client, transport = recording_client()

    async def main() -> None:
        for session in (
            client.user_session("user-7", "job-1"),
            client.service_session("job-1"),
            client.third_party_session("job-1"),
        ):
            session.publish(action="Created", entity="Test", data={"id": "a"})
            await session.flush()

    asyncio.run(main())
    actors = [(event.actor_type, event.actor_id) for event in transport.delivered]
    assert actors == [("user", "user-7"), ("service", "TestService"), ("third-party", "TestService")]


def test_api_url_none_logs_the_events_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bc.events")
    client = AsyncEventClient(None, "TestService", TOPICS)
    assert "log-only mode" in caplog.text

    async def main() -> None:
        session = client.user_session("user-1", "job-1")
        session.publish(action="Created", entity="Test", data={"id": "logged-1"})
        await session.flush()
        await client.aclose()

    asyncio.run(main())
    assert "logged-1" in caplog.text


def test_a_bad_api_url_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="http"):
        AsyncEventClient("ftp://events.example.com", "TestService", TOPICS)


def test_a_closed_client_refuses_to_send() -> None:
    async def main() -> None:
        with EventsAPIServer() as api:
            async with AsyncEventClient(api.url, "TestService", TOPICS, retry=FAST) as client:
                assert isinstance(client.transport, AsyncHttpTransport)
                session = client.user_session("user-1", "job-1")
                session.publish(action="Created", entity="Test", data={"id": "a"})
            with pytest.raises(RuntimeError, match="closed"):
                await session.flush()
            assert [event.data["id"] for event in session.events] == ["a"]
            session.rollback()

    asyncio.run(main())


def test_flushes_of_one_session_do_not_overlap() -> None:
    async def main() -> list[str]:
        with EventsAPIServer() as api:
            api.faults.delay(0.2)
            async with AsyncEventClient(api.url, "TestService", TOPICS, retry=FAST) as client:
                session = client.user_session("user-1", "job-1")
                session.publish(action="Created", entity="Test", data={"id": "a"})
                first = asyncio.ensure_future(session.flush())
                await asyncio.sleep(0.05)
                session.publish(action="Created", entity="Test", data={"id": "b"})
                await asyncio.gather(first, session.flush())
            return [event.data["id"] for event in api.accepted]

    assert asyncio.run(main()) == ["a", "b"]


def test_importing_bc_events_does_not_import_httpx_or_asyncio_client() -> None:
    code = "import sys, bc_events; print('httpx' in sys.modules, 'bc_events.aio' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_publish_immediately_delivers_at_once_and_queues_nothing() -> None:
    async def main() -> None:
        with EventsAPIServer() as api:
            async with AsyncEventClient(api.url, "TestService", TOPICS, retry=FAST) as client:
                session = client.user_session("user-1", "job-1")
                session.publish(action="Created", entity="Test", data={"id": "queued"})
                await session.publish_immediately(action="Created", entity="Test", data={"id": "now"})
                assert [event.data["id"] for event in api.accepted] == ["now"]
                assert [event.data["id"] for event in session.events] == ["queued"]
                api.faults.reject()
                with pytest.raises(PublishError) as raised:
                    await session.publish_immediately(action="Created", entity="Test", data={"id": "no"})
                assert [event.data["id"] for event in raised.value.rejected] == ["no"]
                with pytest.raises(EventValidationError):
                    await session.publish_immediately(action="Created", entity="Test", data={})
                session.close()
                with pytest.raises(SessionClosedError):
                    await session.publish_immediately(action="Created", entity="Test", data={"id": "x"})
                await session.flush()
            assert [event.data["id"] for event in api.accepted] == ["now", "queued"]

    asyncio.run(main())


def test_a_task_group_cancelling_the_flush_keeps_the_unacknowledged() -> None:
    async def main() -> tuple[list[str], list[str]]:
        with EventsAPIServer() as api:
            api.faults.delay(15, after=1)  # the second request hangs
            retry = dataclasses.replace(FAST, total_time=20.0, attempt_timeout=18.0)
            async with AsyncEventClient(api.url, "TestService", TOPICS, retry=retry) as client:
                session = client.user_session("user-1", "job-1")
                for i in range(3):
                    session.publish(action="Created", entity="Test", data={"id": f"e{i}"})

                async def fail_soon() -> None:
                    await asyncio.sleep(0.5)
                    raise LookupError("a sibling task failed")

                async def flush_in_a_group() -> None:
                    async with asyncio.TaskGroup() as group:
                        group.create_task(session.flush())
                        group.create_task(fail_soon())

                with pytest.raises(ExceptionGroup):
                    await flush_in_a_group()
                queued = [event.data["id"] for event in session.events]
                session.rollback()
                return [event.data["id"] for event in api.accepted], queued

    assert asyncio.run(main()) == (["e0"], ["e1", "e2"])
