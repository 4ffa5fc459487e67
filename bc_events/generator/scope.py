"""One topic's schema conversion: where its references lead, and what identifies each target's content.

Where a ``$ref`` leads is ``bc_events.schema``'s ``Resolver``: the same reading the
runtime's validator makes (base URIs from ``$id``, draft 4's ``id`` and URNs,
anchors, percent and ``~`` escapes).  Every target is known here by its
canonical pointer (``#/definitions/a~1b``).

The same definition copied into 200 topics should become one type, converted
(and warned about) once.  Its identity is its name plus a digest of its content
and of every target it reaches, so two copies that differ anywhere, even in
a definition they reference, are told apart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bc_events.generator.model import Hints, TypeNode
from bc_events.generator.naming import pascal_case
from bc_events.schema import Resolver, UnresolvableRef, format_pointer, parse_pointer, walk
from bc_events.topics import Topic


def escape_pointer(name: str) -> str:
    """``name`` as one JSON Pointer segment (``~`` and ``/`` escaped)."""
    return format_pointer((name,))[1:]


@dataclass
class TopicScope:
    """The reference targets of the topic being converted, by canonical pointer, and those in progress."""

    topic: Topic
    prefix: str
    resolver: Resolver
    definitions: dict[str, Any] = field(default_factory=dict)
    """Targets resolved so far: canonical pointer (``#/...``) -> schema."""
    texts: dict[str, str] = field(default_factory=dict)
    in_progress: dict[str, TypeNode | None] = field(default_factory=dict)
    named_shells: set[str] = field(default_factory=set)
    """Definitions that recur through a named alias although they look like a plain object."""
    inside: dict[str, list[str]] | None = None
    """Canonical pointer -> the targets of the ``$ref`` s in the schema there (and below)."""
    payload: bool = False
    """Is the root being converted as the payload (an object), not as the target of a ``$ref: "#"``?"""

    @classmethod
    def of(cls, topic: Topic, prefix: str) -> TopicScope:
        """The scope of ``topic``, its schema indexed by the shared resolver."""
        scope = cls(topic, prefix, Resolver(topic.schema))
        scope.definitions["#"] = topic.schema
        return scope

    def resolve(self, ref: str, at: str) -> str | None:
        """The canonical pointer ``ref`` (met at pointer ``at``) leads to, or None outside the schema."""
        try:
            target = self.resolver.resolve(ref, parse_pointer(at))
        except UnresolvableRef:
            return None
        self.definitions[target.pointer] = target.node
        return target.pointer

    def dynamic_targets(self, keyword: str, value: Any, at: str) -> list[str]:
        """Where a ``$dynamicRef`` (``$recursiveRef``) may land: its static target, then each anchor."""
        found = [self.resolve(value, at)] if isinstance(value, str) else []
        if keyword == "$dynamicRef":
            name = value.partition("#")[2] if isinstance(value, str) else ""
            paths = [target.path for target in self.resolver.dynamic_anchors(name)] if name else []
        else:
            paths = [
                site.path
                for site in walk(self.topic.schema, self.resolver.dialect)
                if isinstance(site.node, Mapping) and site.node.get("$recursiveAnchor") is True
            ]
        found += [self.resolve("#" + format_pointer(path), "") for path in paths]
        return list(dict.fromkeys(target for target in found if target is not None))

    def definition_hints(self, ref: str) -> Hints:
        """Names for ``ref``: its last segment, then prefixed with the topic; ``#`` is the payload."""
        if ref == "#":
            return Hints.topic(self.prefix)
        last = parse_pointer(ref[1:])[-1]
        return Hints.definition(pascal_case(last), self.prefix)

    def definition_key(self, ref: str) -> tuple[str, ...]:
        """``ref`` plus ``name:digest`` of every target it reaches (itself included)."""
        reached = {ref}
        stack = [ref]
        while stack:
            current = stack.pop()
            for target in self._targets_inside(current):
                if target not in reached:
                    reached.add(target)
                    stack.append(target)
        return (ref, *sorted(f"{name}:{self._digest(name)}" for name in reached))

    def _targets_inside(self, ref: str) -> list[str]:
        """Where the ``$ref`` s inside the schema at ``ref`` lead (indexed on first use)."""
        if self.inside is None:
            self.inside = {}
            for reference in self.resolver.references():
                at = format_pointer(reference.path)
                if reference.keyword == "$ref":
                    target = self.resolve(reference.value, at)
                    targets = [] if target is None else [target]
                else:  # where a dynamic reference may land is part of what it means
                    targets = self.dynamic_targets(reference.keyword, reference.value, at)
                for depth in range(len(reference.path) + 1):
                    self.inside.setdefault("#" + format_pointer(reference.path[:depth]), []).extend(targets)
        return self.inside.get(ref, [])

    def _text(self, ref: str) -> str:
        text = self.texts.get(ref)
        if text is None:
            text = self.texts[ref] = json.dumps(self.definitions[ref], ensure_ascii=False, default=str)
        return text

    def _digest(self, ref: str) -> str:
        return hashlib.sha1(self._text(ref).encode(), usedforsecurity=False).hexdigest()
