"""The console scripts' entry points: the real command lines, imported only when run.

``pip install bc-events`` (no extras) installs ``bc-events-gen`` and
``bc-events-compat`` too, but not what they import (click, Jinja2, black: the
``generator`` extra).  Run there, they print one line naming the extra to
install and exit 2, instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

_GENERATOR_EXTRA = frozenset({"black", "click", "jinja2"})
"""The top-level modules the generator extra provides; a missing one of these is an install problem."""


def _run(program: str, load: Callable[[], Callable[[], object]]) -> None:
    try:
        command = load()
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in _GENERATOR_EXTRA:
            raise  # not a missing extra: a real bug, shown as one
        print(f'{program} needs the generator extra: pip install "bc-events[generator]"', file=sys.stderr)
        sys.exit(2)
    command()


def _generator() -> Callable[[], object]:
    from bc_events.generator.cli import main

    return main


def _compat() -> Callable[[], object]:
    from bc_events.compat.cli import main

    return main


def generator_main() -> None:
    """``bc-events-gen``."""
    _run("bc-events-gen", _generator)


def compat_main() -> None:
    """``bc-events-compat``."""
    _run("bc-events-compat", _compat)
