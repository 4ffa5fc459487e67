"""An example policy service publishing its events through the generated, typed module.

The only difference from plain ``bc_events`` is the import: ``EventClient`` comes
from ``events_gen``, so every session method and payload below is checked by
``mypy --strict`` and pyright.

    python generated_example/app.py http://127.0.0.1:8000   # e.g. against `python -m bc_events.testing`
"""

from __future__ import annotations

import sys
from typing import cast

from events_gen import ContactUpdatedData, Coverage, EventClient, PolicyCreatedData, current_session

import bc_events


def bind_policy(client: EventClient, user_id: str, request_id: str) -> None:
    """A web request: the user binds a policy and pays the first invoice."""
    coverages: list[Coverage] = [
        {"code": "liability", "limit": 1_000_000},
        {"code": "collision", "limit": 50_000, "deductible": None},
    ]
    policy: PolicyCreatedData = {
        "id": "6f1c2a9e-policy",
        "number": "P-000042",
        "status": "active",
        "insured": {"name": "Ada Lovelace", "kind": "person"},
        "premium": 1234.5,
        "term_months": 12,
        "coverages": coverages,
        "metadata": {"channel": "web"},
        "external_ids": {"crm": 42},
    }
    with client.user_session(user_id, request_id) as session:
        session.created_policy(policy)
        session.billing__paid_invoice(
            {"invoice_id": "INV-1", "amount": 1234.5, "currency": "EUR", "paid": True}
        )


def nightly_job(client: EventClient, job_id: str) -> None:
    """A background job: files a claim, updates a contact and cancels a policy."""
    with client.service_session(job_id) as session:
        session.publish(
            action="Filed",
            entity="Claim",
            data={
                "claim_id": "C-7",
                "policy_id": "6f1c2a9e-policy",
                "status": "open",
                "location": [51.5, -0.12],
                "attachments": [{"url": "https://files.example/a.pdf", "children": []}],
            },
        )
        contact: ContactUpdatedData = {"class": "gold", "first-name": "Ada", "+1": 3, "@type": "Contact"}
        session.contact_updated(contact)
        # A key the types do not declare, which this schema allows (it does not close the object):
        # TypedDicts reject undeclared keys, as they are usually typos; cast() says it is meant.
        # The runtime still validates the whole payload against the schema.
        session.contact_updated(cast(ContactUpdatedData, {**contact, "x-source": "crm"}))
        with bc_events.bind_session(session):
            cancel_for_non_payment("6f1c2a9e-policy")


def cancel_for_non_payment(policy_id: str) -> None:
    """Code deep in a request or task publishes on the bound session without being passed it."""
    current_session().policy_cancelled({"id": policy_id, "reason": "non_payment", "cancelled_by": 7})


def main(api_url: str | None) -> None:
    """Publish the example events to ``api_url`` (or only log them when it is None)."""
    client = EventClient(api_url, "PolicyService")
    try:
        bind_policy(client, "user-1", "request-1")
        nightly_job(client, "job-1")
    finally:
        client.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
