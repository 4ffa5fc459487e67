"""Intersections of types (``allOf``, and combinators next to sibling keywords) and overlap checks.

``allOf`` of objects becomes one merged TypedDict, never class inheritance:
inheritance cannot narrow a field (``state: str`` in the base, ``Literal["open"]``
in the branch) without an incompatible redefinition.  A property whose types
have no value in common is an error, not a silent pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bc_events.generator.model import Field, Hints, Kind, LiteralValue, TypeNode, value_kind
from bc_events.generator.naming import pascal_case
from bc_events.generator.typetable import TypeTable

_GROUP: dict[Kind, str] = {
    "str": "string",
    "int": "number",
    "float": "number",
    "bool": "boolean",
    "none": "null",
    "list": "array",
    "dict": "object",
    "object": "object",
}
_VALUE_GROUP = {"str": "string", "int": "number", "bool": "boolean"}


@dataclass
class Outcome:
    """The intersection, or the reason there is none; warnings where it is wider than exact."""

    node: TypeNode | None
    warnings: list[str] = field(default_factory=list)
    conflict: str = ""


class Merger:
    """Computes ``A & B`` on interned types."""

    def __init__(self, table: TypeTable) -> None:
        self.table = table

    def intersect(self, left: TypeNode, right: TypeNode, hints: Hints) -> Outcome:
        outcome = Outcome(None)
        outcome.node = self._meet(left, right, hints, outcome)
        if outcome.node is not None:
            outcome.conflict = ""  # a failed pair inside a union is not a conflict of the whole
        elif not outcome.conflict:
            outcome.conflict = "allOf branches have no value in common"
        return outcome

    def _meet(self, a: TypeNode, b: TypeNode, hints: Hints, out: Outcome) -> TypeNode | None:
        if a is b:
            return a
        a, b = a.unnamed(), b.unnamed()
        if "named" in (a.kind, b.kind):  # an alias still being defined (recursion): like a pending object
            out.warnings.append("allOf with a recursive definition while it is being defined: kept one side")
            return a if a.kind == "named" else b
        if a is b or b.kind == "any":
            return a
        if a.kind == "any":
            return b
        if a.kind == "union" or b.kind == "union":
            parts = [self._meet(x, y, hints, out) for x in _members(a) for y in _members(b)]
            found = [part for part in parts if part is not None]
            return self.table.union(found) if found else None
        if a.kind == "literal" or b.kind == "literal":
            return self._meet_literal(a, b)
        if a.kind == "object" and b.kind in ("object", "dict"):
            return self._merge_object(a, b, hints, out)
        if b.kind == "object" and a.kind == "dict":
            return self._merge_object(b, a, hints, out)
        if a.kind == b.kind == "dict" and (a.values or b.values):  # pattern keys: either side's values
            return self.table.dict_of(self.table.union([a.args[0], b.args[0]]), open_keys=True)
        if a.kind == b.kind and a.kind in ("list", "dict"):
            item = self._meet(a.args[0], b.args[0], hints, out)
            if item is None:
                out.warnings.append(
                    "allOf of containers whose items have no type in common: kept the first (wider)"
                )
                return a
            return self.table.list_of(item) if a.kind == "list" else self.table.dict_of(item)
        if {a.kind, b.kind} == {"int", "float"}:
            return self.table.prim("int")
        if a.kind == b.kind:
            return a
        out.conflict = f"allOf combines {_GROUP[a.kind]} with {_GROUP[b.kind]}: no value is both"
        return None

    def _meet_literal(self, a: TypeNode, b: TypeNode) -> TypeNode | None:
        if a.kind != "literal":
            a, b = b, a
        if b.kind == "literal":
            other = {(type(value), value) for value in b.values}
            values: list[LiteralValue] = [value for value in a.values if (type(value), value) in other]
        else:
            allowed = {"int"} if b.kind == "float" else {b.kind}
            values = [value for value in a.values if value_kind(value) in allowed]
        return self.table.literal(values) if values else None

    def _merge_object(self, a: TypeNode, b: TypeNode, hints: Hints, out: Outcome) -> TypeNode | None:
        """Fields of both; a shared key gets the intersection of its types, required if either requires it."""
        assert a.obj is not None
        if a.obj.pending or (b.obj is not None and b.obj.pending):
            out.warnings.append(
                "allOf with a recursive definition while it is being defined: kept one side (wider)"
            )
            return b if a.obj.pending else a
        if b.kind == "dict" and b.values:  # patternProperties: their keys stay valid, so a mapping
            out.warnings.append(
                "allOf with patternProperties (or properties beside an additionalProperties schema): "
                "typed as a mapping of the union of every value type (wider)"
            )
            values = [item.type for item in a.obj.fields]
            return self.table.dict_of(self.table.union([*values, b.args[0]]), open_keys=True)
        if b.kind == "dict":  # additionalProperties-only schema: every value must match it
            value = b.args[0]
            fields = []
            for item in a.obj.fields:
                merged = self._meet(item.type, value, hints, out)
                if merged is None:
                    return None
                fields.append(Field(item.key, merged, item.required, item.description))
            return self.table.object(fields, a.obj.description, a.obj.closed, a.obj.hints)
        assert b.obj is not None
        left, right = a.obj.field_map(), b.obj.field_map()
        fields = []
        for key in {**left, **right}:
            one, two = left.get(key), right.get(key)
            if one is None or two is None:
                present = one or two
                assert present is not None
                if (b.obj.closed and one is not None) or (a.obj.closed and two is not None):
                    if present.required:
                        out.conflict = (
                            f"allOf: property {key!r} is required by one branch and forbidden by another"
                        )
                        return None
                    out.warnings.append(
                        f"allOf: property {key!r} dropped: a branch with additionalProperties false"
                    )
                    continue
                fields.append(present)
                continue
            merged = self._meet(one.type, two.type, hints.child(pascal_case(key)), out)
            if merged is None:
                out.conflict = f"allOf: property {key!r} has conflicting types in two branches"
                return None
            fields.append(
                Field(key, merged, one.required or two.required, one.description or two.description)
            )
        description = a.obj.description or b.obj.description
        return self.table.object(
            fields, description, a.obj.closed or b.obj.closed, hints or b.obj.hints or a.obj.hints
        )


def may_overlap(nodes: list[TypeNode]) -> bool:
    """Could one value match two of ``nodes``? False only when every pair is provably disjoint."""
    return any(not _disjoint(a, b) for index, a in enumerate(nodes) for b in nodes[index + 1 :])


def _disjoint(a: TypeNode, b: TypeNode) -> bool:
    a, b = a.unnamed(), b.unnamed()
    if _pending(a) or _pending(b):
        return False  # still being defined (recursion): they may overlap
    if a.kind == "any" or b.kind == "any":
        return False
    if a.kind == "union" or b.kind == "union":
        return all(_disjoint(x, y) for x in _members(a) for y in _members(b))
    if a.kind == "literal" and b.kind == "literal":
        return not ({(type(v), v) for v in a.values} & {(type(v), v) for v in b.values})
    if not (_groups(a) & _groups(b)):
        return True
    if a.kind == "object" and b.kind == "object":
        return _objects_disjoint(a, b) or _objects_disjoint(b, a)
    return False


def _objects_disjoint(a: TypeNode, b: TypeNode) -> bool:
    assert a.obj is not None
    assert b.obj is not None
    theirs = b.obj.field_map()
    for item in a.obj.fields:
        if not item.required:
            continue
        other = theirs.get(item.key)
        if other is None and b.obj.closed:
            return True
        if other is not None and other.required and _disjoint(item.type, other.type):
            return True
    return False


def _pending(node: TypeNode) -> bool:
    return node.kind == "named" or (node.obj is not None and node.obj.pending)


def _groups(node: TypeNode) -> set[str]:
    if node.kind == "literal":
        return {_VALUE_GROUP[value_kind(value)] for value in node.values}
    return {_GROUP[node.kind]}


def _members(node: TypeNode) -> tuple[TypeNode, ...]:
    node = node.unnamed()
    return node.args if node.kind == "union" else (node,)
