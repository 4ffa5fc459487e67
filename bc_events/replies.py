"""Reading the Events API's replies: delivered, worth retrying, or failed for good.

Anything that does not fit the protocol (a body that is not JSON, JSON without
``errorType``, a ``records`` list of the wrong length) is never taken for
success: the events it concerns count as undelivered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from urllib3 import BaseHTTPResponse
from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

RETRYABLE_ERROR_TYPES = frozenset({"ProvisionedThroughputExceededException", "InternalFailureException"})
"""``errorType`` values of a 400/500 reply that mean "try again later"."""

RETRYABLE_RECORD_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "InternalFailure", "InternalFailureException"}
)
"""Per-record results of a bulk reply that are retried (with only those records)."""

SUCCESS = "Success"

_retry_after_parser = Retry(0)  # urllib3's parser handles both seconds and HTTP dates


class DeliveryFailure(Exception):
    """A request did not deliver its events; ``retryable`` says whether trying again may help."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


def check_single_reply(response: BaseHTTPResponse) -> None:
    """Return if the reply accepted the event; raise ``DeliveryFailure`` otherwise."""
    if 200 <= response.status < 300:
        return
    raise _failure_for_status(response)


@dataclass(frozen=True)
class BulkOutcome:
    """Per-record results of a bulk reply, by index into the records sent."""

    retryable: list[int]
    rejected: list[tuple[int, str]]


def read_bulk_reply(response: BaseHTTPResponse, sent: int) -> BulkOutcome:
    """Classify each record of a bulk reply; raise ``DeliveryFailure`` if the reply is unusable."""
    if not 200 <= response.status < 300:
        raise _failure_for_status(response)
    body = _json_or_none(response.data)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or len(records) != sent:
        got = f"{len(records)} records" if isinstance(records, list) else "no records list"
        raise DeliveryFailure(
            f"bulk reply does not fit: sent {sent} records, reply has {got}; delivery unknown",
            retryable=False,
        )
    retryable: list[int] = []
    rejected: list[tuple[int, str]] = []
    for index, record in enumerate(records):
        code = _record_code(record)
        if code == SUCCESS:
            continue
        if code in RETRYABLE_RECORD_CODES:
            retryable.append(index)
        else:
            rejected.append((index, code))
    return BulkOutcome(retryable, rejected)


def _record_code(record: Any) -> str:
    if isinstance(record, str):
        return record
    if isinstance(record, dict):
        for key in ("errorType", "ErrorCode", "status"):
            if isinstance(record.get(key), str):
                return str(record[key])
    return f"unreadable record result {record!r:.80}"


def _failure_for_status(response: BaseHTTPResponse) -> DeliveryFailure:
    status = response.status
    body = _json_or_none(response.data)
    error_type = body.get("errorType") if isinstance(body, dict) else None
    described = f"HTTP {status}" + (f" {error_type}" if error_type else _snippet(response.data))
    if status == 429 or status >= 500 or error_type in RETRYABLE_ERROR_TYPES:
        return DeliveryFailure(described, retryable=True, retry_after=_retry_after(response))
    return DeliveryFailure(described, retryable=False)


def _retry_after(response: BaseHTTPResponse) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return _retry_after_parser.parse_retry_after(value)
    except InvalidHeader:
        return None


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _snippet(data: bytes, limit: int = 120) -> str:
    text = data.decode("utf-8", "replace").strip()
    return f": {text[:limit]}" if text else ""


def describe_rejections(rejected: Sequence[tuple[int, str]]) -> str:
    """A short summary such as ``2 records rejected (ValidationException)``."""
    codes = sorted({code for _, code in rejected})
    return f"{len(rejected)} record(s) rejected ({', '.join(codes)})"
