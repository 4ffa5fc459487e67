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
from bc_events.generator.conversion import Conversion
from bc_events.generator.model import Hints, TypeNode
from bc_events.generator.scope import TopicScope


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
        if not siblings or not keywords.siblings_apply(scope.topic.schema):
            return target
        node = self._conversion.convert(siblings, scope, hints, pointer)
        return self._conversion.intersect(target, node, scope, pointer, hints)

    def ref(self, ref: Any, scope: TopicScope, pointer: str) -> TypeNode:
        """Wherever ``ref`` leads inside the topic's schema (pointer, anchor, ``$id``-relative URI)."""
        target = scope.resolve(ref, pointer) if isinstance(ref, str) else None
        if target is None:
            raise self._conversion.error(
                scope, pointer, f"unknown $ref {ref!r}: it leads to no place in the topic's schema"
            )
        return self.target(target, scope, pointer)

    def target(self, ref: str, scope: TopicScope, pointer: str) -> TypeNode:
        """A reference target: converted once per distinct content, recursion through a shell."""
        if ref in scope.in_progress:  # recursion: hand out the shell, filled in when the definition is done
            return self._shell(ref, scope)
        key = scope.definition_key(ref) if ref != "#" else None  # "#" is the topic's own payload
        cached = self._cache.get(key) if key else None
        if cached is not None:
            return cached
        scope.in_progress[ref] = None
        node = self._conversion.convert(scope.definitions[ref], scope, scope.definition_hints(ref), ref[1:])
        shell = scope.in_progress.pop(ref)
        if shell is not None and shell.named is not None:
            shell.named.target = node.unnamed()
            node = shell
        elif shell is not None:
            node = _close_recursion(shell, node)
        elif ref != "#" and keywords.is_enumeration(node):  # `Currency = Literal[...]`, importable
            node = self._conversion.table.named(node, scope.definition_hints(ref))
        if key:
            self._cache[key] = node
        return node

    def _shell(self, ref: str, scope: TopicScope) -> TypeNode:
        """The stand-in for ``ref`` while it is being converted, made on first recursion."""
        shell = scope.in_progress[ref]
        if shell is None:
            # A plain object recurs through its own class; anything else (Expr = Leaf | And)
            # through a named alias of the finished type.
            hints = scope.definition_hints(ref)
            plain = keywords.plain_object(scope.definitions[ref])
            table = self._conversion.table
            shell = table.shell(hints) if plain else table.named_shell(hints)
            scope.in_progress[ref] = shell
        return shell


def _close_recursion(shell: TypeNode, node: TypeNode) -> TypeNode:
    """Give the shell the finished definition's fields; only plain objects get shells."""
    assert shell.obj is not None
    assert node.obj is not None
    shell.obj.fields, shell.obj.description, shell.obj.closed = (
        node.obj.fields,
        node.obj.description,
        node.obj.closed,
    )
    shell.obj.pending = False
    return shell
