"""One topic's schema conversion: its definitions, and what identifies each one's content.

The same definition copied into 200 topics should become one type, converted
(and warned about) once.  Its identity is its name plus a digest of its content
and of every definition it reaches, so two copies that differ anywhere, even in
a definition they reference, are told apart.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from bc_events.generator.model import Hints, TypeNode
from bc_events.generator.naming import pascal_case
from bc_events.topics import Topic

_REF = re.compile(r'"\$ref": "(#/(?:definitions|\$defs)/[^"]*)"')


def escape_pointer(name: str) -> str:
    """``name`` as one JSON Pointer segment (``~`` and ``/`` escaped)."""
    return name.replace("~", "~0").replace("/", "~1")


@dataclass
class TopicScope:
    """The definitions of the topic being converted, by ``$ref``, and those being converted now."""

    topic: Topic
    prefix: str
    definitions: dict[str, Any]
    texts: dict[str, str] = field(default_factory=dict)
    in_progress: dict[str, TypeNode | None] = field(default_factory=dict)

    @classmethod
    def of(cls, topic: Topic, prefix: str) -> TopicScope:
        """The scope of ``topic``: its ``definitions`` and ``$defs``, keyed by their ``$ref``."""
        definitions = {}
        for keyword in ("definitions", "$defs"):
            group = topic.schema.get(keyword)
            if isinstance(group, Mapping):
                definitions.update(
                    {f"#/{keyword}/{escape_pointer(name)}": value for name, value in group.items()}
                )
        return cls(topic, prefix, definitions)

    def definition_hints(self, ref: str) -> Hints:
        """Names for the type of ``ref``: the definition's own, then one prefixed with the topic."""
        return Hints.definition(pascal_case(ref.rsplit("/", 1)[1]), self.prefix)

    def definition_key(self, ref: str) -> tuple[str, ...]:
        """``ref`` plus ``name:digest`` of every definition it reaches (itself included)."""
        reached = {ref}
        stack = [ref]
        while stack:
            current = stack.pop()
            for target in map(unquote, _REF.findall(self._text(current))):
                if target in self.definitions and target not in reached:
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
