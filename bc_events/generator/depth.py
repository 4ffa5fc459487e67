"""Room to recurse: the generator's steps run in a worker thread with a deep stack.

Converting a schema recurses once per level of real nesting (an ``allOf`` whose
branch is a ``$ref`` to another ``allOf``, ``properties`` inside ``properties``),
and the type model is then walked the same way.  Rewriting every step with an
explicit stack would touch the whole pipeline; instead the work runs where
Python may recurse ``FRAMES`` deep on a stack big enough for it.  Beyond that a
``RecursionError`` is turned into a ``TopicDefinitionError`` by the caller,
never shown as a traceback.  Chains of definitions that are only a ``$ref``
cost no depth at all (``refs`` follows them in a loop).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

FRAMES = 100_000
"""Python frames the generator may use: about 14,000 levels of ``allOf: [{$ref: next}]``."""
STACK_BYTES = 256 * 1024 * 1024
"""The worker's stack: reserved, not used, until the recursion needs it."""
NESTING_ADVICE = (
    "nests deeper than the generator follows (about 10,000 levels of allOf, $ref "
    "and properties); flatten it with definitions that refer to one another less deeply"
)
"""What a ``RecursionError`` means to the user, and what to do about it."""

_lock = threading.Lock()  # the recursion limit is the interpreter's: one deep run at a time
_deep = threading.local()


def run_deep(work: Callable[[], T]) -> T:
    """``work()``, run on a thread with room for ``FRAMES`` of recursion; its exception re-raised here."""
    if getattr(_deep, "active", False):  # already on the deep thread
        return work()
    results: list[T] = []
    errors: list[BaseException] = []

    def body() -> None:
        _deep.active = True
        try:
            results.append(work())
        except BaseException as error:  # re-raised on the caller's thread
            errors.append(error)

    with _lock:
        limit = sys.getrecursionlimit()
        size = threading.stack_size(STACK_BYTES)
        sys.setrecursionlimit(max(limit, FRAMES))  # raised only while the deep thread runs
        try:
            worker = threading.Thread(target=body, name="bc-events-gen", daemon=True)
            try:
                worker.start()
            finally:
                threading.stack_size(size)
            worker.join()
        except RuntimeError:  # no room for such a stack (ulimit -v): the default depth, here
            sys.setrecursionlimit(limit)
            return work()
        finally:
            sys.setrecursionlimit(limit)
    if errors:
        raise errors[0]
    return results[0]
