"""What parsing a topic file finds besides its values: lines, problems and warnings.

Both YAML paths (``topic_yaml``'s event path and ``topic_yaml_nodes``' full
loader) report into a ``Recorder``, so they find the same things in the same words.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bc_events.schema.pointer import parse_pointer

KeyLines = dict[str, int]
"""Line (1-based) of each key of one topic mapping, plus ``""`` for the topic itself."""

MAX_ALIAS_EXPANSION = 1_000_000
"""How many nodes YAML aliases may add to a topic file, beyond the nodes written in it.

Generous for real files (a definition of a thousand nodes shared by a thousand
topics), yet it stops an "alias bomb" before anything expands it: compiling
ten million nodes takes seconds and gigabytes.
"""

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number"}


@dataclass(frozen=True)
class Finding:
    """A problem or a warning at one line (1-based) of a topic file, inside topic ``topic_index`` if any."""

    line: int | None
    topic_index: int | None
    message: str


@dataclass(frozen=True)
class ParsedTopics:
    """A parsed topic file: its document, where things were written, what is wrong or suspicious."""

    document: Any
    topic_lines: list[KeyLines]
    source_map: SourceMap
    problems: list[Finding] = field(default_factory=list)
    """Errors, in line order: a loader raises the first."""
    warnings: list[Finding] = field(default_factory=list)


class SourceMap:
    """The line of every mapping, sequence and key of a parsed document.

    Keyed by object identity: each entry keeps its collection alive, so an id
    is never reused while the map exists.  Lines are looked up by path from a
    root (``line_of``), so a collection shared through an alias answers with
    the lines where it was written.
    """

    __slots__ = ("_entries", "_written")

    def __init__(self) -> None:
        # id -> (collection, lines): its line, then the line of each key (mapping) or item
        # (sequence), 0-based, packed (a 5 MB file has a quarter of a million keys)
        self._entries: dict[int, tuple[Any, array[int]]] = {}
        self._written: dict[tuple[int, Any], str] = {}

    def enter(self, container: Any, line: int) -> array[int]:
        """Register ``container``, written at 0-based ``line``; its keys' or items' lines go on the result."""
        lines = array("L", (line,))
        self._entries[id(container)] = (container, lines)
        return lines

    def written_key(self, container: Any, key: Any, text: str | None) -> None:
        """Remember how a key that is not a string (``yes``, ``1.0``) was written."""
        if text is not None:
            self._written[id(container), key] = text

    def key_as_written(self, container: Any, key: Any) -> str:
        """``key`` as the YAML wrote it (``yes`` rather than ``True``), else ``str(key)``."""
        return self._written.get((id(container), key), str(key))

    def line_of(self, root: Any, path: Sequence[Any]) -> int | None:
        """Line (1-based) of the node reached from ``root`` by keys/indexes ``path``.

        A mapping's child is placed at its key's line.  When ``path`` leaves the
        document, the line of the deepest node reached; None if not even ``root`` is known.
        """
        entry = self._entries.get(id(root))
        if entry is None or entry[0] is not root:
            return None
        line: int = entry[1][0] + 1
        node = root
        for step in path:
            entry = self._entries.get(id(node))
            if entry is None or entry[0] is not node:
                break
            index = _child_index(node, step)
            lines = entry[1]
            if index is None or index + 1 >= len(lines):
                break
            line = lines[index + 1] + 1
            node = node[list(node)[index]] if isinstance(node, dict) else node[index]
        return line


def pointer_steps(pointer: str) -> list[str]:
    """The steps of a JSON pointer: ``/properties/a~1b`` -> ``["properties", "a/b"]``."""
    return list(parse_pointer(pointer))


def _child_index(node: Any, step: Any) -> int | None:
    if isinstance(node, dict):
        keys = list(node)
        if step in node:
            return keys.index(step)
        # a pointer token names a non-string key by its text
        matches = [index for index, key in enumerate(keys) if not isinstance(key, str) and str(key) == step]
        return matches[0] if matches else None
    if isinstance(node, list):
        try:
            index = int(step)
        except (TypeError, ValueError):
            return None
        return index if 0 <= index < len(node) else None
    return None


class Recorder:
    """Collects what one parse finds; ``finish`` turns it into ``ParsedTopics``."""

    def __init__(self) -> None:
        self.source_map = SourceMap()
        self.topic_lines: list[KeyLines] = []
        self.problems: list[Finding] = []
        self._expansion = 0
        self._plain_values: list[tuple[Any, str, str, Any, int, int | None]] = []

    def duplicate_key(self, written: str, first: int | None, line: int, topic: int | None) -> None:
        """A key written (as ``written``) at ``line`` and already at line ``first``."""
        where = f"lines {first} and {line}" if first is not None else f"line {line} and before"
        self.problems.append(
            Finding(line, topic, f"duplicate key {written!r} at {where}: YAML keys must be unique")
        )

    def non_string_key(self, written: str, key: Any, line: int, topic: int | None) -> None:
        """A key inside a topic that YAML did not read as a string (JSON keys are strings)."""
        if topic is not None:
            message = f"the key {written} is read by YAML as {key!r}, not a string; quote it: '{written}'"
            self.problems.append(Finding(line, topic, message))

    def recursive_alias(self, line: int, anchor_line: int, topic: int | None) -> None:
        self.problems.append(
            Finding(
                line,
                topic,
                f"recursive YAML alias: it refers to the node at line {anchor_line}, which contains it "
                "(a schema that refers to itself needs $ref)",
            )
        )

    def expanded(self, added: int, line: int, topic: int | None) -> None:
        """An alias adds ``added`` nodes to the expanded document."""
        before = self._expansion
        self._expansion += added
        if before <= MAX_ALIAS_EXPANSION < self._expansion:
            self.problems.append(
                Finding(
                    line,
                    topic,
                    f"YAML aliases expand the definitions by more than {MAX_ALIAS_EXPANSION:,} nodes "
                    "(an alias bomb?); write the repeated parts out or use $ref",
                )
            )

    def plain_value(
        self, holder: Any, keyword: str, text: str, value: Any, line: int, topic: int | None
    ) -> None:
        """A plain scalar YAML read as a bool or number, in ``holder``'s ``enum`` or ``const``."""
        self._plain_values.append((holder, keyword, text, value, line, topic))

    def finish(self, document: Any) -> ParsedTopics:
        warnings = [warning for warning in map(_quote_hint, self._plain_values) if warning is not None]
        warnings.sort(key=lambda finding: finding.line or 0)
        self.problems.sort(key=lambda finding: finding.line or 0)
        return ParsedTopics(document, self.topic_lines, self.source_map, self.problems, warnings)


def _quote_hint(record: tuple[Any, str, str, Any, int, int | None]) -> Finding | None:
    """A warning if a string schema's ``enum``/``const`` holds a value YAML did not read as written."""
    holder, keyword, text, value, line, topic = record
    declared = holder.get("type") if isinstance(holder, dict) else None
    types = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else []
    kind = _JSON_TYPES.get(type(value))
    if "string" not in types or kind is None or kind in types or (kind == "integer" and "number" in types):
        return None
    read_as = "true" if value is True else "false" if value is False else repr(value)
    return Finding(
        line,
        topic,
        f"{keyword} value {text} of a string schema is read by YAML as the {kind} {read_as}, "
        f"not the string {text!r}; quote it: '{text}'",
    )
