"""``python -m bc_events.testing``: a local Events API on the command line, until Ctrl-C or SIGTERM.

The first line of stdout is the URL; then one line per accepted event
(``--json``: one JSON object per line; ``--quiet``: none).  ``GET /events``
lists what was accepted as JSON, ``DELETE /events`` forgets it.  Faults are
chosen with options (``--throttle 3``, ``--fail-rate 0.2``, ...).  stdin is
never read, so the server runs the same from a terminal, under ``&``, in CI or
in a container without ``-i``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TextIO, get_args

from bc_events.testing.faults import Faults, RandomKind
from bc_events.testing.server import AcceptedEvent, EventsAPIServer

_EVERY_REQUEST = 1 << 62
"""``times`` for a rule that applies to every request the server will ever see."""

_COUNTED = {
    "throttle": "reply 400 ProvisionedThroughputExceededException",
    "server_error": "reply 500 InternalFailureException",
    "too_many_requests": "reply 429 with Retry-After: 1",
    "reject": "reply 400 ValidationException (not worth retrying)",
    "drop": "close the connection without a reply",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bc_events.testing",
        description="Serve a local Events API on 127.0.0.1 until interrupted (Ctrl-C or SIGTERM).",
        epilog="GET /events lists the accepted events as JSON; DELETE /events forgets them.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print each accepted event as a JSON line")
    output.add_argument("--quiet", action="store_true", help="print only the URL")
    faults = parser.add_argument_group("faults (counted ones apply first, in this order)")
    for name, what in _COUNTED.items():
        flag = "--" + name.replace("_", "-")
        faults.add_argument(
            flag, type=_count, default=0, metavar="N", help=f"{what}, for the next N requests"
        )
    faults.add_argument("--delay", type=_seconds, metavar="SECONDS", help="wait before handling each request")
    faults.add_argument(
        "--fail-rate", type=_rate, default=0.0, metavar="RATE", help="fail about RATE (0..1) of the requests"
    )
    faults.add_argument(
        "--fail-kinds",
        type=_kinds,
        metavar="KIND,...",
        help="the failures --fail-rate chooses from (default: the retryable ones): "
        + ", ".join(get_args(RandomKind)),
    )
    faults.add_argument("--seed", type=int, default=0, help="seed of --fail-rate (default 0: reproducible)")
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more, got {text}")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _kinds(text: str) -> tuple[RandomKind, ...]:
    known: tuple[RandomKind, ...] = get_args(RandomKind)
    chosen = {kind.strip() for kind in text.split(",") if kind.strip()}
    unknown = sorted(chosen.difference(known))
    if unknown or not chosen:
        shown = ", ".join(unknown) or "(none)"
        raise argparse.ArgumentTypeError(f"unknown kind(s) {shown}; known: {', '.join(known)}")
    return tuple(kind for kind in known if kind in chosen)


def arm(faults: Faults, arguments: argparse.Namespace) -> None:
    """Arm the faults the command line chose."""
    for name in _COUNTED:
        times = getattr(arguments, name)
        if times:
            method: Callable[..., None] = faults.drop_connection if name == "drop" else getattr(faults, name)
            method(times)
    if arguments.delay:
        faults.delay(arguments.delay, times=_EVERY_REQUEST)
    if arguments.fail_rate and arguments.fail_kinds:
        faults.random_rejections(arguments.seed, rate=arguments.fail_rate, kinds=arguments.fail_kinds)
    elif arguments.fail_rate:
        faults.random_rejections(arguments.seed, rate=arguments.fail_rate)


def line_of(event: AcceptedEvent) -> str:
    """One readable line: topic, job id, actor and the data as compact JSON."""
    actor_id, actor_type = event.actor
    data = json.dumps(event.data, separators=(",", ":"), ensure_ascii=False)
    return f"{event.topic} job={event.job_id} actor={actor_type}:{actor_id} data={data}"


class _Printer:
    """Prints accepted events from the server's threads, one whole line at a time."""

    def __init__(self, stream: TextIO, as_json: bool) -> None:
        self._stream, self._as_json = stream, as_json
        self._lock = threading.Lock()
        self._broken = False

    def __call__(self, event: AcceptedEvent) -> None:
        text = json.dumps(event.as_json(), ensure_ascii=False) if self._as_json else line_of(event)
        with self._lock:
            if self._broken:
                return
            try:
                self._stream.write(text + "\n")
                self._stream.flush()
            except (OSError, ValueError):  # the reader went away: keep serving, stop printing
                self._broken = True


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM (exit 0), printing the URL first and then each accepted event."""
    arguments = _parser().parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    with EventsAPIServer(arguments.port) as api:
        arm(api.faults, arguments)
        if not arguments.quiet:
            api.on_accept = _Printer(sys.stdout, arguments.json)
        print(api.url, flush=True)
        print(
            f"serving {api.url}: GET {api.url}/events lists what it accepted; Ctrl-C stops", file=sys.stderr
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
