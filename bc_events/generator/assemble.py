"""The rendered pieces -> the finished module: formatted where needed, header directives written.

A piece already in black's form is used as it is; any other goes through black, or
comes from the cache when black has formatted the same text before (same generator
and black versions).  The header then names the ruff rules the module cannot
satisfy, so a service's lint hook and the regenerate hook never undo each other.
"""

from __future__ import annotations

from collections.abc import Callable

from bc_events.generator.layout import LINE_LENGTH, Piece, format_piece, is_black_form
from bc_events.generator.model import ModuleSpec
from bc_events.generator.render import RenderedModule, render_pieces

Formatter = Callable[[str], str]
"""Text of a piece -> black's form of it (``format_piece``, or a cache in front of it)."""


def render_module(module: ModuleSpec, formatter: Formatter = format_piece) -> str:
    """The formatted source of the generated module."""
    return assemble(render_pieces(module), formatter)


def assemble(rendered: RenderedModule, formatter: Formatter = format_piece) -> str:
    """Join the pieces, each in black's form; the head last, with the directives the rest needs."""
    body = "".join(piece.before + _formatted(piece, formatter) for piece in rendered.body)
    head = _formatted(rendered.head([]), formatter)
    directives = ruff_directives(rendered.rules, head + body)
    if directives:
        head = _formatted(rendered.head(directives), formatter)
    return head + body


def _formatted(piece: Piece, formatter: Formatter) -> str:
    if piece.exact and is_black_form(piece.text):
        return piece.text
    return formatter(piece.text)


def ruff_directives(rules: frozenset[str], text: str) -> list[str]:
    """``# ruff: noqa`` when the module breaks a ruff rule it cannot avoid, else nothing.

    What it cannot avoid: E501 (descriptions and the embedded definitions are strings
    longer than a line, which black never splits; a non-ASCII character counts as two
    columns, so the answer is the same on every Python) and the rules ``render_pieces``
    reports (UP035, UP040, UP013: what the lowest supported Python needs).  The
    directive is file-wide and names no code: ruff's default RUF100 flags a code that
    is not enabled or does not apply at the user's target version, and ``--fix`` would
    then remove it, so lint and regenerate hooks would undo each other.  Apart from
    those rules the module is lint-clean (the tests run ruff with ``--ignore-noqa``).
    """
    needed = set(rules)
    if any(len(line) + sum(not char.isascii() for char in line) > LINE_LENGTH for line in text.splitlines()):
        needed.add("E501")
    return ["# ruff: noqa"] if needed else []
