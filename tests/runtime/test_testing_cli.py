"""``python -m bc_events.testing`` as a tool: a real process, stdin closed, stopped by signals.

Each test starts the server with stdin at /dev/null (as in CI, a script or a
container without ``-i``), talks to it over HTTP and reads what it prints.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3

from bc_events.testing.__main__ import _parser, arm, line_of
from bc_events.testing.faults import Drop, Faults
from bc_events.testing.protocol import Request
from bc_events.testing.server import AcceptedEvent

ENVELOPE = {
    "category": "testing",
    "entity": "Test",
    "action": "Created",
    "data": {"id": "1", "name": "Ada"},
    "actor": {"id": "svc", "type": "service"},
}
HTTP = urllib3.PoolManager(retries=False, timeout=10)


class Tool:
    """The running process, its URL and its stdout."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bc_events.testing", *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.stdout = self.process.stdout
        self.url = self.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.process.stderr

    def post(self, envelope: dict[str, Any], path: str = "/events") -> urllib3.BaseHTTPResponse:
        body = json.dumps(envelope if path == "/events" else [envelope]).encode()
        return HTTP.request("POST", self.url + path, body=body, headers={"x-britecore-job-id": "job-1"})

    def received(self) -> Any:
        reply = HTTP.request("GET", self.url + "/events")
        assert reply.status == 200
        return json.loads(reply.data)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=10)


@pytest.fixture
def tool() -> Iterator[Callable[..., Tool]]:
    started: list[Tool] = []

    def start(*arguments: str) -> Tool:
        started.append(Tool(*arguments))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
        running.process.wait(timeout=10)
        running.stdout.close()
        assert running.process.stderr is not None
        running.process.stderr.close()


def test_it_keeps_serving_with_stdin_closed_and_lists_what_it_accepted(tool: Callable[..., Tool]) -> None:
    server = tool()
    assert server.post(ENVELOPE).status == 200  # the old tool had exited at EOF on stdin by now
    assert server.post(ENVELOPE, "/events/bulk/").status == 200
    received = server.received()
    assert received["count"] == 2
    assert [event["topic"] for event in received["events"]] == ["testing.TestCreated"] * 2
    assert received["events"][1] == {
        "topic": "testing.TestCreated",
        "job_id": "job-1",
        "path": "/events/bulk/",
        "envelope": ENVELOPE,
    }
    line = 'testing.TestCreated job=job-1 actor=service:svc data={"id":"1","name":"Ada"}\n'
    assert [server.stdout.readline(), server.stdout.readline()] == [line, line]
    assert server.stop() == 0
    assert server.stdout.read() == ""  # nothing printed after the last event


def test_json_lines_and_delete_forgets(tool: Callable[..., Tool]) -> None:
    server = tool("--json")
    server.post(ENVELOPE)
    assert json.loads(server.stdout.readline())["envelope"] == ENVELOPE
    assert HTTP.request("DELETE", server.url + "/events").status == 200
    assert server.received() == {"count": 0, "events": []}
    assert server.stop(signal.SIGINT) == 0


def test_faults_from_the_command_line(tool: Callable[..., Tool]) -> None:
    server = tool("--throttle", "1", "--reject", "1", "--quiet")
    first, second, third = (server.post(ENVELOPE) for _ in range(3))
    assert (first.status, json.loads(first.data)["errorType"]) == (
        400,
        "ProvisionedThroughputExceededException",
    )
    assert (second.status, json.loads(second.data)["errorType"]) == (400, "ValidationException")
    assert third.status == 200
    assert server.received()["count"] == 1
    assert server.stop() == 0
    assert server.stdout.read() == ""  # --quiet: only the URL


def test_a_fail_rate_of_one_fails_every_request(tool: Callable[..., Tool]) -> None:
    server = tool("--fail-rate", "1", "--fail-kinds", "drop")
    for _ in range(3):
        with pytest.raises(urllib3.exceptions.ProtocolError):
            server.post(ENVELOPE)
    assert server.received()["count"] == 0
    assert server.stop() == 0


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--fail-rate", "2"], "must be between 0 and 1, got 2"),
        (["--fail-kinds", "drop,nope"], "unknown kind(s) nope; known: throttle"),
        (["--throttle", "-1"], "must be 0 or more, got -1"),
        (["--delay", "inf"], "must be a number of seconds"),
        (["--json", "--quiet"], "not allowed with argument"),
    ],
)
def test_bad_options_are_usage_errors(arguments: list[str], problem: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bc_events.testing", *arguments],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert problem in result.stderr


def _request() -> Request:
    return Request("/events", "job-1", [ENVELOPE])


def _options(*arguments: str) -> argparse.Namespace:
    return _parser().parse_args(arguments)


def test_counted_faults_apply_in_order_then_the_delay_for_every_request() -> None:
    faults = Faults()
    arm(faults, _options("--drop", "1", "--server-error", "2", "--delay", "0.5"))  # listed order: --help's
    outcomes = [faults.next_outcome(_request()) for _ in range(5)]
    assert [getattr(outcome, "status", None) for outcome in outcomes[:2]] == [500, 500]
    assert isinstance(outcomes[2], Drop)
    assert [getattr(outcome, "seconds", None) for outcome in outcomes[3:]] == [0.5, 0.5]


def test_no_options_arm_nothing() -> None:
    faults = Faults()
    arm(faults, _options())
    assert faults.remaining == 0
    assert faults.next_outcome(_request()) is None


def test_the_printed_line_keeps_unicode_and_the_data_compact() -> None:
    event = AcceptedEvent({**ENVELOPE, "data": {"name": "Zoë", "n": [1, 2]}}, "j", "/events")
    assert line_of(event) == 'testing.TestCreated job=j actor=service:svc data={"name":"Zoë","n":[1,2]}'
