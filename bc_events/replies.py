"""Reading the Events API's replies into plain values: accepted, worth retrying, or rejected.

Anything that does not fit the protocol (a body that is not JSON, a 2xx
without ``{"status": "Success"}`` for one event, a ``records`` list of the
wrong length, a body longer than ``MAX_REPLY_BYTES``) is never taken for
success: the events it concerns count as undelivered.  Whether a failure is
retried is ``RetryPolicy``'s decision alone.  Text the server sent is escaped
and shortened (``printable``) before it reaches a log line or an exception.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from bc_events.pool import RawReply
from bc_events.retry import RetryPolicy
from bc_events.wire import MAX_REPLY_BYTES, SUCCESS

_retry_after_parser = Retry(0)  # urllib3's parser handles both seconds and HTTP dates


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request achieved, by index into the events it carried.

    Indexes in neither ``retry`` nor ``rejected`` were accepted.  ``reason``
    says why not everything was (empty when everything was).
    """

    retry: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()
    reason: str = ""
    retry_after: float | None = None

    @classmethod
    def whole(cls, sent: int, reason: str, *, retryable: bool, retry_after: float | None = None) -> Outcome:
        """The same fate for every event of the request."""
        indexes = tuple(range(sent))
        if retryable:
            return cls(retry=indexes, reason=reason, retry_after=retry_after)
        return cls(rejected=indexes, reason=reason)


ACCEPTED = Outcome()


def read_reply(reply: RawReply, sent: int, bulk: bool, policy: RetryPolicy) -> Outcome:
    """Classify a reply to a request that carried ``sent`` events."""
    body = None if reply.truncated else _json_or_none(reply.body)
    error_type = body.get("errorType") if isinstance(body, dict) else None
    if not 200 <= reply.status < 300 or error_type is not None:
        described = f"HTTP {reply.status}" + (
            f" {printable(str(error_type))}" if error_type is not None else _snippet(reply)
        )
        if policy.is_retryable_reply(reply.status, error_type):
            return Outcome.whole(sent, described, retryable=True, retry_after=_retry_after(reply))
        return Outcome.whole(sent, described, retryable=False)
    if bulk:
        return _read_records(body, reply, sent, policy)
    if isinstance(body, dict) and body.get("status") == SUCCESS:
        return ACCEPTED
    return Outcome.whole(
        sent, f"HTTP {reply.status} reply does not fit the protocol{_snippet(reply)}", retryable=False
    )


def _read_records(body: Any, reply: RawReply, sent: int, policy: RetryPolicy) -> Outcome:
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or len(records) != sent:
        got = f"{len(records)} records" if isinstance(records, list) else f"no records list{_snippet(reply)}"
        return Outcome.whole(
            sent, f"bulk reply does not fit: sent {sent} records, reply has {got}", retryable=False
        )
    retry: list[int] = []
    rejected: list[int] = []
    codes: list[str] = []
    for index, record in enumerate(records):
        if record == SUCCESS:  # the common case first: a bulk reply is read once per 250 events
            continue
        code = _record_code(record)
        if code == SUCCESS:
            continue
        codes.append(code)
        (retry if policy.is_retryable_record(code) else rejected).append(index)
    if not codes:
        return ACCEPTED
    return Outcome(tuple(retry), tuple(rejected), describe_rejections(codes))


def describe_rejections(codes: Sequence[str]) -> str:
    """A short summary of failed records, e.g. ``2 record(s) failed (ValidationException)``."""
    return f"{len(codes)} record(s) failed ({', '.join(printable(code) for code in sorted(set(codes)))})"


def _record_code(record: Any) -> str:
    if isinstance(record, str):
        return record
    if isinstance(record, dict):
        for key in ("errorType", "ErrorCode", "status"):
            if isinstance(record.get(key), str):
                return str(record[key])
    return f"unreadable record result {repr(record)[:200]}"


def _retry_after(reply: RawReply) -> float | None:
    if reply.retry_after is None:
        return None
    try:
        return _retry_after_parser.parse_retry_after(reply.retry_after)
    except InvalidHeader:
        return None


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _snippet(reply: RawReply) -> str:
    text = reply.body.decode("utf-8", "replace").strip()
    more = f" (body longer than {MAX_REPLY_BYTES} bytes)" if reply.truncated else ""
    return f": {printable(text)}{more}" if text else more


def printable(text: str, limit: int = 120) -> str:
    """``text`` safe for one log line: control characters and non-ASCII escaped, cut at ``limit``."""
    escaped = text[: limit + 1].encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= limit and len(text) <= limit else escaped[:limit] + "..."
