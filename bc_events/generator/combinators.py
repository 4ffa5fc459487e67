"""Combinators: ``allOf`` as an intersection, ``anyOf``/``oneOf`` as unions.

``allOf`` merges objects into one TypedDict (``merge.py``), never class
inheritance.  A union branch no value can match is dropped (exact); branches
that may overlap, and arrays in several branches, are typed wider with a
warning.  Which conditional branch applies is decided at run time (``conditionals``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.generator import conditionals
from bc_events.generator.conversion import Conversion, Unsatisfiable
from bc_events.generator.merge import may_overlap
from bc_events.generator.model import Field, Hints, TypeNode
from bc_events.generator.scope import TopicScope


def union_branches(
    conv: Conversion, schema: Mapping[str, Any], keyword: str, scope: TopicScope, hints: Hints, pointer: str
) -> TypeNode:
    """``anyOf``/``oneOf`` -> the union of the branches some value can match."""
    branches = schema[keyword]
    if not isinstance(branches, list) or not branches:
        raise conv.error(scope, pointer, f"{keyword} must be a non-empty list of schemas")
    nodes = []
    for index, branch in enumerate(branches):
        where = f"{pointer}/{keyword}/{index}"
        try:
            nodes.append(conv.convert(branch, scope, hints.child(f"Option{index + 1}"), where))
        except Unsatisfiable as error:
            if index == len(branches) - 1 and not nodes:
                raise
            # A branch no value matches adds nothing to the union: dropping it is exact.
            conv.warn(scope, where, f"no value can match this branch, dropped: {error.problem}", branch)
    if keyword == "oneOf" and may_overlap(nodes):
        conv.warn(
            scope,
            f"{pointer}/oneOf",
            "oneOf branches may overlap: typed as their union (exactly-one is checked at run time)",
            branches,
        )
    if keyword == "anyOf":  # oneOf: a value matching two branches is invalid, so the union is right
        nodes = one_object(conv, nodes, scope, hints, f"{pointer}/{keyword}", branches)
    return conv.table.union(_one_list(conv, nodes, scope, f"{pointer}/{keyword}", branches))


def one_object(
    conv: Conversion, nodes: list[TypeNode], scope: TopicScope, hints: Hints, pointer: str, branches: Any
) -> list[TypeNode]:
    """Object branches one value may match together become one TypedDict of all their keys.

    ``{"foo": "a", "bar": 2}`` matches both ``{required: [foo]}`` and ``{required:
    [bar]}``, and neither TypedDict of the union (TypedDicts are closed).  The merged
    TypedDict requires a key only where every branch does; a key gets the union
    of its types in the branches that declare it.  Provably disjoint branches (a
    ``const`` discriminator) stay a union: exact.
    """
    objects = [node for node in nodes if node.unnamed().obj is not None and not _pending(node)]
    pending = [node for node in nodes if _pending(node)]
    if pending and len(objects) + len(pending) >= 2 and may_overlap([*objects, *pending]):
        # A definition still being converted (recursion) cannot be merged: any object is wider.
        conv.warn(
            scope,
            pointer,
            "object branches a value may match together, one of them recursive: typed with "
            "Mapping[str, Any] beside them (wider)",
            branches,
        )
        return [*nodes, conv.table.dict_of(conv.table.prim("any"))]
    if len(objects) < 2 or not may_overlap(objects):
        return nodes
    conv.warn(
        scope,
        pointer,
        "object branches a value may match together are typed as one TypedDict of all their keys "
        "(wider: keys some branches do not require are NotRequired; which branch matches is "
        "checked at run time)",
        branches,
    )
    declared: dict[str, list[Field]] = {}
    for node in objects:
        obj = node.unnamed().obj
        assert obj is not None
        for item in obj.fields:
            declared.setdefault(item.key, []).append(item)
    fields = [
        Field(
            key,
            conv.table.union(item.type for item in items),
            len(items) == len(objects) and all(item.required for item in items),
            next((item.description for item in items if item.description), ""),
        )
        for key, items in declared.items()
    ]
    merged = conv.table.object(fields, "", False, hints)
    first = nodes.index(objects[0])
    rest = [node for node in nodes if node not in objects]
    return [*rest[:first], merged, *rest[first:]]


def _pending(node: TypeNode) -> bool:
    obj = node.unnamed().obj
    return node.unnamed().kind == "named" or (obj is not None and obj.pending)


def _one_list(
    conv: Conversion, nodes: list[TypeNode], scope: TopicScope, pointer: str, branches: list[Any]
) -> list[TypeNode]:
    """Lists in several branches become one list of the union of their items."""
    lists = [node for node in nodes if node.kind == "list"]
    if len(lists) <= 1:
        return nodes
    # mypy cannot infer a list display against ``list[A] | list[B]`` (it widens the
    # display to list[str] and rejects it), so valid payloads would fail to type-check.
    conv.warn(
        scope,
        pointer,
        "arrays in different branches are typed as one list of the union of their items "
        "(wider: a list mixing the branches' items passes the type checker)",
        branches,
    )
    merged = conv.table.list_of(conv.table.union(node.args[0] for node in lists))
    return [node for node in nodes if node.kind != "list"] + [merged]


def all_of(
    conv: Conversion, branches: Any, base: TypeNode, scope: TopicScope, hints: Hints, pointer: str
) -> TypeNode:
    """allOf -> the intersection of its branches; objects merge into one TypedDict."""
    if not isinstance(branches, list) or not branches:
        raise conv.error(scope, pointer, "allOf must be a non-empty list of schemas")
    result = base
    declared: dict[str, list[TypeNode]] = {}
    for index, branch in enumerate(branches):
        where = f"{pointer}/allOf/{index}"
        if conditionals.is_conditional(branch):  # its keys apply only if its `if` holds: not merged
            conditionals.declared_keys(conv, branch, scope, hints, where, declared)
            branch = conditionals.unconditional(branch)
        node = conv.convert(branch, scope, hints.child(f"Part{index + 1}"), where)
        result = conv.intersect(result, node, scope, f"{pointer}/allOf", hints)
    return conditionals.optional_keys(conv, result, declared, hints)


def open_sibling(
    conv: Conversion, node: TypeNode, scope: TopicScope, pointer: str, schema: Mapping[str, Any]
) -> TypeNode:
    """``additionalProperties: false`` next to a combinator: read as closing the branches' keys too.

    Taken literally it forbids every key the branches add (no payload could be
    valid); schemas written that way mean "the branches, and nothing else".
    """
    assert node.obj is not None
    conv.warn(
        scope,
        pointer,
        "additionalProperties: false next to allOf/anyOf/oneOf is not applied to "
        "the keys the branches declare (wider)",
        schema,
    )
    return conv.table.object(node.obj.fields, node.obj.description, False, node.obj.hints)
