"""URI references resolved against a base as RFC 3986 section 5 says, for every scheme.

``urllib.parse.urljoin`` joins only the schemes it lists as hierarchical, so
``#/definitions/x`` against ``urn:uuid:...`` loses the URN; this joins any.
"""

from __future__ import annotations

import re

_PARTS = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.DOTALL)
"""RFC 3986 appendix B: scheme, authority, path, query, fragment (None where absent)."""

_Parts = tuple[str | None, str | None, str, str | None, str | None]


def split_uri(uri: str) -> _Parts:
    """``(scheme, authority, path, query, fragment)``, None for each part that is absent."""
    match = _PARTS.match(uri)
    assert match is not None  # the expression matches every string
    scheme, authority, path, query, fragment = match.groups()
    return scheme, authority, path or "", query, fragment


def join_uri(base: str, reference: str) -> str:
    """``reference`` resolved against the absolute URI ``base`` (RFC 3986 section 5.2.2)."""
    scheme, authority, path, query, fragment = split_uri(reference)
    if scheme is None:
        base_scheme, base_authority, base_path, base_query, _ = split_uri(base)
        scheme = base_scheme
        if authority is None:
            authority = base_authority
            if not path:
                path = base_path
                query = base_query if query is None else query
            elif not path.startswith("/"):
                path = _merge(base_authority, base_path, path)
    path = _remove_dots(path)
    text = f"{scheme}:" if scheme is not None else ""
    text += f"//{authority}" if authority is not None else ""
    text += path
    text += f"?{query}" if query is not None else ""
    return text + (f"#{fragment}" if fragment is not None else "")


def split_fragment(uri: str) -> tuple[str, str]:
    """``(uri without fragment, fragment)``; an absent fragment is ``""``."""
    head, _, fragment = uri.partition("#")
    return head, fragment


def _merge(base_authority: str | None, base_path: str, path: str) -> str:
    if base_authority is not None and not base_path:
        return "/" + path
    return base_path[: base_path.rfind("/") + 1] + path


def _remove_dots(path: str) -> str:
    if "." not in path:
        return path
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if path.endswith(("/.", "/..")):
        output.append("")
    return "/".join(output)
