"""The reply contract as a table: (status, body, events sent) -> what becomes of each event."""

from __future__ import annotations

import json

import pytest

from bc_events.delivery.messages import RawReply
from bc_events.delivery.replies import Outcome, printable, read_reply, retry_after_seconds
from bc_events.delivery.retry import RetryPolicy

POLICY = RetryPolicy()
T = "ProvisionedThroughputExceededException"
ALL = "all"


def j(document: object) -> bytes:
    return json.dumps(document).encode()


def fates(outcome: Outcome, sent: int) -> dict[str, object]:
    """The outcome in the table's words: each fate's indexes ("all" when every event has it)."""
    named: dict[str, object] = {}
    for fate in ("retry", "rejected", "undelivered"):
        indexes = getattr(outcome, fate)
        if indexes:
            named[fate] = ALL if indexes == tuple(range(sent)) else list(indexes)
    if outcome.split:
        named["split"] = True
    return named


DELIVERED: dict[str, object] = {}

# (status, body, sent, expected): bodies are bytes as received
TABLE = [
    # -- delivered: any 2xx JSON object without errorType and without failedRecords > 0, either path
    (200, j({"status": "Success"}), 1, DELIVERED),
    (201, j({"eventId": "e-1", "jobId": "j-1"}), 1, DELIVERED),
    (202, j({}), 1, DELIVERED),
    (200, j({"status": "Failed"}), 1, DELIVERED),
    (204, j({"errorType": None}), 1, DELIVERED),
    (200, j({"failedRecords": 0}), 250, DELIVERED),
    (200, j({"failedRecords": 0, "records": ["Success"] * 3}), 3, DELIVERED),
    (200, j({"records": ["Success"] * 3}), 3, DELIVERED),
    (200, j({"records": [{"SequenceNumber": "1", "ShardId": "s"}] * 2}), 2, DELIVERED),
    (200, j({"records": [{"status": "Success"}, {"ErrorCode": None}]}), 2, DELIVERED),
    (201, j({"eventId": "e-1", "jobId": "j-1"}), 7, DELIVERED),
    (200, j({"failedRecords": 0.0}), 2, DELIVERED),
    # -- records read for per-record failures
    (200, j({"failedRecords": 1, "records": ["Success", T, "Success"]}), 3, {"retry": [1]}),
    (200, j({"failedRecords": 1, "records": ["Success", "ValidationException"]}), 2, {"rejected": [1]}),
    (200, j({"records": ["ValidationException", "Success"]}), 2, {"rejected": [0]}),
    (
        200,
        j({"failedRecords": 3, "records": [T, "ValidationException", "InternalFailure", "Success"]}),
        4,
        {"retry": [0, 2], "rejected": [1]},
    ),
    (
        200,
        j({"failedRecords": 2, "records": [{"ErrorCode": T}, {"errorType": "Bad"}]}),
        2,
        {"retry": [0], "rejected": [1]},
    ),
    (200, j({"failedRecords": 1, "records": [{"status": "InternalFailureException"}]}), 1, {"retry": ALL}),
    # -- failedRecords > 0 with no usable list: retry every event, never delivered
    (200, j({"failedRecords": 2}), 5, {"retry": ALL}),
    (200, j({"failedRecords": 1, "records": ["Success"]}), 2, {"retry": ALL}),
    (200, j({"failedRecords": 1, "records": "oops"}), 2, {"retry": ALL}),
    (200, j({"failedRecords": 1, "records": ["Success", "Success"]}), 2, {"retry": ALL}),
    (200, j({"failedRecords": 1, "records": [None, "Success"]}), 2, {"retry": ALL}),
    (200, j({"failedRecords": 1, "records": [{"ErrorCode": 7}, T]}), 2, {"retry": ALL}),
    # -- a records list that does not fit, with nothing said to have failed: undelivered
    (200, j({"failedRecords": 0, "records": ["Success"] * 2}), 3, {"undelivered": ALL}),
    (200, j({"records": "Success"}), 3, {"undelivered": ALL}),
    (200, j({"records": [42]}), 1, {"undelivered": ALL}),
    (200, j({"failedRecords": "0"}), 2, {"undelivered": ALL}),
    (200, j({"failedRecords": True}), 2, {"undelivered": ALL}),
    # -- a 2xx that is not a JSON object: undelivered
    (200, b"<html>OK</html>", 1, {"undelivered": ALL}),
    (200, b"", 1, {"undelivered": ALL}),
    (200, j(["Success"]), 1, {"undelivered": ALL}),
    (200, j(None), 1, {"undelivered": ALL}),
    (200, b'{"status": "Succ', 1, {"undelivered": ALL}),
    (200, b"\xff\xfe", 6, {"undelivered": ALL}),
    (200, j("Success"), 6, {"undelivered": ALL}),
    # -- retried on any status: throttling, internal failure, 429, 5xx
    (200, j({"errorType": T}), 1, {"retry": ALL}),
    (400, j({"errorType": T}), 3, {"retry": ALL}),
    (202, j({"errorType": "InternalFailureException"}), 6, {"retry": ALL}),
    (429, j({"message": "slow down"}), 1, {"retry": ALL}),
    (500, b"", 1, {"retry": ALL}),
    (502, b"<html>Bad Gateway</html>", 10, {"retry": ALL}),
    (503, j({"errorType": "ServiceUnavailable"}), 2, {"retry": ALL}),
    (500, j({"errorType": "ValidationException"}), 2, {"retry": ALL}),
    # -- rejected for good: a 400/422 or 2xx naming what is wrong with the events
    (400, j({"errorType": "ValidationException", "message": "bad"}), 1, {"rejected": ALL}),
    (400, j({"errorType": "SerializationException"}), 4, {"rejected": ALL}),
    (422, j({"errorType": "ValidationException"}), 1, {"rejected": ALL}),
    (200, j({"errorType": "ValidationException"}), 6, {"rejected": ALL}),
    # -- too large: split, down to one event (then rejected)
    (413, b"", 2, {"undelivered": ALL, "split": True}),
    (413, j({"message": "Request Too Long"}), 250, {"undelivered": ALL, "split": True}),
    (413, b"<html>413</html>", 1, {"rejected": ALL}),
    # -- other failures concern the client or the path between: undelivered (kept queued)
    (400, b"<html>Bad Request</html>", 1, {"undelivered": ALL}),
    (400, j({"message": "no errorType"}), 6, {"undelivered": ALL}),
    (401, j({"message": "Unauthorized"}), 1, {"undelivered": ALL}),
    (403, j({"errorType": "AccessDeniedException"}), 6, {"undelivered": ALL}),
    (404, j({"errorType": "NotFound"}), 1, {"undelivered": ALL}),
    (405, b"", 1, {"undelivered": ALL}),
    (301, b"", 1, {"undelivered": ALL}),
    (307, b"<html>moved</html>", 6, {"undelivered": ALL}),
    (100, b"", 1, {"undelivered": ALL}),
]


@pytest.mark.parametrize(("status", "body", "sent", "expected"), TABLE)
def test_reply_contract(status: int, body: bytes, sent: int, expected: dict[str, object]) -> None:
    outcome = read_reply(RawReply(status, body), sent, POLICY)
    assert fates(outcome, sent) == expected
    assert bool(outcome.reason) == bool(expected), "a reason exactly when not everything was accepted"


@pytest.mark.parametrize("body", [j({"status": "Success"}), j({"failedRecords": 0})])
def test_a_truncated_2xx_is_never_success(body: bytes) -> None:
    outcome = read_reply(RawReply(200, body, truncated=True), 3, POLICY)
    assert fates(outcome, 3) == {"undelivered": ALL}
    assert "longer than" in outcome.reason


def test_a_redirect_is_reported_with_its_location() -> None:
    outcome = read_reply(RawReply(301, b"", location="https://new.example/events\r\nX: y"), 1, POLICY)
    assert outcome.reason.startswith("HTTP 301 redirect to https://new.example/events\\r\\nX: y")
    assert "not followed" in outcome.reason
    bare = read_reply(RawReply(302, b""), 1, POLICY)
    assert "no Location header" in bare.reason


def test_retry_after_is_carried_only_by_retried_replies() -> None:
    assert read_reply(RawReply(429, b"", retry_after=3.0), 1, POLICY).retry_after == 3.0
    assert (
        read_reply(
            RawReply(400, j({"errorType": "ValidationException"}), retry_after=3.0), 1, POLICY
        ).retry_after
        is None
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Thu, 01 Jan 2026 00:00:10 GMT", 10.0),
        ("Thu, 01 Jan 2026 00:00:00 GMT", 0.0),
        ("Wed, 31 Dec 2025 23:00:00 GMT", 0.0),  # in the past: no wait
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    now = 1767225600.0  # 2026-01-01T00:00:00Z
    assert retry_after_seconds(value, now) == expected


def test_error_types_and_codes_from_the_server_are_escaped_and_shortened() -> None:
    outcome = read_reply(RawReply(200, j({"records": ["Bad\nRecord" + "x" * 1000]})), 1, POLICY)
    assert "Bad\\nRecord" in outcome.reason
    assert "\n" not in outcome.reason
    assert len(outcome.reason) < 200
    assert printable("\x1b[2K\u00e9") == "\\x1b[2K\\xe9"
