"""ECMA-262 regular expressions as JavaScript validators read them, made readable by jsonschema-rs.

``pattern`` and ``patternProperties`` are ECMA-262 regular expressions, and
real schemas lean on Annex B, the web-compatibility grammar browsers and JS
validators follow: ``^\\${{.*}}$`` (a brace that starts no quantifier is a
literal brace), ``{?[0-9A-F]{8}}?``, a lone ``]``, ``\\0``, legacy octal
escapes, ``[\\d-z]`` (a ``-`` beside a class escape is a literal ``-``).  The
validator refuses these as "not a regex"; ``translate`` rewrites each into the
strict form with the same meaning (``\\{``, ``\\x00``, ``[\\d\\-z]`` ...), and leaves
every other pattern exactly as written, so nothing a validator accepted
changes.  ``translate_schema`` applies it to the patterns of a schema, in
schema positions only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bc_events.schema.dialects import Dialect
from bc_events.schema.pointer import Path, replaced
from bc_events.schema.walk import Site, walk

_QUANTIFIER = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_CLASS_ESCAPES = frozenset("dDwWsS")
_GROUP_NAME = re.compile(r"\(\?<([A-Za-z_$][A-Za-z0-9_$]*)>")


def translate(pattern: str) -> str:
    """``pattern`` with its Annex B forms written strictly; unchanged when it has none."""
    if not any(c in pattern for c in "{}]\\["):
        return pattern
    translated = _Translation(pattern).run()
    return pattern if translated == pattern else translated


class _Translation:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.out: list[str] = []
        self.groups = _group_numbers(pattern)

    def run(self) -> str:
        text, i, in_class = self.text, 0, False
        while i < len(text):
            char = text[i]
            if char == "\\":
                i = self._escape(i, in_class)
            elif in_class:
                in_class = char != "]"
                self.out.append(self._in_class(i))
                i += 1
            elif char == "[":
                i, in_class = self._open_class(i)
            elif char == "{":
                match = _QUANTIFIER.match(text, i)
                self.out.append(match.group() if match else "\\{")
                i = match.end() if match else i + 1
            else:
                self.out.append("\\" + char if char in "}]" else char)
                i += 1
        return "".join(self.out)

    def _open_class(self, i: int) -> tuple[int, bool]:
        if self.text.startswith("[^]", i):  # any character, newlines too
            self.out.append("[\\s\\S]")
            return i + 3, False
        if self.text.startswith("[]", i):  # no character at all
            self.out.append("(?!)")
            return i + 2, False
        opening = "[^" if self.text.startswith("[^", i) else "["
        self.out.append(opening)
        return i + len(opening), True

    def _in_class(self, i: int) -> str:
        char = self.text[i]
        if char == "[":
            return "\\["  # a literal in ECMA-262; elsewhere the start of a nested class
        if char == "-" and (_class_escape_at(self.text, i - 2) or _class_escape_at(self.text, i + 1)):
            return "\\-"  # [\d-z]: no range has a class for an end, so the '-' is literal
        return char

    def _escape(self, i: int, in_class: bool) -> int:
        """Copy or rewrite the escape starting at ``i``; the index after it."""
        text = self.text
        if i + 1 >= len(text):
            self.out.append("\\")  # a trailing backslash: left for the validator to refuse
            return i + 1
        following = text[i + 1]
        if following.isdigit() and following.isascii():
            return self._numeric_escape(i, in_class)
        if following == "c" and not (i + 2 < len(text) and text[i + 2].isascii() and text[i + 2].isalpha()):
            self.out.append("\\\\")  # \c without a letter: a backslash, then the "c" as written
            return i + 1
        if following == "k" and not in_class:
            match = re.compile(r"<([A-Za-z_$][A-Za-z0-9_$]*)>").match(text, i + 2)
            if match and match.group(1) in self.groups:
                self.out.append(f"\\{self.groups[match.group(1)]}")  # \k<name>: the group by its number
                return match.end()
        if following in "pPu" and text.startswith("{", i + 2) and "}" in text[i + 2 :]:
            end = text.index("}", i + 2) + 1  # \p{Letter}, \u{1F600}: the braces are the escape's own
            self.out.append(text[i:end])
            return end
        self.out.append(text[i : i + 2])
        return i + 2

    def _numeric_escape(self, i: int, in_class: bool) -> int:
        text = self.text
        digits = re.compile(r"[0-9]+").match(text, i + 1)
        assert digits is not None
        run = digits.group()
        if not in_class and run[0] != "0" and int(run) <= len(self.groups) + _unnamed(text):
            self.out.append("\\" + run)  # a backreference
            return digits.end()
        if run[0] in "89":
            self.out.append(run[0])  # \8 and \9 are the digits themselves
            return i + 2
        octal = re.compile(r"[0-3][0-7]{0,2}|[4-7][0-7]?").match(text, i + 1)
        assert octal is not None
        self.out.append(f"\\x{int(octal.group(), 8):02x}")  # \0, \012: a legacy octal escape
        return octal.end()


def _class_escape_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) - 1 and text[index] == "\\" and text[index + 1] in _CLASS_ESCAPES


def _group_numbers(pattern: str) -> dict[str, int]:
    """Each named group's number, counting every capturing group before it."""
    numbers: dict[str, int] = {}
    count = 0
    for match in re.finditer(r"\\.|\[(?:\\.|[^\]])*\]|\((\?<[A-Za-z_$][A-Za-z0-9_$]*>|(?!\?))", pattern):
        if match.group(1) is not None:
            count += 1
            named = _GROUP_NAME.match(match.group())
            if named:
                numbers[named.group(1)] = count
    return numbers


def _unnamed(pattern: str) -> int:
    stripped = re.sub(r"\\.|\[(?:\\.|[^\]])*\]", "", pattern)
    return len(re.findall(r"\((?!\?)", stripped))


def translate_schema(schema: Any, dialect: Dialect | None = None, sites: Iterable[Site] | None = None) -> Any:
    """``schema`` with each ``pattern`` and ``patternProperties`` key translated; itself if none changes.

    ``sites`` are its schemas if already walked (``Resolver.schemas``).  Containers
    on the way to a change are copied; ``schema`` is never modified.
    """
    edits: list[tuple[Path, Any]] = []
    for site in walk(schema, dialect) if sites is None else sites:
        node = site.node
        if not isinstance(node, Mapping):
            continue
        pattern = node.get("pattern")
        if isinstance(pattern, str) and translate(pattern) != pattern:
            edits.append(((*site.path, "pattern"), translate(pattern)))
        keyed = node.get("patternProperties")
        if isinstance(keyed, Mapping) and any(translate(str(key)) != key for key in keyed):
            renamed = {translate(str(key)): value for key, value in keyed.items()}
            edits.append(((*site.path, "patternProperties"), renamed))
    for path, value in edits:
        schema = replaced(schema, path, value)
    return schema
