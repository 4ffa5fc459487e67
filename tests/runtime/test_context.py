"""current_session() / bind_session(): one binding per unit of work, in threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import threading

import pytest

import bc_events
from bc_events import EventClient, EventSession, NoSessionError, bind_session, current_session


def test_no_session_bound_raises_a_clear_error() -> None:
    with pytest.raises(NoSessionError, match="no bc_events session is bound"):
        current_session()
    assert bc_events.bound_session() is None


def test_bind_session_binds_for_the_block_and_restores_after(client: EventClient) -> None:
    outer, inner = client.service_session("job-outer"), client.service_session("job-inner")
    with bind_session(outer) as bound:
        assert bound is outer
        assert current_session() is outer
        with bind_session(inner):
            assert current_session() is inner
        assert current_session() is outer
    with pytest.raises(NoSessionError):
        current_session()


def test_binding_ends_when_the_block_raises(client: EventClient) -> None:
    session = client.service_session("job-1")
    with pytest.raises(RuntimeError, match="boom"), bind_session(session):
        raise RuntimeError("boom")
    assert bc_events.bound_session() is None


def test_bind_session_rejects_what_is_not_a_session() -> None:
    with pytest.raises(TypeError, match="takes an EventSession, not str"), bind_session("job-1"):  # type: ignore[type-var]
        pass


def test_each_thread_sees_only_its_own_binding(client: EventClient) -> None:
    seen: dict[int, EventSession | None] = {}
    sessions = [client.service_session(f"job-{index}") for index in range(8)]
    barrier = threading.Barrier(len(sessions) + 1)

    def work(index: int) -> None:
        barrier.wait()
        with bind_session(sessions[index]):
            barrier.wait()  # every thread is bound at once
            seen[index] = current_session()

    with bind_session(client.service_session("job-main")):
        threads = [threading.Thread(target=work, args=(index,)) for index in range(len(sessions))]
        for thread in threads:
            thread.start()
        barrier.wait()
        barrier.wait()
        fresh: list[EventSession | None] = []
        probe = threading.Thread(target=lambda: fresh.append(bc_events.bound_session()))
        probe.start()
        probe.join()
        for thread in threads:
            thread.join()
    assert seen == dict(enumerate(sessions))
    assert fresh == [None], "a new thread must not inherit the starting thread's session"


def test_asyncio_tasks_inherit_their_creator_binding_and_keep_their_own(client: EventClient) -> None:
    async def job(session: EventSession) -> tuple[EventSession, EventSession]:
        with bind_session(session):
            await asyncio.sleep(0.01)
            child = await asyncio.create_task(asyncio.sleep(0, result=current_session()))
            return current_session(), child

    async def main() -> list[tuple[EventSession, EventSession]]:
        return list(await asyncio.gather(*(job(session) for session in sessions)))

    sessions = [client.service_session(f"job-{index}") for index in range(5)]
    assert asyncio.run(main()) == [(session, session) for session in sessions]
