"""The Starlette app the ASGI tests serve: publishing, failing, streaming and idle routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from bc_events import current_session


def publish(event_id: str) -> None:
    current_session().publish(action="Created", entity="Test", data={"id": event_id})


async def publish_with_status(request: Request) -> Response:
    publish(request.path_params["event_id"])
    return PlainTextResponse("done", status_code=int(request.query_params.get("status", "200")))


async def raise_after_publishing(request: Request) -> Response:
    publish("raised")
    raise RuntimeError("the view failed")


async def nothing(request: Request) -> Response:
    return PlainTextResponse("nothing")


async def whoami(request: Request) -> Response:
    session = current_session()
    await asyncio.sleep(0.01)  # let the other requests interleave on the loop
    publish(request.query_params["id"])
    assert current_session() is session
    return JSONResponse({"job": session.job_id, "actor": [session.actor_id, session.actor_type]})


LATE: list[BaseException | None] = []
"""What a publish from a task that outlived its request raised (None: it was taken)."""
_TASKS: set[asyncio.Task[None]] = set()


async def publish_later() -> None:
    await asyncio.sleep(0.2)  # the response has been sent by now
    try:
        publish("late")
        LATE.append(None)
    except Exception as error:
        LATE.append(error)


async def late_task(request: Request) -> Response:
    """Publishes, then starts a task (it inherits the binding) that publishes after the response."""
    publish("in-time")
    task = asyncio.create_task(publish_later())
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return PlainTextResponse("scheduled")


async def stream(request: Request) -> Response:
    fail = request.query_params.get("fail") == "1"

    async def chunks() -> AsyncIterator[str]:
        for i in range(3):
            publish(f"chunk{i}")  # published while the body streams: part of the request's session
            yield f"chunk{i}\n"
        if fail:
            raise RuntimeError("the stream failed half-way")

    return StreamingResponse(chunks())


starlette_app = Starlette(
    routes=[
        Route("/publish/{event_id}", publish_with_status),
        Route("/raise", raise_after_publishing),
        Route("/nothing", nothing),
        Route("/whoami", whoami),
        Route("/stream", stream),
        Route("/late", late_task),
    ]
)
