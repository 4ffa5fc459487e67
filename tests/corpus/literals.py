"""Writing JSON payloads as Python source: the literal and the file that hands it to a method."""

from __future__ import annotations

import math
import pprint
from typing import Any

_WIDTH = 100


def python_literal(value: Any) -> str:
    """A Python expression that evaluates to ``value`` (a JSON document), spread over lines.

    ``pprint`` writes dicts, lists and scalars with ``repr`` (so any string,
    quotes, backslashes, non-ASCII and lone surrogates included, round-trips),
    keeps key order, and puts each entry on its own line, so a type checker's
    error points at the entry it is about.
    """
    _check_json(value)
    return pprint.pformat(value, width=_WIDTH, sort_dicts=False)


def _check_json(value: Any) -> None:
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a JSON number: {value!r}")
        return
    if isinstance(value, list):
        for item in value:
            _check_json(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"not a JSON object key: {key!r}")
            _check_json(item)
        return
    raise ValueError(f"not a JSON value: {type(value).__name__}")


def call_module(module: str, method: str, payload: Any, comment: str) -> str:
    """Source of a module that passes ``payload`` as a literal to ``session.<method>``.

    ``comment`` (one or more lines) heads the file and says what it checks.
    """
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    argument = python_literal(payload).replace("\n", "\n        ")
    return (
        f"{header}"
        f"from {module} import EventSession\n"
        "\n\n"
        "def publish(session: EventSession) -> None:\n"
        f"    session.{method}(\n"
        f"        {argument}\n"
        "    )\n"
    )
