"""Background jobs of the example policy service: Celery tasks publishing through the typed module.

    celery -A celery_app worker          # from generated_example/, with EVENTS_API_URL set

Each task runs in its own session (flushed when it succeeds, dropped when it
raises or retries); a task sent from a request or another task carries their
job id and user.
"""

from __future__ import annotations

import os

from celery import Celery
from events_gen import EventClient, current_session

from bc_events.celery import install

app = Celery("policy_service", broker=os.environ.get("CELERY_BROKER_URL", "memory://"))
install(app, lambda: EventClient(os.environ.get("EVENTS_API_URL"), "PolicyService"))


class PaymentDeclined(Exception):
    """The payment provider declined; worth another try later."""


@app.task(autoretry_for=(PaymentDeclined,), max_retries=3, retry_backoff=True)
def collect_first_invoice(invoice_id: str, amount: float) -> None:
    """Charge the first invoice; its event is delivered only by the attempt that succeeds."""
    current_session().billing__paid_invoice(
        {"invoice_id": invoice_id, "amount": amount, "currency": "EUR", "paid": True}
    )


@app.task
def cancel_for_non_payment(policy_id: str) -> None:
    """Cancel a policy and enqueue nothing else: one event, in the sender's job."""
    current_session().policy_cancelled({"id": policy_id, "reason": "non_payment", "cancelled_by": 7})


def bind_policy_later(policy_id: str) -> None:
    """Called inside a request: the task inherits the request's job id and user."""
    cancel_for_non_payment.delay(policy_id)
