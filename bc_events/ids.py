"""Checks of the ids a session sends: the actor id (JSON body) and the job id (an HTTP header)."""

from __future__ import annotations

import re

__all__ = ["check_header_id", "check_text_id"]

_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters and lone surrogates: never part of an id, and not valid in every JSON reader."""


def check_text_id(value: object, name: str) -> None:
    """Check an id sent in the JSON body: a non-empty str without control characters."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} ({value!r:.40})")
    if not value:
        raise ValueError(f"{name} must not be empty")
    bad = _NOT_TEXT.search(value)
    if bad:
        raise ValueError(f"{name} must not contain control characters, got {value!r} ({bad.group()!r})")


def check_header_id(value: object, name: str) -> None:
    """Check an id sent as an HTTP header value: printable ASCII, no surrounding spaces.

    RFC 9110 (5.5) limits new header fields to visible ASCII and spaces; other
    bytes reach servers as opaque or re-decoded text, and surrounding spaces
    are stripped, so the server would record a different id.
    """
    check_text_id(value, name)
    assert isinstance(value, str)
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"{name} must be printable ASCII (it is sent in an HTTP header), got {value!r}")
    if value.strip() != value:
        raise ValueError(f"{name} must not start or end with a space (HTTP strips them), got {value!r}")
