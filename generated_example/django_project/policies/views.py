"""Two views: one publishes inside a transaction that commits, one in transactions that roll back.

Neither passes a session around: ``current_session()`` is the typed session the
middleware opened for this request, so payloads are checked by mypy and pyright.
"""

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST
from events_gen import PolicyCreatedData, current_session

from policies.models import Policy


def _create(fields: dict[str, Any]) -> Policy:
    """Insert the policy and publish PolicyCreated, both inside the caller's transaction."""
    policy = Policy.objects.create(
        number=fields["number"], insured=fields["insured"], premium=fields["premium"]
    )
    event: PolicyCreatedData = {
        "id": str(policy.id),
        "number": policy.number,
        "status": "active",
        "insured": {"name": policy.insured, "kind": "person"},
        "premium": policy.premium,
        "term_months": 12,
    }
    current_session().created_policy(event)
    return policy


@require_POST
def bind_policy(request: HttpRequest) -> JsonResponse:
    """Bind one policy: the event is sent once the transaction commits; a duplicate number is a 409."""
    try:
        with transaction.atomic():
            policy = _create(json.loads(request.body))
    except IntegrityError:
        return JsonResponse({"error": "policy number already bound"}, status=409)
    return JsonResponse({"id": str(policy.id)}, status=201)


@require_POST
def import_policies(request: HttpRequest) -> JsonResponse:
    """Import many policies, each in its own transaction: a duplicate is skipped, and so is its event.

    The response is a success either way; the events of the rolled-back
    transactions are dropped, those of the committed ones are sent.
    """
    imported: list[str] = []
    skipped: list[str] = []
    for fields in json.loads(request.body):
        try:
            with transaction.atomic():
                _create(fields)
        except IntegrityError:
            skipped.append(fields["number"])
        else:
            imported.append(fields["number"])
    return JsonResponse({"imported": imported, "skipped": skipped})
