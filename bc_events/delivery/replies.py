"""Reading the Events API's replies into plain outcomes: accepted, retried, rejected or undelivered.

The contract (the seed client's, made precise; the README states it in the
same words as ``bc_events.testing.REPLY_CONTRACT``):

- a 2xx whose body is a JSON object with no ``errorType`` and no
  ``failedRecords`` > 0 delivers every event; a ``records`` list with one
  entry per event, when present, is still read for per-record failures;
- ``failedRecords`` > 0 with a usable ``records`` list retries the retryable
  records and rejects the others; with no usable list, every event is retried
  (never counted delivered);
- a 2xx that is not a JSON object (HTML, empty, an array, cut off) leaves its
  events undelivered;
- a throttling or internal-failure ``errorType`` is retried on any status, as
  are 429 and 5xx; a 400/422 (or 2xx) naming another ``errorType`` rejects the
  events for good; a 413 splits the request; any other reply leaves the
  events undelivered (they stay queued).

Text the server sent is escaped and shortened (``printable``) before it
reaches a log line or an exception.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bc_events.delivery.messages import RawReply
from bc_events.delivery.retry import RetryPolicy
from bc_events.wire import MAX_REPLY_BYTES, SUCCESS


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request achieved, by index into the events it carried.

    Indexes in none of ``retry``, ``rejected`` and ``undelivered`` were
    accepted.  ``rejected`` events were refused for good (retrying will not
    help); ``undelivered`` ones are not retried in this flush but stay queued.
    ``split`` asks for the request to be sent again in halves (HTTP 413).
    ``reason`` says why not everything was accepted (empty when it was).
    """

    retry: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()
    undelivered: tuple[int, ...] = ()
    reason: str = ""
    retry_after: float | None = None
    split: bool = False

    @classmethod
    def whole(cls, sent: int, reason: str, fate: str, retry_after: float | None = None) -> Outcome:
        """The same ``fate`` (``retry``, ``rejected``, ``undelivered`` or ``split``) for every event."""
        indexes = tuple(range(sent))
        if fate == "retry":
            return cls(retry=indexes, reason=reason, retry_after=retry_after)
        if fate == "rejected":
            return cls(rejected=indexes, reason=reason)
        if fate == "split":
            return cls(undelivered=indexes, reason=reason, split=True)
        return cls(undelivered=indexes, reason=reason)


ACCEPTED = Outcome()


def read_reply(reply: RawReply, sent: int, policy: RetryPolicy) -> Outcome:
    """Classify a reply to a request that carried ``sent`` events (on either path)."""
    body = None if reply.truncated else _json_or_none(reply.body)
    error_type = body.get("errorType") if isinstance(body, dict) else None
    status = reply.status
    if not 200 <= status < 300 or error_type is not None:
        described = f"HTTP {status}" + (
            f" {printable(str(error_type))}" if error_type is not None else _snippet(reply)
        )
        if 300 <= status < 400:
            where = printable(reply.location, 300) if reply.location else "no Location header"
            described = f"HTTP {status} redirect to {where} (not followed for a POST: fix api_url)"
        if policy.is_retryable_reply(status, error_type):
            return Outcome.whole(sent, described, "retry", reply.retry_after)
        if status == 413:
            return Outcome.whole(sent, described, "split" if sent > 1 else "rejected")
        return Outcome.whole(sent, described, "rejected" if policy.is_rejection(status, error_type) else "")
    if not isinstance(body, dict):
        return Outcome.whole(sent, f"HTTP {status} reply is not a JSON object{_snippet(reply)}", "")
    return _read_records(body, reply, sent, policy)


def _read_records(body: dict[str, Any], reply: RawReply, sent: int, policy: RetryPolicy) -> Outcome:
    failed = body.get("failedRecords", 0)
    if isinstance(failed, bool) or not isinstance(failed, int | float):
        return Outcome.whole(sent, f"failedRecords is not a number{_snippet(reply)}", "")
    records = body.get("records")
    if failed == 0 and type(records) is list and len(records) == sent and records.count(SUCCESS) == sent:
        return ACCEPTED  # the common reply, checked in C: every record "Success"
    codes = _record_codes(records, sent)
    if codes is None:  # no usable records list
        if failed > 0:
            return Outcome.whole(sent, f"{failed:g} record(s) failed; the reply does not say which", "retry")
        if records is None:
            return ACCEPTED
        got = f"{len(records)} records" if isinstance(records, list) else "a records value that is not a list"
        return Outcome.whole(sent, f"reply does not fit: sent {sent} event(s), reply has {got}", "")
    retry: list[int] = []
    rejected: list[int] = []
    failures: list[str] = []
    for index, code in enumerate(codes):
        if code is None:
            continue
        failures.append(code)
        (retry if policy.is_retryable_record(code) else rejected).append(index)
    if not failures:
        if failed > 0:
            return Outcome.whole(sent, f"{failed:g} record(s) failed; the records list shows none", "retry")
        return ACCEPTED
    return Outcome(tuple(retry), tuple(rejected), (), describe_rejections(failures))


def _record_codes(records: object, sent: int) -> list[str | None] | None:
    """Each record's failure code (None: accepted), or None if the list is missing or unusable."""
    if not isinstance(records, list) or len(records) != sent:
        return None
    codes: list[str | None] = []
    for record in records:
        if record == SUCCESS:  # the common case first: a bulk reply is read once per 250 events
            codes.append(None)
            continue
        code = _record_code(record)
        if code is _UNREADABLE:
            return None
        codes.append(None if code == SUCCESS else code)
    return codes


_UNREADABLE = "\x00unreadable"


def _record_code(record: Any) -> str | None:
    if isinstance(record, str):
        return record
    if not isinstance(record, dict):
        return _UNREADABLE
    for key in ("errorType", "ErrorCode", "status"):
        value = record.get(key)
        if isinstance(value, str):
            return value
        if value is not None:
            return _UNREADABLE
    return None  # e.g. Kinesis' {"SequenceNumber": ..., "ShardId": ...}: no error named


def describe_rejections(codes: Sequence[str]) -> str:
    """A short summary of failed records, e.g. ``2 record(s) failed (ValidationException)``."""
    return f"{len(codes)} record(s) failed ({', '.join(printable(code) for code in sorted(set(codes)))})"


def retry_after_seconds(value: str | None, wall_clock: float) -> float | None:
    """``Retry-After`` (seconds, or an HTTP date read against ``wall_clock``) in seconds; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - wall_clock)


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
