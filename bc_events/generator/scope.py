"""One topic's schema conversion: where its references lead, and what identifies each target's content.

A ``$ref`` may point anywhere in the topic's schema, as the runtime resolves it:
a JSON pointer (``#/definitions/a/properties/b``, ``#/items/0``, ``#``, with
``~0``/``~1`` and percent escapes), a ``$anchor`` (or a draft-7 ``$id: "#name"``),
or a URI made relative to an enclosing ``$id``.  Every target is known by its
canonical pointer (``#/definitions/a~1b``: decoded, then ``~``-escaped).

The same definition copied into 200 topics should become one type, converted
(and warned about) once.  Its identity is its name plus a digest of its content
and of every target it reaches, so two copies that differ anywhere, even in
a definition they reference, are told apart.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from bc_events.generator.model import Hints, TypeNode
from bc_events.generator.naming import pascal_case
from bc_events.topics import Topic

_REF = re.compile(r'"\$ref": "((?:[^"\\]|\\.)*)"')
_NOT_SCHEMAS = frozenset({"enum", "const", "examples", "default"})
"""Keywords whose values are data, never schemas: no ``$id`` or ``$anchor`` counts there."""


def escape_pointer(name: str) -> str:
    """``name`` as one JSON Pointer segment (``~`` and ``/`` escaped)."""
    return name.replace("~", "~0").replace("/", "~1")


def _segments(pointer: str) -> list[str]:
    """``/a~1b/0`` -> ``["a/b", "0"]``."""
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]


@dataclass
class TopicScope:
    """The reference targets of the topic being converted, by canonical pointer, and those in progress."""

    topic: Topic
    prefix: str
    definitions: dict[str, Any] = field(default_factory=dict)
    """Targets resolved so far: canonical pointer (``#/...``) -> schema."""
    texts: dict[str, str] = field(default_factory=dict)
    in_progress: dict[str, TypeNode | None] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    """Absolute URI of each ``$id`` (and of the root) -> the pointer of its schema."""
    anchors: dict[tuple[str, str], str] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)
    """Pointer of a schema with ``$id`` -> its absolute base URI."""
    named_shells: set[str] = field(default_factory=set)
    """Definitions that recur through a named alias although they look like a plain object."""
    payload: bool = False
    """Is the root being converted as the payload (an object), not as the target of a ``$ref: "#"``?"""

    @classmethod
    def of(cls, topic: Topic, prefix: str) -> TopicScope:
        """The scope of ``topic``, with the ``$id``\\ s and anchors of its schema indexed."""
        scope = cls(topic, prefix)
        scope._index(topic.schema, "", "")
        scope.definitions["#"] = topic.schema
        return scope

    def _index(self, root: Any, root_pointer: str, root_base: str) -> None:
        stack: list[tuple[Any, str, str]] = [(root, root_pointer, root_base)]
        while stack:
            node, pointer, base = stack.pop()
            if isinstance(node, Mapping):
                declared = node.get("$id")
                if isinstance(declared, str) and not declared.startswith("#"):
                    base = urldefrag(urljoin(base, declared))[0]
                    self.resources.setdefault(base, pointer)
                    self.bases[pointer] = base
                elif isinstance(declared, str):  # draft 6/7: a plain-name fragment is an anchor
                    self.anchors.setdefault((base, declared[1:]), pointer)
                if isinstance(node.get("$anchor"), str):
                    self.anchors.setdefault((base, node["$anchor"]), pointer)
                if not pointer:
                    self.resources.setdefault(base, "")
                    self.bases[""] = base
                children: Iterator[tuple[str, Any]] = (
                    (key, value) for key, value in node.items() if key not in _NOT_SCHEMAS
                )
            elif isinstance(node, list):
                children = ((str(index), value) for index, value in enumerate(node))
            else:
                continue
            stack.extend((value, f"{pointer}/{escape_pointer(str(key))}", base) for key, value in children)

    def _base_at(self, pointer: str) -> str:
        """The base URI in force at ``pointer``: that of the nearest enclosing ``$id``."""
        while pointer not in self.bases and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        return self.bases.get(pointer, "")

    def resolve(self, ref: str, at: str) -> str | None:
        """The canonical pointer ``ref`` (met at pointer ``at``) leads to, or None outside the schema."""
        uri, _, fragment = urljoin(self._base_at(at), ref).partition("#")
        resource = self.resources.get(uri)
        if resource is None:
            return None
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            anchored = self.anchors.get((uri, fragment))
            return None if anchored is None else self._target(anchored, [])
        return self._target(resource, _segments(fragment))

    def _target(self, start: str, segments: list[str]) -> str | None:
        node: Any = self.topic.schema
        path = _segments(start) + segments
        for segment in path:
            if isinstance(node, Mapping) and segment in node:
                node = node[segment]
            elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
                node = node[int(segment)]
            else:
                return None
        canonical = "#" + "".join(f"/{escape_pointer(segment)}" for segment in path)
        self.definitions[canonical] = node
        return canonical

    def definition_hints(self, ref: str) -> Hints:
        """Names for ``ref``: its last segment, then prefixed with the topic; ``#`` is the payload."""
        if ref == "#":
            return Hints.topic(self.prefix)
        last = _segments(ref[1:])[-1]
        return Hints.definition(pascal_case(last), self.prefix)

    def definition_key(self, ref: str) -> tuple[str, ...]:
        """``ref`` plus ``name:digest`` of every target it reaches (itself included)."""
        reached = {ref}
        stack = [ref]
        while stack:
            current = stack.pop()
            for text in _REF.findall(self._text(current)):
                target = self.resolve(json.loads(f'"{text}"'), current[1:])
                if target is not None and target not in reached:
                    reached.add(target)
                    stack.append(target)
        return (ref, *sorted(f"{name}:{self._digest(name)}" for name in reached))

    def _text(self, ref: str) -> str:
        text = self.texts.get(ref)
        if text is None:
            text = self.texts[ref] = json.dumps(self.definitions[ref], ensure_ascii=False, default=str)
        return text

    def _digest(self, ref: str) -> str:
        return hashlib.sha1(self._text(ref).encode(), usedforsecurity=False).hexdigest()
