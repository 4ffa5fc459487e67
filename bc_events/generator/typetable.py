"""Interning of type nodes.

Types are hash-consed: ``TypeTable`` hands out one ``TypeNode`` per distinct
structure, so structural equality is identity, keys stay small (children are
keyed by identity) and identical definitions copied into many topics become
one object type, emitted once.
"""

from __future__ import annotations

from collections.abc import Iterable

from bc_events.generator.model import (
    PRIMITIVES,
    Field,
    Hints,
    Kind,
    LiteralValue,
    NamedAlias,
    ObjectType,
    TypeNode,
    value_kind,
)


def _value_key(value: LiteralValue) -> tuple[str, LiteralValue]:
    # True == 1 and hash(True) == hash(1): key by kind too, or Literal[1] and Literal[True] merge.
    return (type(value).__name__, value)


class TypeTable:
    """Creates and interns type nodes; simplifies unions as they are built."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[object, ...], TypeNode] = {}
        self._prims = {kind: TypeNode(kind) for kind in PRIMITIVES}

    def prim(self, kind: Kind) -> TypeNode:
        return self._prims[kind]

    def _intern(self, key: tuple[object, ...], make: TypeNode) -> TypeNode:
        return self._nodes.setdefault(key, make)

    def literal(self, values: Iterable[LiteralValue]) -> TypeNode:
        unique: dict[tuple[str, LiteralValue], LiteralValue] = {}
        for value in values:
            unique.setdefault(_value_key(value), value)
        ordered = tuple(unique.values())
        return self._intern(("literal", *unique), TypeNode("literal", values=ordered))

    def list_of(self, item: TypeNode) -> TypeNode:
        return self._intern(("list", item), TypeNode("list", (item,)))

    def dict_of(self, value: TypeNode, open_keys: bool = False) -> TypeNode:
        """``Mapping[str, value]``; ``open_keys``: a map whose keys a schema (patterns) types.

        Merged with an object (allOf), a plain one constrains every value of the
        object; an ``open_keys`` one keeps the merge a mapping (its keys stay valid).
        """
        if open_keys:
            return self._intern(("dict", value, "open"), TypeNode("dict", (value,), values=("open",)))
        return self._intern(("dict", value), TypeNode("dict", (value,)))

    def object(self, fields: Iterable[Field], description: str, closed: bool, hints: Hints) -> TypeNode:
        """The one object node of this structure and identity; the first caller's hints name it.

        A definition copied into many topics is one type, but two definitions (or
        topics) of the same shape stay two types, each under its own name.
        """
        items = tuple(fields)
        identity = ("object", hints.identity, description, closed)
        key = (*identity, *((f.key, f.required, f.type, f.description) for f in items))
        node = self._nodes.get(key)
        if node is None:
            node = self._nodes[key] = TypeNode("object", obj=ObjectType(items, description, closed, hints))
        else:
            obj = node.obj
            assert obj is not None
            if hints.names[:1] != obj.hints.names[:1] and hints not in obj.also:
                obj.also += (hints,)
        return node

    def named(self, target: TypeNode, hints: Hints) -> TypeNode:
        """``target`` under the name of the definition it comes from (one node per definition and type)."""
        return self._intern(
            ("named", hints.identity, target), TypeNode("named", named=NamedAlias(hints, target))
        )

    def named_shell(self, hints: Hints) -> TypeNode:
        """A named alias to fill in later: the target of a ``$ref`` that recurs through a union."""
        return TypeNode("named", named=NamedAlias(hints))

    def shell(self, hints: Hints) -> TypeNode:
        """An object node to fill in later: the target of a recursive ``$ref`` (never interned)."""
        return TypeNode("object", obj=ObjectType((), hints=hints, pending=True))

    def union(self, members: Iterable[TypeNode]) -> TypeNode:
        """``A | B``, flattened and simplified; ``Any`` absorbs everything, ``str`` absorbs str literals."""
        flat: dict[int, TypeNode] = {}
        for member in members:
            for item in member.args if member.kind == "union" else (member,):
                flat.setdefault(id(item), item)
        items = list(flat.values())
        kinds = {item.kind for item in items}
        if "any" in kinds:
            return self.prim("any")
        values = [value for item in items if item.kind == "literal" for value in item.values]
        if values:
            values = [value for value in values if value_kind(value) not in kinds]
            if "float" in kinds:
                values = [value for value in values if value_kind(value) != "int"]
        result: list[TypeNode] = []
        for item in items:
            if item.kind == "literal":
                if values:
                    result.append(self.literal(values))
                    values = []
            elif not (item.kind == "int" and "float" in kinds):
                result.append(item)
        result.sort(key=lambda item: item.kind == "none")  # None last, order otherwise kept
        if len(result) == 1:
            return result[0]
        if not result:
            raise ValueError("empty union")
        return self._intern(("union", *result), TypeNode("union", tuple(result)))
