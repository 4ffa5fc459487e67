"""Run in the outbox test project: ``python -m tests.outbox.django_project.scenario ACTION [N]``.

Prints what it observed as one JSON line on stdout.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.outbox.django_project.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from bc_events.django.outbox import DjangoOutboxStore, append  # noqa: E402
from bc_events.outbox.store import Settlement  # noqa: E402
from tests.outbox.conftest import event  # noqa: E402


class Rollback(Exception):
    pass


def transactions() -> dict[str, object]:
    with transaction.atomic():
        append([event("job-1", n) for n in range(3)])
    try:
        with transaction.atomic():
            append([event("job-2", 0)])
            raise Rollback
    except Rollback:
        pass
    with transaction.atomic():
        append([event("job-3", 0)])
        try:
            with transaction.atomic():  # a savepoint
                append([event("job-3", 1)])
                raise Rollback
        except Rollback:
            pass
    store = DjangoOutboxStore()
    with store.claim(10) as claim:
        written = [(row.job_id, json.loads(row.body)["data"]["n"]) for row in claim.rows]
        first, second, third, fourth = (row.id for row in claim.rows)
        claim.settle(
            Settlement(delivered=[first], rejected={second: "HTTP 400: no"}, released={third: "503"})
        )
    letters = [(row.id, row.last_error) for row in store.dead_letters()]
    stats_before = store.stats()
    requeued = store.requeue([second])
    with store.claim(10) as claim:
        after = [(row.id, row.attempts) for row in claim.rows]
    return {
        "written": written,
        "letters": letters,
        "ids": [first, second, third, fourth],
        "pending_before_requeue": stats_before.pending,
        "requeued": requeued,
        "after": after,
    }


def write(count: int) -> dict[str, object]:
    with transaction.atomic():
        append([event("job-w", n) for n in range(count)])
    return {"written": count}


def dead_letter() -> dict[str, object]:
    with transaction.atomic():
        append([event("job-d", 0)])
    store = DjangoOutboxStore()
    with store.claim(10) as claim:
        claim.settle(Settlement(rejected={row.id: "HTTP 400 ValidationException: bad" for row in claim.rows}))
    return {"ok": True}


if __name__ == "__main__":
    action = sys.argv[1]
    result = (
        write(int(sys.argv[2]))
        if action == "write"
        else {"transactions": transactions, "dead_letter": dead_letter}[action]()
    )
    print(json.dumps(result))
