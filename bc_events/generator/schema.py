"""JSON Schema -> type nodes, one method per construct.

Draft-7 reading, as the runtime validates: ``$ref`` ignores its siblings; OpenAPI's
``nullable`` means nothing in JSON Schema (null stays invalid), so it is warned about.  Value
constraints types cannot express (pattern, minLength, format, minimum, ...) are
left to runtime validation without a warning; constructs that change which
*shapes* are valid but cannot be typed exactly get a wider type and a warning.

``$ref`` is followed in ``refs`` (each target converted once per distinct content),
``const``/``enum`` become literals in ``enums``, objects and arrays are typed in
``containers``; ``conversion`` holds what every construct shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.generator import keywords
from bc_events.generator.containers import array_type, object_type
from bc_events.generator.conversion import Conversion, Unsatisfiable, Warn
from bc_events.generator.enums import enum_type
from bc_events.generator.merge import may_overlap
from bc_events.generator.model import Field, Hints, TypeNode
from bc_events.generator.naming import pascal_case
from bc_events.generator.refs import References
from bc_events.generator.scope import TopicScope, escape_pointer
from bc_events.generator.typetable import TypeTable
from bc_events.topics import Topic


class SchemaConverter(Conversion):
    """Converts topic schemas into nodes of one shared ``TypeTable``."""

    def __init__(self, table: TypeTable, source: str, warn: Warn) -> None:
        super().__init__(table, source, warn)
        self._references = References(self)

    def convert_topic(self, topic: Topic, prefix: str) -> TypeNode:
        """The payload type of ``topic``; ``prefix`` (``MyEntityCreated``) seeds inline type names."""
        scope = TopicScope.of(topic, prefix)
        return self._object_branches(self._references.target("#", scope, ""), scope)

    def _object_branches(self, node: TypeNode, scope: TopicScope) -> TypeNode:
        """Event data is a JSON object: a root that also allows other values is typed by its objects."""
        members = node.args if node.kind == "union" else (node,)
        objects = [member for member in members if member.kind in ("object", "dict", "any")]
        if not objects:
            raise self.error(scope, "", "no object satisfies the schema, and event data is a JSON object")
        if len(objects) < len(members):
            self.warn(
                scope,
                "",
                "event data is a JSON object: the payload type keeps only the schema's object "
                "branches (the runtime rejects any other value)",
                scope.topic.schema,
            )
        return self.table.union(objects)

    # --- dispatch ---------------------------------------------------------------------

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
            result = self._open_sibling(result, scope, pointer, schema)
        if "allOf" in schema:
            result = self.all_of(schema["allOf"], result, scope, hints, pointer)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                branches = self.union_branches(schema, keyword, scope, hints, pointer)
                result = self.intersect(result, branches, scope, f"{pointer}/{keyword}")
        if schema.get("nullable") is True:
            self._nullable_has_no_effect(schema, scope, pointer)
        if "then" in schema or "else" in schema:
            result = self.conditional_keys(schema, result, scope, hints, pointer)
        return result

    def conditional_keys(
        self, schema: Mapping[str, Any], result: TypeNode, scope: TopicScope, hints: Hints, pointer: str
    ) -> TypeNode:
        """Keys declared under ``then``/``else`` are optional keys of the union of their types.

        Which branch applies is decided at run time; leaving the keys out would reject
        every payload that uses them (narrower than the schema, which is never allowed).
        """
        declared: dict[str, list[TypeNode]] = {}
        for keyword in ("then", "else"):
            branch = schema.get(keyword)
            properties = branch.get("properties") if isinstance(branch, Mapping) else None
            for key, value in properties.items() if isinstance(properties, Mapping) else ():
                where = f"{pointer}/{keyword}/properties/{escape_pointer(str(key))}"
                declared.setdefault(str(key), []).append(
                    self.convert(value, scope, hints.child(pascal_case(str(key))), where)
                )
        self.warn(
            scope,
            pointer,
            "then/else: the keys they declare are typed as optional keys (the union of their types "
            "in both branches); the conditions and what they require are checked at run time (wider)",
            schema,
        )
        if result.kind == "any" and declared:
            result = self.table.object((), "", False, hints)
        if result.obj is None or not declared:
            return result
        known = result.obj.field_map()
        extra = [
            Field(key, self.table.union(types), False) for key, types in declared.items() if key not in known
        ]
        obj = result.obj
        return self.table.object((*obj.fields, *extra), obj.description, obj.closed, obj.hints or hints)

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

    def _open_sibling(
        self, node: TypeNode, scope: TopicScope, pointer: str, schema: Mapping[str, Any]
    ) -> TypeNode:
        """``additionalProperties: false`` next to a combinator: read as closing the branches' keys too.

        Taken literally it forbids every key the branches add (no payload could be
        valid); schemas written that way mean "the branches, and nothing else".
        """
        assert node.obj is not None
        self.warn(
            scope,
            pointer,
            "additionalProperties: false next to allOf/anyOf/oneOf is not applied to "
            "the keys the branches declare (wider)",
            schema,
        )
        return self.table.object(node.obj.fields, node.obj.description, False, node.obj.hints)

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
        if keywords.COMBINED.search(pointer) or not pointer or "enum" in schema or "const" in schema:
            return inferred
        self.warn(
            scope,
            pointer,
            f"{inferred[0]} keywords without `type`: any value that is not an {inferred[0]} is valid "
            f"too, so the type allows them (wider); add `type: {inferred[0]}` if that is meant",
            schema,
        )
        return ["object", "array", "string", "number", "boolean", "null"]

    # --- combinators ------------------------------------------------------------------

    def union_branches(
        self, schema: Mapping[str, Any], keyword: str, scope: TopicScope, hints: Hints, pointer: str
    ) -> TypeNode:
        branches = schema[keyword]
        if not isinstance(branches, list) or not branches:
            raise self.error(scope, pointer, f"{keyword} must be a non-empty list of schemas")
        nodes = []
        for index, branch in enumerate(branches):
            where = f"{pointer}/{keyword}/{index}"
            try:
                nodes.append(self.convert(branch, scope, hints.child(f"Option{index + 1}"), where))
            except Unsatisfiable as error:
                if index == len(branches) - 1 and not nodes:
                    raise
                # A branch no value matches adds nothing to the union: dropping it is exact.
                self.warn(scope, where, f"no value can match this branch, dropped: {error.problem}", branch)
        if keyword == "oneOf" and may_overlap(nodes):
            self.warn(
                scope,
                f"{pointer}/oneOf",
                "oneOf branches may overlap: typed as their union (exactly-one is checked at run time)",
                branches,
            )
        lists = [node for node in nodes if node.kind == "list"]
        if len(lists) > 1:
            # mypy cannot infer a list display against ``list[A] | list[B]`` (it widens the
            # display to list[str] and rejects it), so valid payloads would fail to type-check.
            self.warn(
                scope,
                f"{pointer}/{keyword}",
                "arrays in different branches are typed as one list of the union of their items "
                "(wider: a list mixing the branches' items passes the type checker)",
                branches,
            )
            merged = self.table.list_of(self.table.union(node.args[0] for node in lists))
            nodes = [node for node in nodes if node.kind != "list"] + [merged]
        return self.table.union(nodes)

    def all_of(
        self, branches: Any, base: TypeNode, scope: TopicScope, hints: Hints, pointer: str
    ) -> TypeNode:
        """allOf -> the intersection of its branches; objects merge into one TypedDict."""
        if not isinstance(branches, list) or not branches:
            raise self.error(scope, pointer, "allOf must be a non-empty list of schemas")
        result = base
        for index, branch in enumerate(branches):
            node = self.convert(branch, scope, hints.child(f"Part{index + 1}"), f"{pointer}/allOf/{index}")
            result = self.intersect(result, node, scope, f"{pointer}/allOf", hints)
        return result
