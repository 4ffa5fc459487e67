"""Payload validation: a nesting limit, then one compiled JSON Schema validator per topic."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

from bc_events.errors import EventValidationError, TopicDefinitionError
from bc_events.schema.valid import InvalidTopicSchema, compile_topic_schema
from bc_events.topics import Topic

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

_CONTAINERS = (dict, list, tuple)
"""The types the validator and the encoder descend into."""
_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Types that are never containers: one set lookup skips the ``isinstance`` checks for most values."""

FieldPath = list[str | int]


class PayloadValidator:
    """Checks ``data`` against one topic's schema; compiled once, reused for every publish.

    A schema without ``$schema`` is read as draft 7, the draft topic files are
    written in (``bc_events.schema``; nothing is fetched).  ``format`` is an
    annotation, not an assertion (as in draft 7's default), so a payload is
    never rejected for, say, an unusual date string.
    """

    __slots__ = ("_topic_name", "_validator")

    def __init__(self, topic: Topic, source: str | None = None) -> None:
        self._topic_name = topic.name
        if topic.compiled is not None:  # checked and compiled once, by the loader
            self._validator = topic.compiled
            return
        try:
            self._validator = compile_topic_schema(topic.schema)
        except InvalidTopicSchema as error:
            raise TopicDefinitionError(
                str(error), source=source, line=topic.line_at(error.path), topic=topic.name
            ) from None

    def validate(self, data: Mapping[str, Any]) -> None:
        """Raise ``EventValidationError`` naming the topic and field if ``data`` is invalid.

        Data nested deeper than ``MAX_DEPTH`` (or containing itself) is refused
        before the native validator sees it.  A NaN or infinity is reported as
        such, not as the ``null`` the validator would read it as.
        """
        if not isinstance(data, Mapping):  # the envelope's data is a JSON object, whatever the schema allows
            raise EventValidationError(
                self._topic_name, (), f"data must be a JSON object (a mapping), not {type(data).__name__}"
            )
        chain = _too_deep(data)
        if chain is not None:
            raise _nesting_error(self._topic_name, chain)
        try:
            if self._validator.is_valid(data):
                return
            first = next(iter(self._validator.iter_errors(data)))
        except ValueError as error:  # a value JSON cannot hold, e.g. a dict with int keys
            raise EventValidationError(self._topic_name, (), str(error)) from None
        raise non_finite_error(self._topic_name, data) or EventValidationError(
            self._topic_name, list(first.instance_path), first.message
        )


def _too_deep(data: object) -> list[Any] | None:
    """The containers from ``data`` down to the first one deeper than ``MAX_DEPTH``, or None.

    An explicit stack of iterators instead of recursion, so no depth of data
    can exhaust the interpreter's stack while it is being measured.
    """
    if type(data) is dict:  # the usual flat payload costs one pass over its values
        for value in data.values():
            if type(value) not in _SCALARS and isinstance(value, _CONTAINERS):
                break
        else:
            return None
    elif not isinstance(data, _CONTAINERS):
        return None
    chain: list[Any] = [data]
    stack: list[Iterator[Any]] = [iter(data.values() if isinstance(data, dict) else data)]
    while stack:
        for value in stack[-1]:
            if type(value) not in _SCALARS and isinstance(value, _CONTAINERS):
                chain.append(value)
                if len(chain) > MAX_DEPTH:
                    return chain
                stack.append(iter(value.values() if isinstance(value, dict) else value))
                break
        else:
            stack.pop()
            chain.pop()
    return None


def _nesting_error(topic_name: str, chain: list[Any]) -> EventValidationError:
    """A cycle if a container of ``chain`` holds one of its ancestors, else data too deep."""
    seen: set[int] = set()
    for depth, container in enumerate(chain):
        if id(container) in seen:
            problem = "the value contains itself (a reference cycle), which JSON cannot represent"
            return EventValidationError(topic_name, _path(chain[: depth + 1]), problem)
        seen.add(id(container))
    problem = f"data is nested more than {MAX_DEPTH} levels deep (objects and arrays inside one another)"
    return EventValidationError(topic_name, _path(chain), problem)


def _path(chain: list[Any]) -> FieldPath:
    """The keys and indexes leading from ``chain[0]`` through each following container."""
    path: FieldPath = []
    for parent, child in itertools.pairwise(chain):
        entries = parent.items() if isinstance(parent, dict) else enumerate(parent)
        path.append(next(key for key, value in entries if value is child))
    return path


def non_finite_error(topic_name: str, data: object) -> EventValidationError | None:
    """An error naming the first NaN or infinity in ``data`` (at most ``MAX_DEPTH`` deep), or None.

    JSON has no such numbers: the validator reads them as ``null`` and the
    encoder refuses them, so either would otherwise report something else.
    """
    stack: list[tuple[object, FieldPath]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            name = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
            return EventValidationError(
                topic_name, path, f"{name} is not valid JSON (JSON numbers are finite)"
            )
        if len(path) < MAX_DEPTH and isinstance(value, _CONTAINERS):
            entries = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((child, [*path, key]) for key, child in reversed(list(entries)))
    return None
