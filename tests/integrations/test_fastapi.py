"""FastAPI with bc_events.asgi.EventsMiddleware: generated_example/fastapi_app.py, driven by TestClient.

The example publishes through the typed ``current_session()`` in sync and async
path operations and in a background task.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import BackgroundTasks, FastAPI
from starlette.testclient import TestClient

from bc_events import EventClient, current_session
from bc_events.asgi import EventsMiddleware
from bc_events.testing import EventsAPIServer

from .support import FAST, TOPICS, delivered, ids

EXAMPLE = Path(__file__).resolve().parents[2] / "generated_example"


@pytest.fixture(scope="module")
def example(module_api: EventsAPIServer) -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVENTS_API_URL", module_api.url)
        patch.syspath_prepend(str(EXAMPLE))
        import fastapi_app

        yield fastapi_app
        sys.modules.pop("fastapi_app", None)


@pytest.fixture
def http(example: ModuleType, api: EventsAPIServer) -> Iterator[TestClient]:
    with TestClient(example.app) as client:
        yield client


def test_a_path_operation_and_its_background_task_share_the_request_s_session(
    http: TestClient, api: EventsAPIServer
) -> None:
    headers = {"X-BriteCore-Job-Id": "job-5", "X-BriteCore-User-Id": "user-2"}
    assert http.post("/policies/P-1/cancel", headers=headers).json() == {"status": "cancelled"}
    delivered()
    assert [event.topic for event in api.accepted] == ["policies.PolicyCancelled", "billing.InvoicePaid"]
    assert {(event.job_id, event.actor) for event in api.accepted} == {("job-5", ("user-2", "user"))}
    assert [event.data["invoice_id"] for event in api.accepted_for("billing.InvoicePaid")] == ["INV-P-1"]


def test_an_http_exception_rolls_back(http: TestClient, api: EventsAPIServer) -> None:
    assert http.post("/policies/P-404/cancel").status_code == 404
    delivered()
    assert api.accepted == []


def test_an_async_path_operation_publishes_on_the_typed_session(
    http: TestClient, api: EventsAPIServer
) -> None:
    assert http.post("/policies/P-2/renew", headers={"X-BriteCore-Job-Id": "job-r"}).json() == {
        "job": "job-r"
    }
    delivered()
    [event] = api.accepted
    assert (event.topic, event.job_id, event.actor) == (
        "billing.InvoicePaid",
        "job-r",
        ("PolicyService", "service"),
    )


def test_a_background_task_runs_in_the_request_s_session_before_it_is_flushed(api: EventsAPIServer) -> None:
    app = FastAPI()
    seen: list[tuple[bool, int]] = []

    @app.post("/work")
    async def work(background_tasks: BackgroundTasks) -> dict[str, str]:
        session = current_session()
        session.publish(action="Created", entity="Test", data={"id": "path-operation"})

        def later() -> None:  # a sync background task: FastAPI runs it in a worker thread
            seen.append((current_session() is session, len(api.accepted)))
            current_session().publish(action="Created", entity="Test", data={"id": "background"})

        background_tasks.add_task(later)
        return {"status": "accepted"}

    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    app.add_middleware(EventsMiddleware, client=client)
    with TestClient(app) as http:
        assert http.post("/work").status_code == 200
    client.close()
    assert seen == [(True, 0)], "the same session, and nothing flushed before the background task ran"
    assert ids(api) == ["path-operation", "background"]


def test_a_background_task_that_raises_rolls_back_the_whole_request(api: EventsAPIServer) -> None:
    # The client already has its 200; the app then raised, so the request's events are dropped.
    app = FastAPI()

    def fail_later() -> None:
        current_session().publish(action="Created", entity="Test", data={"id": "background"})
        raise RuntimeError("the background task failed")

    @app.post("/work")
    def work(background_tasks: BackgroundTasks) -> dict[str, str]:
        current_session().publish(action="Created", entity="Test", data={"id": "path-operation"})
        background_tasks.add_task(fail_later)
        return {"status": "accepted"}

    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    app.add_middleware(EventsMiddleware, client=client)
    with TestClient(app, raise_server_exceptions=False) as http:
        assert http.post("/work").status_code == 200
    client.close()
    assert ids(api) == []
