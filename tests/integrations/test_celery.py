"""bc_events.celery with a real worker (in-memory broker, solo pool) and in eager mode.

Every test delivers to a local Events API and asserts what it accepted.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery, Task
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from celery.states import SUCCESS
from flask import Flask

import bc_events
from bc_events import EventClient, PublishError, current_session
from bc_events.celery import install
from bc_events.testing import EventsAPIServer
from bc_events.wsgi import EventsMiddleware

from .support import FAST, TOPICS, client_factory, delivered, ids, wait_for_events


class Flaky(Exception):
    """Raised by a task's first attempts."""


# Job ids each attempt of a task saw, by task name argument (the solo worker runs in this process).
JOBS: defaultdict[str, list[str]] = defaultdict(list)


def define_tasks(app: Celery) -> dict[str, Task[Any, Any]]:
    """The same tasks on each app under test."""

    def publish_test(event_id: str) -> None:
        session = current_session()
        session.publish(action="Created", entity="Test", data={"id": event_id})
        JOBS[event_id].append(session.job_id)

    @app.task(name="publish")
    def publish(event_id: str) -> str:
        publish_test(event_id)
        return current_session().actor_type

    @app.task(name="flaky", bind=True, autoretry_for=(Flaky,), max_retries=3, default_retry_delay=0)
    def flaky(self: Task[Any, Any], name: str, fail_times: int) -> None:
        publish_test(f"{name}-attempt{self.request.retries}")
        JOBS[name].append(current_session().job_id)
        if self.request.retries < fail_times:
            raise Flaky(name)

    @app.task(name="retrying", bind=True, max_retries=3)
    def retrying(self: Task[Any, Any], name: str) -> None:
        publish_test(f"{name}-attempt{self.request.retries}")
        if self.request.retries == 0:
            raise self.retry(countdown=0)

    @app.task(name="failing")
    def failing(name: str) -> None:
        publish_test(name)
        raise ValueError(f"{name} failed")

    @app.task(name="parent")
    def parent(name: str) -> None:
        publish_test(f"{name}-parent")
        publish.delay(f"{name}-child")

    def publish_late(name: str, record_id: str) -> None:
        """Publish once the task has returned, then store what happened in the app's result backend."""
        time.sleep(0.3)  # the task returned and its unit of work ended by now
        try:
            publish_test(f"{name}-too-late")
            outcome = {"raised": None, "message": ""}
        except Exception as error:
            outcome = {"raised": type(error).__name__, "message": str(error)}
        app.backend.store_result(record_id, outcome, SUCCESS)

    @app.task(name="late")
    def late(name: str, record_id: str) -> None:
        publish_test(f"{name}-in-time")
        worker = threading.Thread(target=contextvars.copy_context().run, args=(publish_late, name, record_id))
        worker.start()

    return {
        "publish": publish,
        "flaky": flaky,
        "retrying": retrying,
        "failing": failing,
        "parent": parent,
        "late": late,
    }


@pytest.fixture(scope="module")
def worker_app(module_api: EventsAPIServer) -> Iterator[tuple[Celery, dict[str, Task[Any, Any]]]]:
    app = Celery("worker_tests", broker="memory://", backend="cache+memory://", set_as_current=False)
    tasks = define_tasks(app)
    install(app, client_factory(module_api))
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app, tasks
    finally:  # the worker sets up logging for the whole process: give the other tests theirs back
        root.setLevel(level)
        root.handlers[:] = handlers


@pytest.fixture(scope="module")
def eager_app(module_api: EventsAPIServer) -> tuple[Celery, dict[str, Task[Any, Any]]]:
    app = Celery("eager_tests", set_as_current=False)
    # Not task_eager_propagates: with it Celery raises an eager task's Retry instead of retrying.
    app.conf.update(task_always_eager=True)
    tasks = define_tasks(app)
    install(app, client_factory(module_api))
    return app, tasks


@pytest.fixture(params=["worker", "eager"])
def tasks(request: pytest.FixtureRequest, api: EventsAPIServer) -> dict[str, Task[Any, Any]]:
    JOBS.clear()
    _, app_tasks = request.getfixturevalue(f"{request.param}_app")
    return app_tasks


@pytest.fixture
def client(api: EventsAPIServer) -> Iterator[EventClient]:
    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    yield client
    client.close()


def test_a_request_and_the_task_it_enqueues_share_the_job_id_and_the_user(
    tasks: dict[str, Task[Any, Any]], client: EventClient, api: EventsAPIServer
) -> None:
    with client.user_session("user-7", "job-42") as session, bc_events.bind_session(session):
        session.publish(action="Created", entity="Test", data={"id": "request"})
        result = tasks["publish"].delay("task")
    assert result.get(timeout=10) == "user", "the task runs in a user_session of the request's user"
    assert sorted(wait_for_events(api, 2)) == ["request", "task"]
    delivered()
    assert {(event.job_id, event.actor) for event in api.accepted} == {("job-42", ("user-7", "user"))}


def test_a_flask_request_behind_the_wsgi_middleware_passes_its_job_and_user_to_its_task(
    tasks: dict[str, Task[Any, Any]], client: EventClient, api: EventsAPIServer
) -> None:
    app = Flask("web")
    results: list[AsyncResult[Any]] = []

    @app.post("/signup")
    def signup() -> str:
        current_session().publish(action="Created", entity="Test", data={"id": "request"})
        results.append(tasks["publish"].delay("task"))
        return "ok"

    app.wsgi_app = EventsMiddleware(app.wsgi_app, client)  # type: ignore[method-assign]
    headers = {"X-BriteCore-Job-Id": "job-web", "X-BriteCore-User-Id": "user-8"}
    assert app.test_client().post("/signup", headers=headers, buffered=True).text == "ok"
    assert results[0].get(timeout=10) == "user"
    assert sorted(wait_for_events(api, 2)) == ["request", "task"]
    delivered()
    assert {(event.job_id, event.actor) for event in api.accepted} == {("job-web", ("user-8", "user"))}


def test_a_task_enqueued_by_a_service_runs_as_this_service_with_its_job_id(
    tasks: dict[str, Task[Any, Any]], client: EventClient, api: EventsAPIServer
) -> None:
    with client.service_session("job-9") as session, bc_events.bind_session(session):
        result = tasks["publish"].delay("task")
    assert result.get(timeout=10) == "service"
    [event] = [api.accepted[0] for _ in wait_for_events(api, 1)]
    assert (event.job_id, event.actor) == ("job-9", ("TestService", "service"))


def test_a_task_sent_outside_any_session_gets_a_new_job_id(
    tasks: dict[str, Task[Any, Any]], api: EventsAPIServer
) -> None:
    tasks["publish"].delay("first").get(timeout=10)
    tasks["publish"].delay("second").get(timeout=10)
    assert sorted(wait_for_events(api, 2)) == ["first", "second"]
    delivered()
    first, second = (event.job_id for event in api.accepted)
    assert first != second
    assert uuid.UUID(first).version == uuid.UUID(second).version == 4
    assert {event.actor for event in api.accepted} == {("TestService", "service")}


def test_a_task_enqueued_by_a_task_shares_its_job_id(
    tasks: dict[str, Task[Any, Any]], client: EventClient, api: EventsAPIServer
) -> None:
    with client.user_session("user-3", "job-chain") as session, bc_events.bind_session(session):
        tasks["parent"].delay("p")
    assert sorted(wait_for_events(api, 2)) == ["p-child", "p-parent"]
    delivered()
    assert {(event.job_id, event.actor) for event in api.accepted} == {("job-chain", ("user-3", "user"))}


def test_a_task_that_fails_twice_then_succeeds_delivers_only_the_successful_attempt(
    tasks: dict[str, Task[Any, Any]], api: EventsAPIServer
) -> None:
    tasks["flaky"].delay("flaky", 2).get(timeout=10)
    tasks["publish"].delay("marker").get(timeout=10)  # delivered after anything flaky might send
    assert sorted(wait_for_events(api, 2)) == ["flaky-attempt2", "marker"]
    assert len(JOBS["flaky"]) == 3
    assert len(set(JOBS["flaky"])) == 1, "every attempt of one task belongs to the same job"
    [event] = [event for event in api.accepted if event.data["id"] == "flaky-attempt2"]
    assert event.job_id == JOBS["flaky"][0]


def test_each_attempt_of_self_retry_stands_alone(
    tasks: dict[str, Task[Any, Any]], api: EventsAPIServer
) -> None:
    tasks["retrying"].delay("r").get(timeout=10)
    tasks["publish"].delay("marker").get(timeout=10)
    assert sorted(wait_for_events(api, 2)) == ["marker", "r-attempt1"]


def test_a_failing_task_delivers_nothing(tasks: dict[str, Task[Any, Any]], api: EventsAPIServer) -> None:
    with pytest.raises(ValueError, match="boom failed"):
        tasks["failing"].delay("boom").get(timeout=10)
    tasks["flaky"].delay("exhausted", 9).get(timeout=10, propagate=False)  # fails on every attempt
    tasks["publish"].delay("marker").get(timeout=10)
    assert wait_for_events(api, 1) == ["marker"]
    assert JOBS["boom"], "the failing task did run and publish"
    assert len(JOBS["exhausted"]) == 4, "the first run and its three retries"


def test_a_thread_a_task_started_that_publishes_after_the_task_returned_gets_session_closed_error(
    worker_app: tuple[Celery, dict[str, Task[Any, Any]]], api: EventsAPIServer
) -> None:
    """Under the real worker: the thread (in a copied context) records the error in the result backend."""
    app, tasks = worker_app
    record_id = f"late-record-{uuid.uuid4()}"
    tasks["late"].delay("bg", record_id).get(timeout=10)
    outcome = AsyncResult(record_id, app=app).get(timeout=10)
    assert outcome["raised"] == "SessionClosedError", outcome
    assert "is closed (its unit of work committed" in outcome["message"]
    assert "open a session of its own" in outcome["message"]
    assert wait_for_events(api, 1) == ["bg-in-time"], "the task's own event went out, the late one did not"


def test_an_eager_task_restores_the_caller_s_session(
    eager_app: tuple[Celery, dict[str, Task[Any, Any]]], client: EventClient, api: EventsAPIServer
) -> None:
    _, tasks = eager_app
    with client.user_session("user-1", "job-1") as session, bc_events.bind_session(session):
        tasks["publish"].delay("eager")
        assert current_session() is session
        with pytest.raises(ValueError, match="failed"):
            tasks["failing"].apply(("eager-failed",), throw=True)
        assert current_session() is session
        session.publish(action="Created", entity="Test", data={"id": "caller"})
        assert [event.data["id"] for event in session.events] == ["caller"], "the task had its own session"
    assert bc_events.bound_session() is None
    # The task committed to the background deliverer; the caller's with block flushed in place.
    assert sorted(ids(api)) == ["caller", "eager"], "the eager task's session was committed when it returned"


def test_a_failed_flush_never_fails_the_task_and_reaches_the_callback(api: EventsAPIServer) -> None:
    app = Celery("undelivered_tests", set_as_current=False)
    app.conf.update(task_always_eager=True)
    undelivered: list[PublishError] = []
    install(app, client_factory(api), on_undelivered=undelivered.append)

    @app.task
    def publish_one() -> str:
        current_session().publish(action="Created", entity="Test", data={"id": "lost"})
        return "done"

    api.faults.reject(times=1)
    assert publish_one.delay().get(timeout=10) == "done"
    delivered()
    [error] = undelivered
    assert [event.data["id"] for event in error.rejected] == ["lost"]  # a 400 ValidationException
    assert ids(api) == []


def test_installing_twice_on_one_app_is_an_error(eager_app: tuple[Celery, dict[str, Task[Any, Any]]]) -> None:
    app, _ = eager_app
    with pytest.raises(RuntimeError, match="already called for the Celery app 'eager_tests'"):
        install(app, lambda: EventClient(None, "Other", TOPICS))
