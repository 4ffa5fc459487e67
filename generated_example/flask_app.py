"""The example policy service's HTTP API on Flask, publishing through the typed module.

    EVENTS_API_URL=http://127.0.0.1:8000 flask --app flask_app run   # from generated_example/

Each request runs in its own session: flushed when the response (a streamed
one too) has been sent with a status below 400, dropped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from events_gen import EventClient, current_session
from flask import Flask, Response, abort

from bc_events.wsgi import EventsMiddleware


def events_client() -> EventClient:
    """The service's one client, built on the first request."""
    return EventClient(os.environ.get("EVENTS_API_URL"), "PolicyService")


app = Flask(__name__)
app.wsgi_app = EventsMiddleware(app.wsgi_app, events_client)  # type: ignore[method-assign]

CANCELLABLE = {"P-1", "P-2"}


@app.post("/policies/<policy_id>/cancel")
def cancel_policy(policy_id: str) -> dict[str, str]:
    """Cancel a policy: one event, delivered once the response is sent."""
    if policy_id not in CANCELLABLE:
        abort(404)  # nothing is published
    current_session().policy_cancelled({"id": policy_id, "reason": "non_payment", "cancelled_by": 7})
    return {"status": "cancelled", "job": current_session().job_id}


@app.get("/invoices/export")
def export_invoices() -> Response:
    """A streamed response: the generator runs after the view returned, with the session still bound."""

    def rows() -> Iterator[str]:
        for number in range(3):
            invoice_id = f"INV-{number}"
            current_session().billing__paid_invoice(
                {"invoice_id": invoice_id, "amount": 1.0, "currency": "EUR", "paid": True}
            )
            yield f"{invoice_id}\n"

    return Response(rows(), mimetype="text/plain")
