"""The ids that travel with a unit of work: where integrations read them and how they pass them on.

* HTTP: a gateway sets ``X-BriteCore-Job-Id`` and ``X-BriteCore-User-Id``;
  the ASGI, WSGI and Django integrations read them (``scope_header``,
  ``environ_key``), or the application's own callables.
* Celery: a task sent while a session is bound carries that session's job id
  and actor in its message headers (``task_headers``); the worker reads them
  back (``ids_from_task_headers``).
* Ids from outside are not the work's choice: ``usable_ids`` takes an integer
  as its decimal text, replaces an unusable job id by a new one and drops an
  unusable user id, each with a warning, rather than failing the work.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from bc_events.ids import check_header_id, check_text_id
from bc_events.session import EventSession

__all__ = [
    "JOB_ID_HEADER",
    "TASK_ACTOR_ID_HEADER",
    "TASK_ACTOR_TYPE_HEADER",
    "TASK_JOB_ID_HEADER",
    "USER_ID_HEADER",
    "environ_key",
    "ids_from_task_headers",
    "new_job_id",
    "scope_header",
    "stamp_task_headers",
    "usable_ids",
]

logger = logging.getLogger("bc.events")

JOB_ID_HEADER = "X-BriteCore-Job-Id"
"""The request header a gateway sets to the job id (default of every integration)."""
USER_ID_HEADER = "X-BriteCore-User-Id"
"""The request header a gateway sets to the acting user's id (default of every integration)."""

TASK_JOB_ID_HEADER = "bc_events_job_id"
"""The task message header that carries the sender's job id."""
TASK_ACTOR_ID_HEADER = "bc_events_actor_id"
"""The task message header that carries the sender's actor id (a user id for a user actor)."""
TASK_ACTOR_TYPE_HEADER = "bc_events_actor_type"
"""The task message header that carries the sender's actor type (``user``, ``service``...)."""


def new_job_id() -> str:
    """A fresh job id (a UUID4) for work that arrived without one."""
    return str(uuid.uuid4())


def usable_ids(job_id: str | int | None, user_id: str | int | None) -> tuple[str, str | None]:
    """``(job id, user id or None)`` from what a request or message said (see the module doc)."""
    return (
        _usable(job_id, check_header_id, "job id") or new_job_id(),
        _usable(user_id, check_text_id, "user id"),
    )


def _usable(value: object, check: Callable[[object, str], None], name: str) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a database key, e.g. request.user.pk
    if value is None or value == "":
        return None
    try:
        check(value, name)
    except (TypeError, ValueError) as error:
        logger.warning("bc_events: ignoring an unusable %s from the request or task: %s", name, error)
        return None
    assert isinstance(value, str)
    return value


def environ_key(header: str) -> str:
    """The WSGI environ (and Django ``request.META``) key of a header: ``X-A-B`` -> ``HTTP_X_A_B``."""
    return "HTTP_" + header.upper().replace("-", "_")


def scope_header(name: bytes, scope: Mapping[str, Any]) -> str | None:
    """The value of the ASGI request header ``name`` (lower case), or None when absent or empty."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text or None
    return None


def stamp_task_headers(headers: MutableMapping[str, Any], session: EventSession | None) -> None:
    """Add the job id and actor of ``session`` (or a new job id) to a task's headers, unless present."""
    if headers.get(TASK_JOB_ID_HEADER):
        return  # already stamped (e.g. by the caller's own headers=)
    if session is None:
        headers[TASK_JOB_ID_HEADER] = new_job_id()
        return
    headers[TASK_JOB_ID_HEADER] = session.job_id
    headers[TASK_ACTOR_ID_HEADER] = session.actor_id
    headers[TASK_ACTOR_TYPE_HEADER] = session.actor_type


def ids_from_task_headers(
    lookup: Callable[[str], object],
) -> tuple[str, str | None, str | None] | None:
    """``(job id, actor id, actor type)`` that ``lookup(header)`` finds, or None without a job id."""
    job_id = lookup(TASK_JOB_ID_HEADER)
    if not job_id:
        return None
    return str(job_id), _text(lookup(TASK_ACTOR_ID_HEADER)), _text(lookup(TASK_ACTOR_TYPE_HEADER))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
