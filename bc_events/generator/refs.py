"""``$ref``: where it leads, whether its siblings apply, and converting each target once.

Up to draft 7 a ``$ref`` ignores its siblings; from 2019-09 on they apply too, as
in an allOf.  ``TopicScope`` says where a reference leads and what identifies
its content; here a target is converted once per distinct content, so the same
definition copied into 200 topics is converted (and warned about) once.
Recursion goes through a shell handed out while its definition is converted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bc_events.generator import keywords
from bc_events.generator.combinators import one_object
from bc_events.generator.conversion import Conversion, Unsatisfiable
from bc_events.generator.model import Hints, TypeNode
from bc_events.generator.scope import TopicScope
from bc_events.schema import parse_pointer


class References:
    """Reference targets of one conversion run, converted once per distinct content."""

    def __init__(self, conversion: Conversion) -> None:
        self._conversion = conversion
        self._cache: dict[tuple[str, ...], TypeNode] = {}

    def with_siblings(
        self, schema: Mapping[str, Any], scope: TopicScope, hints: Hints, pointer: str
    ) -> TypeNode:
        """``$ref`` alone up to draft 7; from 2019-09 on, its siblings apply too (as in an allOf)."""
        target = self.ref(schema["$ref"], scope, pointer)
        siblings = {key: value for key, value in schema.items() if key not in keywords.NOT_ASSERTIONS}
        if not siblings or not scope.resolver.dialect_at(parse_pointer(pointer)).ref_siblings_apply:
            return target
        node = self._conversion.convert(siblings, scope, hints, pointer)
        return self._conversion.intersect(target, node, scope, pointer, hints)

    def dynamic(
        self, schema: Mapping[str, Any], keyword: str, scope: TopicScope, hints: Hints, pointer: str
    ) -> TypeNode:
        """``$dynamicRef``/``$recursiveRef``: the union of every schema it may lead to, with a warning.

        Where a dynamic reference lands depends on the schemas that refer to this
        one at run time; the union of its static target and of every schema holding
        a matching ``$dynamicAnchor`` (``$recursiveAnchor: true``) is never narrower.
        """
        value = schema[keyword]
        targets = scope.dynamic_targets(keyword, value, pointer)
        if not targets:
            raise self._conversion.error(
                scope, pointer, f"unknown {keyword} {value!r}: it leads to no place in the topic's schema"
            )
        self._conversion.warn(
            scope,
            pointer,
            f"{keyword} is typed as the union of every schema it may resolve to (wider: which one "
            "applies depends on the schema that refers to this one, checked at run time)",
            schema,
        )
        nodes = [self.target(target, scope, pointer) for target in targets]
        siblings = {key: item for key, item in schema.items() if key not in keywords.NOT_ASSERTIONS}
        siblings.pop(keyword)
        if siblings:  # each candidate with the siblings, before `Any` absorbs the other candidates
            rest = self._conversion.convert(siblings, scope, hints, pointer)
            met = []
            for node in nodes:
                try:
                    met.append(self._conversion.intersect(rest, node, scope, pointer, hints))
                except Unsatisfiable:
                    continue  # a candidate no value matches together with the siblings
            nodes = met or [rest]
        nodes = one_object(self._conversion, nodes, scope, hints, pointer, schema)
        return self._conversion.table.union(nodes)

    def ref(self, ref: Any, scope: TopicScope, pointer: str) -> TypeNode:
        """Wherever ``ref`` leads inside the topic's schema (pointer, anchor, ``$id``-relative URI)."""
        target = scope.resolve(ref, pointer) if isinstance(ref, str) else None
        if target is None:
            raise self._conversion.error(
                scope, pointer, f"unknown $ref {ref!r}: it leads to no place in the topic's schema"
            )
        return self.target(_through_links(target, scope), scope, pointer)

    def payload(self, scope: TopicScope) -> TypeNode:
        """The topic's root as its payload: a JSON object, whatever else the schema allows."""
        return self.target("#", scope, "", slot="#")

    def target(self, ref: str, scope: TopicScope, pointer: str, slot: str = "") -> TypeNode:
        """A reference target: converted once per distinct content, recursion through a shell.

        ``$ref: "#"`` inside the schema is the root as a value (any JSON value it
        allows), not the payload: unless the root says ``type: object``, its slot
        is ``#self``, converted apart.
        """
        if not slot:  # a root of `type: object` is the same type as a payload and as a value
            typed = scope.topic.schema.get("type") in ("object", ["object"])
            slot = "#self" if ref == "#" and not typed else ref
        if slot in scope.in_progress:  # recursion: hand out the shell, filled in when the definition is done
            return self._shell(ref, slot, scope)
        key = scope.definition_key(ref) if ref != "#" else None  # "#" is the topic's own payload
        cached = self._cache.get(key) if key else None
        if cached is not None:
            return cached
        previous = scope.payload
        scope.payload = slot == "#" if ref == "#" else previous
        try:
            node = self._convert(ref, slot, scope)
        finally:
            scope.payload = previous
        if ref != "#" and keywords.is_enumeration(node) and node.named is None:
            # `Currency = Literal[...]`, importable
            node = self._conversion.table.named(node, scope.definition_hints(ref))
        if key:
            self._cache[key] = node
        return node

    def _convert(self, ref: str, slot: str, scope: TopicScope) -> TypeNode:
        """Convert ``ref``'s schema; a recursion whose object shell does not fit is converted again.

        A definition that looks like a plain object recurs through its own class; if
        it turns out to be something else (a mapping, for ``additionalProperties`` with
        a schema), it is converted once more, recurring through a named alias.
        """
        scope.in_progress[slot] = None
        cached = set(self._cache)
        node = self._conversion.convert(scope.definitions[ref], scope, scope.definition_hints(ref), ref[1:])
        shell = scope.in_progress.pop(slot)
        if shell is None:
            return node
        if shell.named is not None:
            shell.named.target = node.unnamed()
            return shell
        if node.obj is not None and not node.obj.pending:
            return _close_recursion(shell, node)
        for key in set(self._cache) - cached:  # they hold the shell that does not fit
            del self._cache[key]
        scope.named_shells.add(slot)
        return self._convert(ref, slot, scope)

    def _shell(self, ref: str, slot: str, scope: TopicScope) -> TypeNode:
        """The stand-in for ``ref`` while it is being converted, made on first recursion."""
        shell = scope.in_progress[slot]
        if shell is None:
            # A plain object recurs through its own class; anything else (Expr = Leaf | And)
            # through a named alias of the finished type.
            hints = scope.definition_hints(ref)
            plain = keywords.plain_object(scope.definitions[ref]) and slot not in scope.named_shells
            table = self._conversion.table
            shell = table.shell(hints) if plain else table.named_shell(hints)
            scope.in_progress[slot] = shell
        return shell


def _through_links(target: str, scope: TopicScope) -> str:
    """Where a chain of definitions that are only a ``$ref`` ends, followed in a loop.

    Such a link means exactly its target (it has no assertion of its own), so it
    is skipped rather than converted: a chain of any length costs no recursion.
    The chain stops before the root (``$ref: "#"`` has a slot of its own), before
    a schema whose siblings of ``$ref`` apply, and where it comes back to itself
    (a cycle is converted as a recursion, as before).
    """
    start, passed = target, {target}
    while target != "#":
        schema = scope.definitions[target]
        if not (isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str)):
            return target
        assertions = schema.keys() - keywords.NOT_ASSERTIONS
        if assertions and scope.resolver.dialect_at(parse_pointer(target[1:])).ref_siblings_apply:
            return target
        following = scope.resolve(schema["$ref"], target[1:])
        if following in passed:
            return start
        if following is None or following == "#":
            return target
        passed.add(following)
        target = following
    return target


def _close_recursion(shell: TypeNode, node: TypeNode) -> TypeNode:
    """Give the object shell the finished definition's fields."""
    assert shell.obj is not None
    assert node.obj is not None
    shell.obj.fields, shell.obj.description, shell.obj.closed = (
        node.obj.fields,
        node.obj.description,
        node.obj.closed,
    )
    shell.obj.pending = False
    return shell
