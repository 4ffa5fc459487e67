"""The Events API's rules as the local server applies them: paths, envelopes, replies.

Internal to ``bc_events.testing``; ``check_envelope`` is re-exported there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The same values as bc_events.wire, written out again on purpose: the local server is an
# independent statement of the protocol, so a wrong constant in the client shows up in tests.
SINGLE_PATH = "/events"
BULK_PATH = "/events/bulk/"
JOB_ID_HEADER = "x-britecore-job-id"
MAX_BULK_RECORDS = 250
THROTTLED = "ProvisionedThroughputExceededException"
SUCCESS = "Success"

REPLY_CONTRACT = """\
What a reply to `POST /events` or `POST /events/bulk/` means for the events it carried:

- **Delivered**: a 2xx whose body is a JSON object with no `errorType` and no
  `failedRecords` > 0, on either path: `{"status": "Success"}`,
  `201 {"eventId": "e-1", "jobId": "j-1"}`, `{"failedRecords": 0}` without `records`.
  A `records` list with one entry per event, when present, is still read for
  per-record failures (an entry is `"Success"`, or names its error as a string or as
  `errorType`, `ErrorCode` or `status`).
- **Retried** within the flush's time bound: 429, 5xx, a reply of any status whose
  `errorType` is `ProvisionedThroughputExceededException` or `InternalFailureException`,
  timeouts and lost connections; in bulk, only the records that failed with such a code,
  or every event when `failedRecords` > 0 comes without a usable `records` list.
- **Split**: a 413 sends the request again in halves, down to one event.
- **Rejected** (`PublishError.rejected`: not queued again, retrying will not help; the
  flush goes on with the other requests): a 400 or 422 (or a 2xx) naming another
  `errorType`, e.g. `ValidationException`; a bulk record that failed with another code;
  a single event that still gets a 413.
- **Undelivered** (`PublishError.undelivered`: kept queued for a later flush; the flush
  stops): a 2xx that is not a JSON object (HTML, empty, an array, cut off), a `records`
  list of the wrong length with no failure counted, a redirect (not followed), 401, 403,
  404 or another 4xx without an `errorType`, a TLS or URL configuration error, and
  whatever was not sent when the time bound ran out.
"""
"""The client's reading of replies, word for word as in the README: the shapes this server
answers by default (``{"status": "Success"}``, a ``records`` list in bulk) and those a test
scripts with ``api.faults`` are all read this way."""

_ENVELOPE_KEYS = frozenset({"action", "category", "entity", "data", "actor"})
_NAME_PATTERNS = {
    "category": re.compile(r"^[a-z]+$"),
    "entity": re.compile(r"^([A-Z][a-z]+)+$"),
    "action": re.compile(r"^[A-Z][a-z]+$"),
}


def check_envelope(envelope: Any) -> str | None:
    """The problem with one event envelope, or None if the Events API would take it."""
    if not isinstance(envelope, dict):
        return f"an event must be a JSON object, got {type(envelope).__name__}"
    missing = _ENVELOPE_KEYS - envelope.keys()
    if missing:
        return f"missing key(s): {', '.join(sorted(missing))}"
    unknown = envelope.keys() - _ENVELOPE_KEYS
    if unknown:
        return f"unknown key(s): {', '.join(sorted(unknown))}"
    for key, pattern in _NAME_PATTERNS.items():
        value = envelope[key]
        if not isinstance(value, str) or not pattern.match(value):
            return f"{key} must be a string matching {pattern.pattern}, got {value!r}"
    if not isinstance(envelope["data"], dict):
        return "data must be a JSON object"
    actor = envelope["actor"]
    if not isinstance(actor, dict) or set(actor) != {"id", "type"}:
        return 'actor must be an object with exactly "id" and "type"'
    if not all(isinstance(actor[key], str) and actor[key] for key in ("id", "type")):
        return "actor id and type must be non-empty strings"
    return None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(status: int, document: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(document).encode(), headers=headers)


def error_reply(status: int, error_type: str, message: str) -> Reply:
    return json_reply(status, {"errorType": error_type, "message": message})


@dataclass(frozen=True)
class Request:
    path: str
    job_id: str
    envelopes: list[dict[str, Any]]

    @property
    def bulk(self) -> bool:
        return self.path == BULK_PATH


def parse_request(path: str, job_id: str | None, body: bytes) -> Request | Reply:
    """Decode and check a request; a 400 reply naming the problem if it is malformed."""
    if not job_id:
        return error_reply(400, "ValidationException", f"missing header {JOB_ID_HEADER}")
    try:
        document = json.loads(body)
    except ValueError as error:
        return error_reply(400, "SerializationException", f"body is not JSON: {error}")
    envelopes: Sequence[Any]
    if path == BULK_PATH:
        if not isinstance(document, list) or not document:
            return error_reply(
                400, "ValidationException", "a bulk body must be a non-empty JSON list of events"
            )
        if len(document) > MAX_BULK_RECORDS:
            return error_reply(
                400, "ValidationException", f"at most {MAX_BULK_RECORDS} events per bulk request"
            )
        envelopes = document
    else:
        envelopes = [document]
    for index, envelope in enumerate(envelopes):
        problem = check_envelope(envelope)
        if problem is not None:
            where = f"record {index}: " if path == BULK_PATH else ""
            return error_reply(400, "ValidationException", where + problem)
    return Request(path, job_id, list(envelopes))
