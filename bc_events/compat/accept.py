"""Validation of one concrete value against canonical branches, three-valued.

Used where a schema lists its values (``enum``/``const``): each value is checked
against the other schema.  ``None`` means "cannot decide" (a keyword the
comparison does not evaluate, or a ``oneOf`` whose members may overlap).
"""

from __future__ import annotations

import re
from typing import Any

from bc_events.compat.schema import Branch, Conj, Space
from bc_events.compat.values import atom_of, vkey
from bc_events.schema.patterns import translate

_SIZE = {"string": "Length", "array": "Items", "object": "Properties"}


class Acceptance:
    """Checks concrete values against the schemas of one ``Space``."""

    def __init__(self, space: Space) -> None:
        self.space = space

    def conj(self, conj: Conj, value: Any) -> bool | None:
        """Whether ``value`` is valid under every node of ``conj``."""
        expanded = self.space.branches(conj)
        verdicts = [self.branch(b, value) for b in expanded.branches if b.atom == atom_of(value)]
        if True in verdicts:
            return True if expanded.exact else None
        return None if None in verdicts else False

    def branch(self, b: Branch, value: Any) -> bool | None:
        """Whether ``value`` (whose atom is ``b.atom``) is valid under ``b``."""
        if b.enum is not None and vkey(value) not in b.enum:
            return False
        if not _sizes(b, value) or not _numbers(b, value):
            return False
        verdicts: list[bool | None] = [None] if b.opaque else []
        if isinstance(value, str):
            verdicts.extend(_search(pattern, value) for pattern in b.patterns)
        elif isinstance(value, list):
            verdicts.extend(self.conj(self.space.item_conj(b, i), item) for i, item in enumerate(value))
            if b.unique and len({vkey(item) for item in value}) < len(value):
                return False
        elif isinstance(value, dict):
            if not b.required <= value.keys():
                return False
            verdicts.extend(self.conj(self.space.property_conj(b, k), item) for k, item in value.items())
        if False in verdicts:
            return False
        return None if None in verdicts else True


def _sizes(b: Branch, value: Any) -> bool:
    suffix = _SIZE.get(b.atom)
    if suffix is None:
        return True
    size = len(value)
    return b.bounds.get("min" + suffix, 0) <= size <= b.bounds.get("max" + suffix, size)


def _numbers(b: Branch, value: Any) -> bool:
    if b.atom not in ("integer", "fraction"):
        return True
    if b.lower is not None and (value < b.lower[0] or (b.lower[1] and value == b.lower[0])):
        return False
    if b.upper is not None and (value > b.upper[0] or (b.upper[1] and value == b.upper[0])):
        return False
    return all(abs(value / f - round(value / f)) < 1e-9 for f in b.multiples)


def _search(pattern: str, value: str) -> bool | None:
    try:
        return re.search(translate(pattern), value) is not None
    except re.error:
        return None
