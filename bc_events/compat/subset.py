"""``Checker``: does every value valid under schema A validate under schema B?

The check is conservative: an empty list of ``Difference`` s is a proof that A
is a subset of B; a ``Difference`` without ``keyword`` is a change the checker
found a reason for (a type, value, bound, key or property B rejects); one with
``keyword`` is a place it cannot decide (a changed ``pattern``, ``not``,
``if``...), which callers count as breaking unless told otherwise.

Pairs of schemas are compared coinductively: a pair met again while it is
being compared (a recursive ``$ref``) is assumed to hold, which is the greatest
fixed point, so recursive schemas compare in finite time.  A "holds" result
that leaned on such an assumption from an enclosing pair is not cached, since
that pair may still fail.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

from bc_events.compat.accept import Acceptance
from bc_events.compat.same import Sameness
from bc_events.compat.schema import Branch, Conj, Space, disjoint, make_branch
from bc_events.compat.values import ATOM_NAMES
from bc_events.compat.wording import Wording

_NO_DEPTH = 1 << 30
PAYLOAD: dict[str, Any] = {"type": "object"}
"""What every topic's data is whatever its schema says (one object: its identity is part of cache keys)."""
_MAX_PATTERN_CLASSES = 4
_MAX_CASES = 32


@dataclass(frozen=True)
class Difference:
    """One reason A is not (provably) a subset of B, at ``path`` (steps into the payload)."""

    path: tuple[str, ...]
    change: str
    keyword: str | None = None
    """The keyword the checker cannot decide, if that is the reason."""

    def under(self, step: str) -> Difference:
        return replace(self, path=(step, *self.path))


class Checker:
    """Compares schemas of space ``a`` with schemas of space ``b`` (is A a subset of B?)."""

    def __init__(
        self, a: Space, b: Space, wording: Wording, shortcut: bool = True, sameness: Sameness | None = None
    ) -> None:
        """``shortcut=False`` skips the structural-sameness shortcut (to test the check itself).

        ``sameness`` may be shared with other checkers of the same two spaces, either way round.
        """
        self.a, self.b, self.say = a, b, wording
        self._shortcut = shortcut
        self._cache: dict[tuple[tuple[int, ...], tuple[int, ...]], list[Difference]] = {}
        self._active: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        self._lowest = _NO_DEPTH
        self._sameness = sameness if sameness is not None else Sameness(a, b)
        self._keep: list[Any] = []

    def check(self) -> list[Difference]:
        """The differences between the roots for payloads, which are objects (none: A is a subset of B)."""
        return self.subset((self.a.root, PAYLOAD), (self.b.root, PAYLOAD))

    def subset(self, a_conj: Conj, b_conj: Conj) -> list[Difference]:
        """Differences that keep ``a_conj`` from being a subset of ``b_conj``."""
        key = (tuple(map(id, a_conj)), tuple(map(id, b_conj)))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        depth = self._active.get(key)
        if depth is not None:  # met again inside itself: assume it holds (coinduction)
            self._lowest = min(self._lowest, depth)
            return []
        if self._shortcut and self._same(a_conj, b_conj):  # the common case, and far cheaper than expanding
            self._cache[key] = []
            return []
        depth = self._active[key] = len(self._active)
        outer, self._lowest = self._lowest, _NO_DEPTH
        try:
            found = self._subset(a_conj, b_conj)
        finally:
            del self._active[key]
            inner = self._lowest
            self._lowest = min(outer, inner)
        if found or inner >= depth:
            self._cache[key] = found
        return found

    def _subset(self, a_conj: Conj, b_conj: Conj) -> list[Difference]:
        expanded_b = self.b.branches(b_conj)
        found: list[Difference] = []
        for branch in self.a.branches(a_conj).branches:
            found.extend(self._branch_in_union(branch, expanded_b.branches))
        if found and not a_conj:
            return [Difference((), self.say.constrained())]
        if not found and not expanded_b.exact and not self._same(a_conj, b_conj):
            return [Difference((), self.say.undecided("oneOf"), "oneOf")]
        return found

    def _same(self, a_conj: Conj, b_conj: Conj) -> bool:
        return len(a_conj) == len(b_conj) and all(map(self._same_node, a_conj, b_conj))

    def _same_node(self, x: Any, y: Any) -> bool:
        return self._sameness.same(x, y) if self._sameness.a is self.a else self._sameness.same(y, x)

    def _branch_in_union(self, a: Branch, union: list[Branch], split: bool = True) -> list[Difference]:
        found = self._branch_in(a, union, split)
        if a.atom == "integer" and a.enum is None and self._whole_floats_refused(union):
            found = [*found, Difference((), self.say.whole_floats_refused())]
        return found

    def _whole_floats_refused(self, union: list[Branch]) -> bool:
        """Whether B reads integers as draft 4 does (1.0 is a number, not an integer) and A does not."""
        atoms = {b.atom for b in union}
        drafts = self.b.dialect.order == 4 < self.a.dialect.order
        return drafts and "integer" in atoms and "fraction" not in atoms

    def _branch_in(self, a: Branch, union: list[Branch], split: bool) -> list[Difference]:
        candidates = [b for b in union if b.atom == a.atom]
        if not candidates:
            if a.enum == {}:
                return []
            if a.atom == "fraction" and any(b.atom == "integer" for b in union):
                return [Difference((), self.say.narrowed_to_integer())]
            return [Difference((), self.say.type_removed(ATOM_NAMES.get(a.atom, a.atom)))]
        if a.enum is not None:
            return self._values_in_union(a, candidates)
        best: list[Difference] | None = None
        for b in candidates:
            found = self._branch(a, b)
            if not found:
                return []
            if best is None or len(found) < len(best):
                best = found
        if len(candidates) == 1:
            return best or []
        overlapping = [b for b in candidates if not disjoint(self.a, a, self.b, b)]
        if len(overlapping) <= 1:  # the others take none of A's values
            return (self._branch(a, overlapping[0]) if overlapping else best) or []
        if split and self._covered_case_by_case(a, candidates):
            return []
        # No single alternative takes every value of A, but together they might: not a proof of a break.
        return [
            replace(d, change=self.say.undecided("anyOf/oneOf") + ": " + d.change, keyword="anyOf/oneOf")
            for d in best or []
        ]

    def _covered_case_by_case(self, a: Branch, candidates: list[Branch]) -> bool:
        """Whether splitting A on the values of a required property puts each part in one alternative."""
        if a.atom != "object":
            return False
        for name in sorted(a.required):
            values = self._finite_values(self.a.property_conj(a, name))
            if values is None:
                continue
            pinned = [self._pinned(a, name, value) for value in values]
            if all(not self._branch_in_union(part, candidates, split=False) for part in pinned):
                return True
        return False

    def _finite_values(self, conj: Conj) -> list[Any] | None:
        branches = self.a.branches(conj).branches
        if not branches or any(b.enum is None for b in branches):
            return None
        values = [value for b in branches for value in (b.enum or {}).values()]
        return values if len(values) <= _MAX_CASES else None

    def _pinned(self, a: Branch, name: str, value: Any) -> Branch:
        node = {"properties": {name: {"const": value}}}
        self._keep.append(node)  # its id() is part of cache keys
        return make_branch(a.atom, (*a.nodes, node), a.dialect)

    def _values_in_union(self, a: Branch, candidates: list[Branch]) -> list[Difference]:
        found = []
        for value in (a.enum or {}).values():
            if self.accepts(self.a, a, value) is False:
                continue  # listed, but A's other keywords reject it
            verdicts = [self.accepts(self.b, b, value) for b in candidates]
            if True in verdicts:
                continue
            if None in verdicts:
                found.append(Difference((), self.say.undecided("enum", value), "enum"))
            else:
                found.append(Difference((), self.say.value_removed(value)))
        return found

    # --- one branch against one branch of the same type ------------------------------

    def _branch(self, a: Branch, b: Branch) -> list[Difference]:
        if b.enum is not None:
            return [Difference((), self.say.enum_restricted(list(b.enum.values())))]
        found = [
            Difference((), self.say.undecided(keyword), keyword)
            for keyword, theirs in b.opaque
            if not any(k == keyword and self._same_node(mine, theirs) for k, mine in a.opaque)
        ]
        if b.patterns - a.patterns:
            found.append(Difference((), self.say.undecided("pattern"), "pattern"))
        found.extend(self._bounds(a, b))
        if a.atom in ("integer", "fraction"):
            found.extend(self._numbers(a, b))
        elif a.atom == "array":
            found.extend(self._arrays(a, b))
        elif a.atom == "object":
            found.extend(self._objects(a, b))
        return found

    def _bounds(self, a: Branch, b: Branch) -> list[Difference]:
        found = []
        for keyword, limit in b.bounds.items():
            mine = a.bounds.get(keyword)
            if keyword == "minProperties" and a.required:  # each required key is one more property
                mine = max(mine or 0, len(a.required))
            if keyword.startswith("min"):
                if (mine or 0) < limit:
                    found.append(Difference((), self.say.tightened(keyword, mine or 0, limit)))
            elif mine is None or mine > limit:
                found.append(Difference((), self.say.tightened(keyword, mine, limit)))
        if b.unique and not a.unique and a.bounds.get("maxItems", 2) > 1:
            found.append(Difference((), self.say.tightened("uniqueItems", False, True)))
        return found

    def _numbers(self, a: Branch, b: Branch) -> list[Difference]:
        found = []
        if b.lower is not None and (a.lower is None or _below(a.lower, b.lower)):
            found.append(Difference((), self.say.tightened("minimum", _bound(a.lower), _bound(b.lower))))
        if b.upper is not None and (a.upper is None or _below(_negate(a.upper), _negate(b.upper))):
            found.append(Difference((), self.say.tightened("maximum", _bound(a.upper), _bound(b.upper))))
        for factor in b.multiples:
            whole = a.atom == "integer" and _divides(factor, 1)
            if not whole and not any(_divides(factor, mine) for mine in a.multiples):
                mine = " * ".join(map(str, a.multiples)) or None
                found.append(Difference((), self.say.tightened("multipleOf", mine, factor)))
        return found

    def _arrays(self, a: Branch, b: Branch) -> list[Difference]:
        length = max(self.a.tuple_length(a), self.b.tuple_length(b))
        most = a.bounds.get("maxItems")
        found = []
        for index in range(length if most is None else min(length, most)):
            step = f"[{index}]"
            found += [
                d.under(step) for d in self.subset(self.a.item_conj(a, index), self.b.item_conj(b, index))
            ]
        if most is None or most > length:
            rest = self.subset(self.a.item_conj(a, None), self.b.item_conj(b, None))
            found += [d.under("[*]") for d in rest]
        return found

    def _objects(self, a: Branch, b: Branch) -> list[Difference]:
        found = [
            Difference((name,), self.say.required_added(name)) for name in sorted(b.required - a.required)
        ]
        explicit = _names(a) | _names(b) | a.required | b.required
        for name in sorted(explicit):
            mine, theirs = self.a.property_conj(a, name), self.b.property_conj(b, name)
            if mine == (False,):
                continue
            differences = self.subset(mine, theirs)
            if not differences:
                continue
            if theirs == (False,):
                differences = [Difference((), self.say.property_closed(name))]
            elif not mine and name not in _names(a):
                differences = [Difference((), self.say.property_typed_on_open(name))]
            found += [d.under(name) for d in differences]
        return found + self._additional(a, b, explicit)

    def _additional(self, a: Branch, b: Branch, explicit: set[str]) -> list[Difference]:
        """Keys named by neither side: grouped by the ``patternProperties`` they match."""
        patterns_a, patterns_b = _patterns(a), _patterns(b)
        patterns = sorted(patterns_a | patterns_b)
        if len(patterns) > _MAX_PATTERN_CLASSES:
            return [Difference(("*",), self.say.undecided("patternProperties"), "patternProperties")]
        found = []
        for size in range(len(patterns) + 1):
            for matched in itertools.combinations(patterns, size):
                mine, theirs = _class_conj(a, set(matched)), _class_conj(b, set(matched))
                if mine == (False,):
                    continue
                differences = self.subset(mine, theirs)
                step = "*" if not matched else "/" + "|".join(matched) + "/"
                if differences and matched and patterns_a != patterns_b:
                    differences = [
                        Difference((), self.say.undecided("patternProperties"), "patternProperties")
                    ]
                elif differences and theirs == (False,):
                    differences = [Difference((), self.say.additional_closed())]
                found += [d.under(step) for d in differences]
        return found

    # --- concrete values ----------------------------------------------------------------

    def accepts(self, space: Space, branch: Branch, value: Any) -> bool | None:
        """Whether ``value`` (of the branch's type) is valid; None if that cannot be decided."""
        return Acceptance(space).branch(branch, value)


def _names(branch: Branch) -> set[str]:
    return {name for node in branch.nodes for name in node.get("properties", {})}


def _patterns(branch: Branch) -> set[str]:
    return {pattern for node in branch.nodes for pattern in node.get("patternProperties", {})}


def _class_conj(branch: Branch, matched: set[str]) -> Conj:
    conj: list[Any] = []
    for node in branch.nodes:
        own = [schema for pattern, schema in node.get("patternProperties", {}).items() if pattern in matched]
        conj.extend(own or [node.get("additionalProperties", True)])
    if any(node is False for node in conj):
        return (False,)
    return tuple(node for node in conj if node is not True and node != {})


def _below(mine: tuple[float, bool], theirs: tuple[float, bool]) -> bool:
    """Whether lower bound ``mine`` admits a value that lower bound ``theirs`` rejects."""
    return mine[0] < theirs[0] or (mine[0] == theirs[0] and theirs[1] and not mine[1])


def _negate(bound: tuple[float, bool]) -> tuple[float, bool]:
    return (-bound[0], bound[1])


def _bound(bound: tuple[float, bool] | None) -> str | None:
    if bound is None:
        return None
    return f"{bound[0]} (exclusive)" if bound[1] else str(bound[0])


def _divides(factor: float, multiple: float) -> bool:
    ratio = multiple / factor
    return abs(ratio - round(ratio)) < 1e-9
