"""``python -m bc_events.testing [--port N]``: serve a local Events API until stdin closes.

The first line of stdout is the URL.  Each line ``reset`` on stdin clears what
the server recorded (``EventsAPIServer.reset``), so a long-running driver such
as a benchmark keeps the server's memory flat.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from bc_events.testing.server import EventsAPIServer


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until stdin closes (or Ctrl-C), printing the URL as the first line of stdout."""
    parser = argparse.ArgumentParser(prog="python -m bc_events.testing", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free port)")
    arguments = parser.parse_args(argv)
    with EventsAPIServer(arguments.port) as api:
        print(api.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            for line in sys.stdin:
                if line.strip() == "reset":
                    api.reset()
                    print("reset", flush=True)


if __name__ == "__main__":
    main()
