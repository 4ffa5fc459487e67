"""Event data as plain JSON values: the one walk over a payload at ``publish()``.

The generated types admit more than ``dict``/``list``/``str``: any ``Mapping``
and ``Sequence``, and subclasses of ``str``, ``int`` and ``float`` (a
``markupsafe.Markup``, an ``IntEnum`` member, a ``numpy.float64``).  The walk
copies such data into plain JSON values, so the validator, the encoder and
``Event.data`` all see the same thing, and the event is a snapshot the caller
cannot change afterwards.  Values JSON cannot hold are reported with their
field path and what to pass instead, all of them in one go.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

from bc_events.errors import FieldError

MAX_DEPTH = 64
"""How many objects and arrays event data may hold inside one another (the data itself is level 1).

The native validator and the JSON encoder recurse once per level, so data
nested deeply enough crashes the interpreter (a stack overflow in native code)
or raises ``RecursionError``; data deeper than this is refused before either
sees it.  64 is about nine times the deepest GitHub webhook payload (7 levels),
and leaves room on small thread stacks: against a recursive ``$ref`` schema the
native validator needs about half a KiB of stack per level, so 64 levels pass
in a thread with a 64 KiB stack, while 500 levels overflow 256 KiB.
"""

FieldPath = tuple[str | int, ...]

_SURROGATE = re.compile("[\ud800-\udfff]")
"""Surrogate code points: a Python str may hold them (``surrogateescape`` makes them), UTF-8 may not."""
_NOT_TEXT = (bytes, bytearray, memoryview)
"""Sequences (by ``collections.abc``) that are binary data, not JSON arrays."""
_NOT_ARRAYS = (str, *_NOT_TEXT)


class _TooDeep(Exception):
    """Stops the whole walk: a cycle would otherwise be walked once per path through it."""

    def __init__(self, path: FieldPath) -> None:
        self.path = path


def plain_json(data: Mapping[Any, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """A copy of ``data`` made of ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` and None.

    Returns the copy and the problems found (empty when the copy is usable):
    each names the field path and the value JSON cannot hold -- a date,
    bytes, a Decimal, a set, NaN, a surrogate code point, a key that is not a
    str -- or data nested more than ``MAX_DEPTH`` levels (or containing itself,
    which stops the walk there).
    """
    problems: list[FieldError] = []
    try:
        copy = _object(data, (), 1, problems)
    except _TooDeep as stop:
        problems.append(_nesting_problem(data, stop.path))
        copy = {}
    return copy, problems


# The two walkers keep the common case inline: a value whose type is exactly str, int, float,
# bool or None costs one type() and an identity test or two.  Anything else goes to _value.


def _object(
    value: Mapping[Any, Any], path: FieldPath, depth: int, problems: list[FieldError]
) -> dict[str, Any]:
    source = value if type(value) is dict else dict(value)
    copy = source.copy()
    rekey = False
    for key, item in source.items():
        if type(key) is not str or not key.isascii():
            if not isinstance(key, str):
                problems.append(
                    FieldError(path, f"key {key!r} is {_a(key)}, but JSON object keys are strings")
                )
                continue
            rekey = rekey or type(key) is not str
            if _SURROGATE.search(key):
                problems.append(FieldError(path, _surrogate(f"key {ascii(key)[:60]}", key)))
        kind = type(item)
        if kind is str:
            if not item.isascii() and _SURROGATE.search(item):
                problems.append(FieldError((*path, key), _surrogate("str", item)))
        elif kind is float:
            if not math.isfinite(item):
                problems.append(FieldError((*path, key), _non_finite(item)))
        elif kind is not int and kind is not bool and item is not None:
            copy[key] = _value(item, (*path, key), depth, problems)
    if rekey:
        copy = _str_keys(copy, path, problems)
    return copy


def _array(value: Sequence[Any], path: FieldPath, depth: int, problems: list[FieldError]) -> list[Any]:
    copy = list(value)
    for index, item in enumerate(copy):
        kind = type(item)
        if kind is str:
            if not item.isascii() and _SURROGATE.search(item):
                problems.append(FieldError((*path, index), _surrogate("str", item)))
        elif kind is float:
            if not math.isfinite(item):
                problems.append(FieldError((*path, index), _non_finite(item)))
        elif kind is not int and kind is not bool and item is not None:
            copy[index] = _value(item, (*path, index), depth, problems)
    return copy


def _value(item: object, path: FieldPath, depth: int, problems: list[FieldError]) -> Any:
    """A value that is not exactly a JSON scalar: a container, a subclass, or a problem."""
    kind = type(item)
    mapping = kind is dict or (kind is not list and isinstance(item, Mapping))
    if mapping or kind is list or (isinstance(item, Sequence) and not isinstance(item, _NOT_ARRAYS)):
        if depth >= MAX_DEPTH:
            raise _TooDeep(path)
        if mapping:
            return _object(item, path, depth + 1, problems)  # type: ignore[arg-type]
        return _array(item, path, depth + 1, problems)  # type: ignore[arg-type]
    # Base-class methods, not str()/int()/float(): a subclass's override cannot change the value.
    if isinstance(item, str):
        text = str.__str__(item)
        if _SURROGATE.search(text):
            problems.append(FieldError(path, _surrogate("str", text)))
        return text
    if isinstance(item, int):  # bool cannot be subclassed, and exact bools never get here
        return int.__int__(item)
    if isinstance(item, float):
        number = float.__float__(item)
        if not math.isfinite(number):
            problems.append(FieldError(path, _non_finite(number)))
        return number
    problems.append(FieldError(path, _not_json(item)))
    return None


def _str_keys(copy: dict[Any, Any], path: FieldPath, problems: list[FieldError]) -> dict[str, Any]:
    """``copy`` with ``str`` subclass keys (e.g. ``Markup``) as plain strs, in the same order."""
    plain = {str.__str__(key) if isinstance(key, str) else key: item for key, item in copy.items()}
    if len(plain) < len(copy):
        problems.append(FieldError(path, "two keys are the same str once their str subclass is dropped"))
    return plain


def _nesting_problem(data: Mapping[Any, Any], path: FieldPath) -> FieldError:
    """A cycle if a container on ``path`` is one of its own ancestors, else data too deep."""
    seen: set[int] = set()
    node: Any = data
    for depth, key in enumerate((*path, None)):
        if id(node) in seen:
            problem = "the value contains itself (a reference cycle), which JSON cannot represent"
            return FieldError(path[:depth], problem)
        seen.add(id(node))
        if key is not None:
            node = node[key]
    problem = f"data is nested more than {MAX_DEPTH} levels deep (objects and arrays inside one another)"
    return FieldError(path, problem)


def _non_finite(number: float) -> str:
    name = "NaN" if math.isnan(number) else "Infinity" if number > 0 else "-Infinity"
    return f"{name} is not valid JSON (JSON numbers are finite)"


def _surrogate(what: str, text: str) -> str:
    match = _SURROGATE.search(text)
    assert match is not None
    return (
        f"{what} has a lone surrogate (U+{ord(match.group()):04X} at index {match.start()}), which is not "
        "text: PostgreSQL jsonb and other JSON readers refuse it (decode bytes with errors='replace', "
        "not 'surrogateescape')"
    )


def _a(value: object) -> str:
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


_HINTS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    ((datetime.date, datetime.time), "pass an ISO 8601 string"),  # datetime is a date
    (datetime.timedelta, "pass a number of seconds or an ISO 8601 duration string"),
    (_NOT_TEXT, "decode it to a str, or pass it as base64 text"),
    (decimal.Decimal, "pass a str (exact) or a float"),
    (uuid.UUID, "pass str(value)"),
    (enum.Enum, "pass its .value"),
    (Set, "pass a list"),
    (Iterable, "pass a list"),
)
"""What to pass instead, by type: the first match wins."""


def _not_json(value: object) -> str:
    for kinds, hint in _HINTS:
        if isinstance(value, kinds):
            return f"{type(value).__name__} is not a JSON value; {hint}"
    return (
        f"{type(value).__name__} is not a JSON value; pass a str, int, float, bool, None, "
        "a mapping or a sequence"
    )
