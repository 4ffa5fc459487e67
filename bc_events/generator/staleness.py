"""What ``--check`` says about a stale module: the gist first, then a readable diff.

A whole-file diff of a generated module is dominated by the embedded topic
definitions (one line of thousands of characters per topic), so the report
leads with which topics and which declarations changed, and the diff clips long
lines.  A module that differs only in line endings (git's ``autocrlf``) is
named as such instead of being diffed at all.
"""

from __future__ import annotations

import ast
import difflib
import json
from typing import Any

DIFF_LINES = 40
"""Diff lines shown; the rest are counted."""
_LINE_WIDTH = 160
"""Characters shown of one diff line (the embedded definitions run to thousands)."""
_NAMES_SHOWN = 10


def line_endings_only(current: str, expected: str) -> bool:
    """Is ``current`` the expected module with CRLF line endings?"""
    return "\r\n" in current and current.replace("\r\n", "\n") == expected


def summary(current: str, expected: str) -> list[str]:
    """Lines naming the topics and declarations that differ (empty if ``current`` is not a module)."""
    lines = []
    if "\r\n" in current:
        lines.append("line endings differ (CRLF in the file, LF generated)")
    old, new = _parts(current.replace("\r\n", "\n")), _parts(expected)
    if old is None or new is None:
        return [*lines, "the file does not read as a generated module"]
    for what, index in (("topics", 0), ("declarations", 1)):
        before, after = old[index], new[index]
        for verb, names in (
            ("changed", [name for name in after if name in before and before[name] != after[name]]),
            ("added", [name for name in after if name not in before]),
            ("removed", [name for name in before if name not in after]),
        ):
            if names:
                lines.append(f"{what} {verb}: {_some(names)}")
    return lines


def diff(path: str, current: str, expected: str) -> list[str]:
    """A unified diff (``current`` line endings normalized), clipped to ``DIFF_LINES`` lines."""
    lines = list(
        difflib.unified_diff(
            current.replace("\r\n", "\n").splitlines(True),
            expected.splitlines(True),
            path,
            f"{path} (expected)",
            n=1,
        )
    )
    shown = [_clip(line) for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        shown.append(f"... ({len(lines) - DIFF_LINES} more diff lines)\n")
    return shown


def _clip(line: str) -> str:
    body = line.rstrip("\n")
    if len(body) <= _LINE_WIDTH:
        return line
    return f"{body[:_LINE_WIDTH]}... ({len(body) - _LINE_WIDTH} more characters)\n"


def _some(names: list[str]) -> str:
    more = len(names) - _NAMES_SHOWN
    return ", ".join(names[:_NAMES_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _parts(text: str) -> tuple[dict[str, str], dict[str, str]] | None:
    """(topic name -> its definition, declared name -> its source) of a module, or ``None``."""
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    topics: dict[str, str] = {}
    declarations: dict[str, str] = {}
    for node in _top_level(module.body):
        if isinstance(node, ast.ClassDef):
            declarations[node.name] = ast.get_source_segment(text, node) or ""
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [target.id for target in targets if isinstance(target, ast.Name)]
            if names == ["_TOPIC_DEFINITIONS"]:
                topics = _topics(node.value)
            else:
                declarations.update(dict.fromkeys(names, ast.get_source_segment(text, node) or ""))
    return topics, declarations


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The module's statements, those of ``if TYPE_CHECKING: ... else: ...`` included (the definitions)."""
    statements: list[ast.stmt] = []
    for node in body:
        statements.extend([*node.body, *node.orelse] if isinstance(node, ast.If) else [node])
    return statements


def _topics(value: ast.expr | None) -> dict[str, str]:
    """Each embedded topic, by ``category.EntityAction``, as canonical JSON."""
    if not (isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant)):
        return {}
    embedded = value.args[0].value
    if not isinstance(embedded, str):
        return {}
    try:
        document: Any = json.loads(embedded)
        default = document["DefaultCategory"]
        return {
            f"{topic.get('Category', default)}.{topic['Entity']}{topic['Action']}": json.dumps(
                topic, sort_keys=True
            )
            for topic in document["Topics"]
        }
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError):
        return {}
