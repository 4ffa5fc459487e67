"""Requests to the outbox test project: ``python -m tests.outbox.django_project.web_scenario URL...``.

Each argument is a path (the job id is its last segment; ``asgi:/path/`` requests it through
Django's ASGI handler, so the middleware runs its async side); prints one JSON line:
the responses' status codes, how many INSERTs into the outbox each made, the outbox rows
``[job_id, topic, n]`` and the model rows.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.outbox.django_project.web_settings")

import django

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import AsyncClient, Client  # noqa: E402


def _record(statements: list[str], execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    statements.append(sql)
    return execute(sql, params, many, context)


def _rows(alias: str) -> list[list[object]]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT job_id, topic, body FROM bc_events_outbox ORDER BY id")
        return [[job, topic, json.loads(bytes(body))["data"]["n"]] for job, topic, body in cursor.fetchall()]


def main(paths: list[str]) -> dict[str, object]:
    client = Client(raise_request_exception=False)
    statuses, inserts = [], []
    for url in paths:
        job = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        statements: list[str] = []
        headers = {"X-BriteCore-Job-Id": job}
        with connection.execute_wrapper(functools.partial(_record, statements)):
            if url.startswith("asgi:"):
                response = asyncio.run(AsyncClient().get(url[5:], headers=headers))
            else:
                response = client.get(url, headers=headers)
        statuses.append(response.status_code)
        inserts.append(sum(1 for sql in statements if sql.startswith("INSERT INTO bc_events_outbox")))
    rows = {alias: _rows(alias) for alias in connections}
    models = sorted(ContentType.objects.filter(app_label="shop").values_list("model", flat=True))
    return {"statuses": statuses, "inserts": inserts, "rows": rows.pop("default"), **rows, "models": models}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
