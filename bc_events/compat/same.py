"""Structural sameness of two schema nodes, ``$ref`` s followed and annotations ignored.

The subset check cannot always see through a ``oneOf`` whose members overlap
(a value matching two of them is rejected); two such ``oneOf`` s that are the
same up to order, annotations and the names of definitions still accept the
same values.  Compared coinductively, like the subset check, so recursive
definitions terminate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.compat.schema import ANNOTATIONS, Space
from bc_events.compat.values import vkey

_SCHEMA = frozenset(
    {
        "additionalProperties",
        "additionalItems",
        "items",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
    }
)
_SCHEMA_MAPS = frozenset({"properties", "patternProperties"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_NO_DEPTH = 1 << 30


class Sameness:
    """Decides whether a node of space ``a`` and a node of space ``b`` are the same schema."""

    def __init__(self, a: Space, b: Space) -> None:
        self.a, self.b = a, b
        self._active: dict[tuple[int, int], int] = {}
        self._known: dict[tuple[int, int], bool] = {}
        self._lowest = _NO_DEPTH

    def same(self, x: Any, y: Any) -> bool:
        """Whether ``x`` (in ``a``) and ``y`` (in ``b``) are the same up to order and annotations."""
        x, y = self.a.resolve(x), self.b.resolve(y)
        if not isinstance(x, dict) or not isinstance(y, dict):
            return equal(x, y)
        if self.a.dialect is not self.b.dialect:
            return False  # the same words may mean other things in another draft: compared by meaning
        key = (id(x), id(y))
        known = self._known.get(key)
        if known is not None:
            return known
        depth = self._active.get(key)
        if depth is not None:  # met again inside itself: assume so (coinduction)
            self._lowest = min(self._lowest, depth)
            return True
        depth = self._active[key] = len(self._active)
        outer, self._lowest = self._lowest, _NO_DEPTH
        try:
            known = self._mappings(x, y)
        finally:
            del self._active[key]
            inner = self._lowest
            self._lowest = min(outer, inner)
        if not known or inner >= depth:  # "same" leaning on an enclosing assumption is not final
            self._known[key] = known
        return known

    def _mappings(self, x: Mapping[str, Any], y: Mapping[str, Any]) -> bool:
        keys = {k for k in x if k not in ANNOTATIONS and not k.startswith("x-")}
        if keys != {k for k in y if k not in ANNOTATIONS and not k.startswith("x-")}:
            return False
        return all(self._keyword(k, x[k], y[k]) for k in keys)

    def _keyword(self, keyword: str, x: Any, y: Any) -> bool:
        if keyword in _SCHEMA_MAPS and isinstance(x, Mapping) and isinstance(y, Mapping):
            return x.keys() == y.keys() and all(self.same(x[k], y[k]) for k in x)
        if keyword == "dependencies" and isinstance(x, Mapping) and isinstance(y, Mapping):
            return x.keys() == y.keys() and all(
                equal(x[k], y[k]) if isinstance(x[k], list) else self.same(x[k], y[k]) for k in x
            )
        if keyword in _SCHEMA_LISTS and isinstance(x, list) and isinstance(y, list):
            return self._matching(x, y)
        if keyword == "items" and isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(map(self.same, x, y))
        if keyword in _SCHEMA:
            return self.same(x, y)
        if keyword == "$ref" and isinstance(x, str) and isinstance(y, str):  # 2019-09 on: beside siblings
            return self.same(self.a.target({"$ref": x}), self.b.target({"$ref": y})) if x != y else True
        if keyword in ("enum", "required", "type") and isinstance(x, list) and isinstance(y, list):
            return {vkey(v) for v in x} == {vkey(v) for v in y}
        return equal(x, y)

    def _matching(self, xs: list[Any], ys: list[Any]) -> bool:
        """Same members in any order (greedy: each member of ``xs`` takes the first same one left)."""
        if len(xs) != len(ys):
            return False
        left = list(ys)
        for x in xs:
            match = next((i for i, y in enumerate(left) if self.same(x, y)), None)
            if match is None:
                return False
            del left[match]
        return True


def equal(x: Any, y: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``true != 1``; mappings compare regardless of key order."""
    if type(x) is not type(y):
        numbers = (int, float)
        return (
            isinstance(x, numbers)
            and isinstance(y, numbers)
            and not isinstance(x, bool)
            and not isinstance(y, bool)
            and x == y
        )
    if isinstance(x, Mapping):
        return x.keys() == y.keys() and all(equal(v, y[k]) for k, v in x.items())
    if isinstance(x, list):
        return len(x) == len(y) and all(map(equal, x, y))
    return bool(x == y)
