"""Keys a schema declares under a condition: ``if``/``then``/``else`` and dependent schemas.

Which branch applies is decided at run time, so the keys the branches declare
become optional keys, typed by the union of their types in every branch
(leaving them out would reject every payload using them: narrower than the
schema, which is never allowed).  In an ``allOf`` of ``if``/``then`` pairs the
pairs' keys are pooled the same way, never merged as if every ``then`` held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.generator.conversion import Conversion, Unsatisfiable
from bc_events.generator.model import Field, Hints, TypeNode
from bc_events.generator.scope import TopicScope, escape_pointer

CONDITIONAL = ("if", "then", "else", "dependentSchemas")
"""Keywords whose subschemas apply only under a condition (``dependencies`` too, where a schema)."""


def is_conditional(schema: Any) -> bool:
    """Does ``schema`` declare keys under a condition (then/else, a dependent schema)?"""
    if not isinstance(schema, Mapping):
        return False
    return any(key in schema for key in ("then", "else", "dependentSchemas")) or bool(_dependencies(schema))


def unconditional(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` without its conditional keywords (what holds whatever the condition)."""
    rest = {key: value for key, value in schema.items() if key not in CONDITIONAL}
    plain = {
        key: value for key, value in (schema.get("dependencies") or {}).items() if isinstance(value, list)
    }
    if "dependencies" in rest:
        rest["dependencies"] = plain
        if not plain:
            del rest["dependencies"]
    return rest


def declared_keys(
    conv: Conversion,
    schema: Mapping[str, Any],
    scope: TopicScope,
    hints: Hints,
    pointer: str,
    declared: dict[str, list[TypeNode]],
) -> None:
    """Add to ``declared`` the type of each key a conditional part of ``schema`` declares, with a warning."""
    parts = [(keyword, schema.get(keyword)) for keyword in ("then", "else")]
    if "then" in schema or "else" in schema:
        parts.insert(0, ("if", schema.get("if")))
    for keyword in ("dependentSchemas",):
        group = schema.get(keyword)
        if isinstance(group, Mapping):
            parts += [(f"{keyword}/{escape_pointer(str(key))}", value) for key, value in group.items()]
    parts += [(f"dependencies/{escape_pointer(key)}", value) for key, value in _dependencies(schema).items()]
    dependent = False
    for where, branch in parts:
        for item in _fields_of(conv, branch, scope, hints, f"{pointer}/{where}"):
            if where == "if" or where.startswith("depend"):
                # `if` tests a key without constraining it; a dependent schema constrains it only
                # while its trigger is present: either way any value may stand there.
                dependent = dependent or where != "if"
                declared.setdefault(item.key, []).append(conv.table.prim("any"))
            declared.setdefault(item.key, []).append(item.type)
    if "then" in schema or "else" in schema:
        conv.warn(
            scope,
            pointer,
            "then/else: the keys they declare are typed as optional keys (the union of their types "
            "in both branches); the conditions and what they require are checked at run time (wider)",
            schema,
        )
    if dependent:
        conv.warn(
            scope,
            pointer,
            "the keys dependent schemas declare are typed as optional keys (the union of their types); "
            "when they apply is checked at run time (wider)",
            schema,
        )


def optional_keys(
    conv: Conversion, result: TypeNode, declared: dict[str, list[TypeNode]], hints: Hints
) -> TypeNode:
    """``result`` with the ``declared`` keys it does not have as optional keys."""
    if result.kind == "any" and declared:
        result = conv.table.object((), "", False, hints)
    if result.obj is None or not declared:
        return result
    known = result.obj.field_map()
    extra = [
        Field(key, conv.table.union(types), False) for key, types in declared.items() if key not in known
    ]
    obj = result.obj
    return conv.table.object((*obj.fields, *extra), obj.description, obj.closed, obj.hints or hints)


def conditional_keys(
    conv: Conversion,
    schema: Mapping[str, Any],
    result: TypeNode,
    scope: TopicScope,
    hints: Hints,
    pointer: str,
) -> TypeNode:
    """``result`` (the type of ``schema``'s other keywords) with the keys declared under a condition."""
    declared: dict[str, list[TypeNode]] = {}
    declared_keys(conv, schema, scope, hints, pointer, declared)
    return optional_keys(conv, result, declared, hints)


def _fields_of(
    conv: Conversion, branch: Any, scope: TopicScope, hints: Hints, pointer: str
) -> tuple[Field, ...]:
    """The keys a conditional branch declares, as converted (a ``$ref`` to an object counts too)."""
    if not isinstance(branch, Mapping) or not any(key in branch for key in ("properties", "$ref", "allOf")):
        return ()
    if "type" not in branch and "$ref" not in branch:  # it applies to the object: no need to widen
        branch = {**branch, "type": "object"}
    try:
        node = conv.convert(branch, scope, hints, pointer).unnamed()
    except Unsatisfiable:
        return ()  # no value matches the branch: it declares nothing a payload can use
    members = node.args if node.kind == "union" else (node,)
    objects = [member.unnamed().obj for member in members]
    return tuple(item for obj in objects if obj is not None and not obj.pending for item in obj.fields)


def _dependencies(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Draft 4-7 ``dependencies`` whose value is a schema (a list names required keys instead)."""
    group = schema.get("dependencies")
    if not isinstance(group, Mapping):
        return {}
    return {str(key): value for key, value in group.items() if isinstance(value, Mapping)}
