"""Pieces of source -> the module: black's line rule for the simple shapes, black itself for the rest.

The renderer hands over the module as pieces (a declaration, a session member, the
frame's parts), each laid out as black lays it out whenever that is easy to know: a
signature or call on one line if it fits in 88 columns, else its arguments on one
indented line, else one per line with a trailing comma.  A piece whose every line
fits (or is a lone string literal black leaves alone) goes to the output as it is;
any other piece goes through ``black.format_str``.  black stays the authority: the
tests check the whole module is a fixed point of black and equal to black over the
unformatted pieces (``reference_module``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import black

LINE_LENGTH = 88
"""black's default, which ``black`` run by a user on the generated file also uses."""
_STAND_IN = "class _:\n"
_DOC_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*\.__doc__ = (?=[\"'])")
"""``X.__doc__ = "..."``: black leaves it on one line when the string alone would not fit either."""
_LONE_STRING = re.compile(r"""^ *(?P<q>["'])(?P<body>(?:[^"'\\]|\\.|(?!(?P=q))["'])*)(?P=q)\n?$""")


@dataclass(frozen=True)
class Piece:
    """One declaration or class member; ``before`` is the blank lines between it and the previous piece."""

    before: str
    text: str
    """Source ending with one newline; a member keeps its indentation (4 spaces)."""
    exact: bool = True
    """Laid out by this module's rules (``False``: black's to lay out, whatever its lines)."""


@functools.cache
def black_mode() -> black.Mode:
    """black's defaults for Python 3.11 code (black is imported when first needed, ~100 ms)."""
    import black
    from black.mode import TargetVersion

    return black.Mode(target_versions={TargetVersion.PY311})


def bracketed(
    indent: str, opening: str, items: Sequence[str], closing: str, *, collection: bool = False
) -> str:
    """``opening`` + ``items`` + ``closing`` as black lays out a call or signature without nested splits.

    A collection display (``collection``) is on one line or one item per line; a call
    or signature may also keep its arguments together on one indented line.
    """
    joined = ", ".join(items)
    one_line = f"{indent}{opening}{joined}{closing}"
    if len(one_line) <= LINE_LENGTH:
        return one_line + "\n"
    middle = f"{indent}    {joined}"
    if not collection and len(middle) <= LINE_LENGTH:
        return f"{indent}{opening}\n{middle}\n{indent}{closing}\n"
    lines = "".join(f"{indent}    {item},\n" for item in items)
    return f"{indent}{opening}\n{lines}{indent}{closing}\n"


def is_black_form(text: str) -> bool:
    """Would black leave ``text`` (laid out by this module's rules) exactly as it is?

    Every line must fit in 88 columns and be ASCII (black measures East Asian wide
    characters as two columns), or be a comment, or a lone string literal, which
    black never splits, whose body does not start or end with a space or a quote
    (black's docstring rules touch those).
    """
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("# ") and not line.endswith(" "):
            continue  # black never splits or moves a comment
        assigned = _DOC_ASSIGNMENT.match(line)
        if assigned is not None and len(line) - assigned.end() + 4 > LINE_LENGTH:
            line = stripped = line[assigned.end() :]
        match = _LONE_STRING.match(line) if stripped[:1] in ('"', "'") else None
        if match is None:
            if len(line) > LINE_LENGTH or not line.isascii():
                return False
            continue
        body = match.group("body")
        # black's docstring rules strip spaces and pad a quote next to the closing quotes; a literal's
        # body always ends in an even number of backslashes, which black leaves alone.
        if body[:1] in (" ", '"', "'") or body[-1:] in (" ", '"', "'"):
            return False
    return True


def format_piece(text: str) -> str:
    """black's form of one piece; a member is formatted under a stand-in class header."""
    import black

    if text.startswith("    "):
        return black.format_str(_STAND_IN + text, mode=black_mode())[len(_STAND_IN) :]
    return black.format_str(text, mode=black_mode())


def join(pieces: Sequence[Piece], formatted: Callable[[Piece], str]) -> str:
    """The module: each piece as ``formatted`` gives it, after its blank lines."""
    return "".join(piece.before + formatted(piece) for piece in pieces)


def reference_module(pieces: Sequence[Piece]) -> str:
    """black over the whole unformatted module: what ``join`` must equal (used by the tests)."""
    import black

    return black.format_str("".join(piece.before + piece.text for piece in pieces), mode=black_mode())
