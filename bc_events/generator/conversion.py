"""What every step of schema conversion shares: the type table, errors and warnings, intersections.

An error names the file, the line of the schema pointer and the topic; a warning
(a construct typed wider than its schema) is handed to the caller's ``warn``, which
dedupes it by construct.  An intersection with no value in common is
``Unsatisfiable``: an error, unless a caller (an anyOf/oneOf branch) can drop it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from bc_events.errors import TopicDefinitionError
from bc_events.generator.merge import Merger
from bc_events.generator.model import Hints, TypeNode
from bc_events.generator.scope import TopicScope
from bc_events.generator.typetable import TypeTable
from bc_events.topics import Topic

_NO_HINTS = Hints()

Warn = Callable[[Topic, str, str, Any], None]
"""``warn(topic, pointer, message, construct)``: the construct dedupes the warning."""


class Unsatisfiable(TopicDefinitionError):
    """A schema no value can match: an error, unless it is one branch of an anyOf/oneOf."""


class Conversion(ABC):
    """The state one conversion run shares across constructs; ``convert`` is the dispatch."""

    def __init__(self, table: TypeTable, source: str, warn: Warn) -> None:
        self.table = table
        self.source = source
        self._warn = warn
        self._merger = Merger(table)

    @abstractmethod
    def convert(self, schema: Any, scope: TopicScope, hints: Hints, pointer: str) -> TypeNode:
        """Any schema -> its type."""

    def error(
        self,
        scope: TopicScope,
        pointer: str,
        problem: str,
        kind: type[TopicDefinitionError] = TopicDefinitionError,
    ) -> TopicDefinitionError:
        """An error about the schema at ``pointer``, located at its line in the topic file."""
        where = f"Schema{pointer or ' root'}: " if pointer else "Schema: "
        return kind(
            where + problem, source=self.source, line=scope.topic.line_of(pointer), topic=scope.topic.name
        )

    def warn(self, scope: TopicScope, pointer: str, message: str, construct: Any) -> None:
        """Report a construct typed wider than its schema, once per ``construct``."""
        self._warn(scope.topic, f"Schema{pointer}" if pointer else "Schema", message, construct)

    def intersect(
        self, left: TypeNode, right: TypeNode, scope: TopicScope, pointer: str, hints: Hints = _NO_HINTS
    ) -> TypeNode:
        """``left & right``; ``Unsatisfiable`` when no value is both."""
        outcome = self._merger.intersect(left, right, hints)
        for message in outcome.warnings:
            self.warn(scope, pointer, message, (pointer, message))
        if outcome.conflict:
            raise self.error(scope, pointer, outcome.conflict, Unsatisfiable)
        assert outcome.node is not None
        return outcome.node
