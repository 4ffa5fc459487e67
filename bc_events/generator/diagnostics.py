"""Warnings about constructs typed wider than their schema: once per construct, not per copy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bc_events.topics import Topic


class WarningLog:
    """Formats ``file:line: topic X: warning: Schema/...: message`` and drops repeats.

    Identical constructs (the same definition copied into many topics, the same
    inline schema repeated) are warned about once, at their first place.
    """

    def __init__(self, source: str, emit: Callable[[str], Any]) -> None:
        self.source = source
        self._emit = emit
        self._seen: set[tuple[str, str]] = set()
        self.messages: list[str] = []

    def warn(self, topic: Topic, pointer: str, message: str, construct: Any) -> None:
        key = (message, json.dumps(construct, sort_keys=True, default=repr))
        if key in self._seen:
            return
        self._seen.add(key)
        line = topic.line_of(pointer.removeprefix("Schema"))
        where = f"{self.source}:{line}" if line else self.source
        self.add(f"{where}: topic {topic.name}: warning: {pointer}: {message}")

    def add(self, text: str) -> None:
        """A warning already formatted, e.g. one of the loader's ``TopicDefinitions.warnings``."""
        self.messages.append(text)
        self._emit(text)
