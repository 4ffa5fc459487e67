"""JSON pointers (RFC 6901) and the URI fragments that carry them: decoded here and nowhere else.

A pointer is handled as a tuple of tokens (``("definitions", "a/b")``), the
form every caller walks with; ``format_pointer`` writes it back canonically.
A pointer inside a URI fragment (``#/definitions/a%20b``) is percent-decoded
first, then ``~1`` and ``~0`` are undone, in that order, as RFC 6901 says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

Path = tuple[str, ...]
"""Tokens from a document's root to one of its nodes; list indexes are written as decimal strings."""


class PointerError(ValueError):
    """A JSON pointer that is malformed, or that leads nowhere in the document."""


def unescape_token(token: str) -> str:
    """``a~1b~0`` -> ``a/b~``: ``~1`` before ``~0``, so ``~01`` stays ``~1``."""
    return token.replace("~1", "/").replace("~0", "~")


def escape_token(token: str) -> str:
    """``a/b~`` -> ``a~1b~0``: one token as written in a pointer."""
    return token.replace("~", "~0").replace("/", "~1")


def parse_pointer(pointer: str) -> Path:
    """``/properties/a~1b`` -> ``("properties", "a/b")``; ``""`` is the whole document."""
    if not pointer:
        return ()
    if not pointer.startswith("/"):
        raise PointerError(f"JSON pointer {pointer!r} must be empty or start with '/'")
    return tuple(unescape_token(token) for token in pointer[1:].split("/"))


def parse_fragment(fragment: str) -> Path:
    """A URI fragment holding a pointer (``/a%20b/c``, without ``#``), percent-decoded, as tokens."""
    return parse_pointer(unquote(fragment))


def format_pointer(path: Iterable[str | int]) -> str:
    """``("properties", "a/b")`` -> ``/properties/a~1b``; ``()`` -> ``""``."""
    return "".join("/" + escape_token(str(token)) for token in path)


def lookup(document: Any, path: Sequence[str]) -> Any:
    """The node ``path`` leads to in ``document``; ``PointerError`` naming the first step that fails."""
    node = document
    for depth, token in enumerate(path):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and _is_index(token) and int(token) < len(node):
            node = node[int(token)]
        else:
            where = format_pointer(path[: depth + 1])
            raise PointerError(f"nothing at {where or '/'}")
    return node


def _is_index(token: str) -> bool:
    """An array index as RFC 6901 writes it: ``0`` or digits without a leading zero."""
    return token.isdigit() and token.isascii() and (token == "0" or not token.startswith("0"))


def replaced(root: Any, path: Sequence[str], value: Any) -> Any:
    """A copy of ``root`` with the node at ``path`` (not empty) replaced by ``value``.

    Only the containers on the way are copied; ``root`` is never modified.
    """
    copies = [dict(root) if isinstance(root, Mapping) else list(root)]
    for token in path[:-1]:
        parent = copies[-1]
        child = parent[int(token)] if isinstance(parent, list) else parent[token]
        copy = dict(child) if isinstance(child, Mapping) else list(child)
        if isinstance(parent, list):
            parent[int(token)] = copy
        else:
            parent[token] = copy
        copies.append(copy)
    last = copies[-1]
    if isinstance(last, list):
        last[int(path[-1])] = value
    else:
        last[path[-1]] = value
    return copies[0]
