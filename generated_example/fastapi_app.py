"""The example policy service's HTTP API on FastAPI, publishing through the typed module.

    EVENTS_API_URL=http://127.0.0.1:8000 uvicorn fastapi_app:app   # from generated_example/

Each request runs in its own session: flushed after the response (and its
background tasks) when the status is below 400, dropped otherwise.
"""

from __future__ import annotations

import os

from events_gen import EventClient, current_session
from fastapi import BackgroundTasks, FastAPI, HTTPException

from bc_events.asgi import EventsMiddleware


def events_client() -> EventClient:
    """The service's one client, built on the first request."""
    return EventClient(os.environ.get("EVENTS_API_URL"), "PolicyService")


app = FastAPI()
app.add_middleware(EventsMiddleware, client=events_client)

CANCELLABLE = {"P-1", "P-2"}


@app.post("/policies/{policy_id}/cancel")
def cancel_policy(policy_id: str, background_tasks: BackgroundTasks) -> dict[str, str]:
    """Cancel a policy; the invoice is settled after the response, in the same session."""
    if policy_id not in CANCELLABLE:
        raise HTTPException(status_code=404, detail="no such policy")  # nothing is published
    current_session().policy_cancelled({"id": policy_id, "reason": "non_payment", "cancelled_by": 7})
    background_tasks.add_task(settle_invoice, f"INV-{policy_id}")
    return {"status": "cancelled"}


@app.post("/policies/{policy_id}/renew")
async def renew_policy(policy_id: str) -> dict[str, str]:
    """An async path operation publishes the same way."""
    session = current_session()
    session.billing__paid_invoice(
        {"invoice_id": f"R-{policy_id}", "amount": 99.0, "currency": "EUR", "paid": True}
    )
    return {"job": session.job_id}


def settle_invoice(invoice_id: str) -> None:
    """A background task: runs after the response is sent, still in the request's session."""
    current_session().billing__paid_invoice(
        {"invoice_id": invoice_id, "amount": 0.0, "currency": "EUR", "paid": True}
    )
