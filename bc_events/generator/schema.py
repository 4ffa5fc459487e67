"""JSON Schema -> type nodes: the dispatch over keywords, and the topic's payload.

Draft-7 reading, as the runtime validates: ``$ref`` ignores its siblings; OpenAPI's
``nullable`` means nothing in JSON Schema (null stays invalid), so it is warned about.  Value
constraints types cannot express (pattern, minLength, format, minimum, ...) are
left to runtime validation without a warning; constructs that change which
*shapes* are valid but cannot be typed exactly get a wider type and a warning.

Each construct has its module: ``refs`` (``$ref``, converted once per distinct
content), ``enums`` (``const``/``enum``), ``containers`` (objects, arrays) and
``combinators`` (allOf/anyOf/oneOf, then/else); ``conversion`` holds what they share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.generator import combinators, conditionals, keywords
from bc_events.generator.containers import array_type, object_type
from bc_events.generator.conversion import Conversion, Warn
from bc_events.generator.depth import NESTING_ADVICE
from bc_events.generator.enums import enum_type
from bc_events.generator.model import Hints, TypeNode
from bc_events.generator.refs import References
from bc_events.generator.scope import TopicScope
from bc_events.generator.typetable import TypeTable
from bc_events.schema import parse_pointer
from bc_events.topics import Topic


class SchemaConverter(Conversion):
    """Converts topic schemas into nodes of one shared ``TypeTable``."""

    def __init__(self, table: TypeTable, source: str, warn: Warn) -> None:
        super().__init__(table, source, warn)
        self._references = References(self)

    def convert_topic(self, topic: Topic, prefix: str) -> TypeNode:
        """The payload type of ``topic``; ``prefix`` (``MyEntityCreated``) seeds inline type names."""
        scope = TopicScope.of(topic, prefix)
        try:
            return self._object_branches(self._references.payload(scope), scope)
        except RecursionError:
            raise self.error(scope, "", NESTING_ADVICE) from None

    def _object_branches(self, node: TypeNode, scope: TopicScope) -> TypeNode:
        """Event data is a JSON object: a root that also allows other values is typed by its objects.

        A root that says nothing about objects (``{}``, ``{minimum: 5}``, array keywords
        only) is any object: ``Mapping[str, Any]``, as the runtime requires one.
        """
        if node.kind == "any":
            return self.table.dict_of(node)
        members = _members(node)
        objects = [member for member in members if member.unnamed().kind in ("object", "dict", "any")]
        if not objects:
            raise self.error(scope, "", "no object satisfies the schema, and event data is a JSON object")
        if len(objects) == len(members):
            return node
        self.warn(
            scope,
            "",
            "event data is a JSON object: the payload type keeps only the schema's object "
            "branches (the runtime rejects any other value)",
            scope.topic.schema,
        )
        return self._object_branches(self.table.union(objects), scope)

    def convert(self, schema: Any, scope: TopicScope, hints: Hints, pointer: str) -> TypeNode:
        """Any schema -> its type: ``$ref``, then the base keywords, then combinators and ``nullable``."""
        if schema is True or (isinstance(schema, Mapping) and not schema):
            return self.table.prim("any")
        if schema is False:
            self.warn(scope, pointer, "schema `false` (nothing is valid) typed as Any", schema)
            return self.table.prim("any")
        if not isinstance(schema, Mapping):
            raise self.error(
                scope, pointer, f"a schema must be a mapping or a boolean, got {type(schema).__name__}"
            )
        if "$ref" in schema:
            return self._references.with_siblings(schema, scope, hints, pointer)
        order = scope.resolver.dialect_at(parse_pointer(pointer)).order
        for keyword, draft in (("$dynamicRef", 2020), ("$recursiveRef", 2019)):
            if keyword in schema and order == draft:
                return self._references.dynamic(schema, keyword, scope, hints, pointer)
        ignored = [keyword for keyword in keywords.UNTYPABLE if keyword in schema]
        if ignored:
            self.warn(
                scope, pointer, f"{', '.join(ignored)} cannot be typed; the type ignores it (wider)", schema
            )
        result = self.base(schema, scope, hints, pointer)
        if (
            result.obj is not None
            and result.obj.closed
            and any(key in schema for key in keywords.COMBINATORS)
        ):
            result = combinators.open_sibling(self, result, scope, pointer, schema)
        if "allOf" in schema:
            result = combinators.all_of(self, schema["allOf"], result, scope, hints, pointer)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                branches = combinators.union_branches(self, schema, keyword, scope, hints, pointer)
                result = self.intersect(result, branches, scope, f"{pointer}/{keyword}")
        if schema.get("nullable") is True:
            self._nullable_has_no_effect(schema, scope, pointer)
        if conditionals.is_conditional(schema):
            result = conditionals.conditional_keys(self, schema, result, scope, hints, pointer)
        return result

    def _nullable_has_no_effect(self, schema: Mapping[str, Any], scope: TopicScope, pointer: str) -> None:
        """``nullable`` is OpenAPI: JSON Schema (the runtime, the Events API) ignores it and rejects null."""
        declared = schema.get("type")
        names = declared if isinstance(declared, list) else [declared] if isinstance(declared, str) else []
        spelling = ", ".join([*(str(name) for name in names if name != "null"), '"null"'])
        self.warn(
            scope,
            pointer,
            "nullable: true has no effect in JSON Schema (null is rejected at run time; "
            f"the type does not allow None): to allow null write type: [{spelling}]",
            schema,
        )

    def base(self, schema: Mapping[str, Any], scope: TopicScope, hints: Hints, pointer: str) -> TypeNode:
        """``const``/``enum``, else ``type`` (inferred from object/array keywords when absent)."""
        types = self.types_of(schema, scope, pointer)
        if "const" in schema:
            return enum_type(self, [schema["const"]], types, scope, pointer)
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list) or not values:
                raise self.error(scope, pointer, "enum must be a non-empty list")
            return enum_type(self, values, types, scope, pointer)
        if types is None:
            return self.table.prim("any")
        members = []
        for name in types:
            if name == "object":
                members.append(object_type(self, schema, scope, hints, pointer))
            elif name == "array":
                members.append(array_type(self, schema, scope, hints, pointer))
            else:
                members.append(self.table.prim(keywords.SCALAR_TYPES[name]))  # type: ignore[arg-type]
        return self.table.union(members)

    def types_of(self, schema: Mapping[str, Any], scope: TopicScope, pointer: str) -> list[str] | None:
        """The JSON types ``schema`` allows, or None for any type."""
        declared = schema.get("type")
        if declared is None:
            if any(
                key in schema
                for key in ("properties", "required", "additionalProperties", "patternProperties")
            ):
                return self._untyped(["object"], schema, scope, pointer)
            if any(key in schema for key in ("items", "prefixItems", "additionalItems")):
                if scope.payload and keywords.PAYLOAD_POSITION.fullmatch(pointer):
                    return None  # event data is an object, which array keywords do not constrain
                return self._untyped(["array"], schema, scope, pointer)
            return None
        names = declared if isinstance(declared, list) else [declared]
        for name in names:
            if name not in keywords.SCALAR_TYPES and name not in ("object", "array"):
                raise self.error(scope, pointer, f"unknown type {name!r}")
        return list(dict.fromkeys(names))

    def _untyped(
        self, inferred: list[str], schema: Mapping[str, Any], scope: TopicScope, pointer: str
    ) -> list[str]:
        """Object (array) keywords without ``type`` constrain objects (arrays) only: any other value is valid.

        Payload types are inputs, so the honest union costs publishers little.  Not
        where the surrounding schema decides the type: the topic's root (event data is
        an object), a combinator's branch or a ``then``/``else``.
        """
        root = not pointer and scope.payload
        if keywords.COMBINED.search(pointer) or root or "enum" in schema or "const" in schema:
            return inferred
        self.warn(
            scope,
            pointer,
            f"{inferred[0]} keywords without `type`: any value that is not an {inferred[0]} is valid "
            f"too, so the type allows them (wider); add `type: {inferred[0]}` if that is meant",
            schema,
        )
        return ["object", "array", "string", "number", "boolean", "null"]


def _members(node: TypeNode) -> list[TypeNode]:
    """The members of a union, through named aliases of unions (``Expr = Leaf | And``)."""
    found: list[TypeNode] = []
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        inner = current.unnamed()
        if inner.kind == "union":
            stack.extend(reversed(inner.args))
        else:
            found.append(current)
    return found
