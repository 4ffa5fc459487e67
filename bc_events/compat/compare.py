"""Comparing two sets of topic definitions, topic by topic, in a compatibility mode.

- ``backward``: every payload valid under OLD is valid under NEW (publishers
  still running the old code keep working once NEW is deployed);
- ``forward``: every payload valid under NEW is valid under OLD (consumers
  written against OLD accept what an updated publisher sends);
- ``full``: both.

A removed topic breaks backward; an added one breaks nothing; a renamed one
(Category, Entity or Action changed) is a removal plus an addition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bc_events.compat.same import Sameness
from bc_events.compat.schema import SchemaProblem, Space
from bc_events.compat.subset import Checker, Difference
from bc_events.compat.wording import BACKWARD, FORWARD, Wording
from bc_events.errors import TopicDefinitionError
from bc_events.schema.dialects import UnknownDialect
from bc_events.topics import Topic, TopicDefinitions

MODES = {BACKWARD: (BACKWARD,), FORWARD: (FORWARD,), "full": (BACKWARD, FORWARD)}


@dataclass(frozen=True)
class Finding:
    """One breaking (or undecidable) change, where it is and which direction it breaks."""

    source: str
    line: int | None
    topic: str
    path: str
    """Where in the payload, ``$`` for the whole event data (``$.owner.login``, ``$.labels[*]``)."""
    change: str
    breaks: str
    """``backward`` or ``forward``."""
    undecided: str | None = None
    """The keyword the comparison could not decide, when that is why this is reported."""

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: topic {self.topic}: {self.path}: {self.change} (breaks {self.breaks})"

    def as_json(self) -> dict[str, Any]:
        """The finding as a JSON object (``--format json``)."""
        return {
            "file": self.source,
            "line": self.line,
            "topic": self.topic,
            "path": self.path,
            "change": self.change,
            "breaks": self.breaks,
            "undecided": self.undecided,
        }


def compare(old: TopicDefinitions, new: TopicDefinitions, mode: str = "full") -> list[Finding]:
    """Every finding that makes NEW incompatible with OLD in ``mode`` (in NEW's topic order).

    Raises ``TopicDefinitionError`` (naming file, line and topic) for a schema the
    comparison cannot read, such as a ``$ref`` that does not resolve.
    """
    directions = MODES[mode]
    old_table = old.table()
    findings: list[Finding] = []
    new_names = set()
    for topic in new.topics:
        new_names.add(topic.name)
        before = old_table.get(topic.name)
        if before is not None:
            findings.extend(compare_topic(before, old.source, topic, new.source, directions))
    if BACKWARD in directions:
        for topic in old.topics:
            if topic.name not in new_names:
                findings.append(Finding(old.source, topic.line, topic.name, "$", "topic removed", BACKWARD))
    return findings


def compare_topic(
    old: Topic, old_source: str, new: Topic, new_source: str, directions: tuple[str, ...]
) -> list[Finding]:
    """The findings for one topic present on both sides."""
    try:
        spaces = {"old": _space(old), "new": _space(new)}
    except UnknownDialect as error:  # a Topic made by hand: the loader refuses these
        raise TopicDefinitionError(str(error), source=new_source, line=new.line, topic=new.name) from None
    sameness = Sameness(spaces["old"], spaces["new"])  # shared: most of two similar schemas is the same
    try:
        if sameness.same(spaces["old"].root, spaces["new"].root):
            return []
    except SchemaProblem:
        pass  # reported below, naming the side it is on
    findings: list[Finding] = []
    for direction in directions:
        a, b = ("old", "new") if direction == BACKWARD else ("new", "old")
        try:
            differences = Checker(spaces[a], spaces[b], Wording(direction), sameness=sameness).check()
        except SchemaProblem as problem:
            culprit = (old_source, old) if _broken(spaces["old"]) else (new_source, new)
            raise TopicDefinitionError(
                str(problem), source=culprit[0], line=culprit[1].line, topic=culprit[1].name
            ) from None
        findings.extend(_finding(new, new_source, direction, d) for d in _unique(differences))
    return findings


def _space(topic: Topic) -> Space:
    schema = topic.schema
    if isinstance(schema, dict):
        return Space(schema, topic.resolver)  # the loader's reading of its references
    return Space(json.loads(json.dumps(schema)))


def _broken(space: Space) -> bool:
    try:
        Checker(space, space, Wording(BACKWARD)).check()
    except SchemaProblem:
        return True
    return False


def _unique(differences: list[Difference]) -> list[Difference]:
    return list(dict.fromkeys(differences))


def _finding(topic: Topic, source: str, direction: str, difference: Difference) -> Finding:
    return Finding(
        source,
        topic.line,
        topic.name,
        payload_path(difference.path),
        difference.change,
        direction,
        difference.keyword,
    )


def payload_path(steps: tuple[str, ...]) -> str:
    """``$`` followed by ``.name`` for properties and ``[i]``/``[*]`` for items."""
    text = "$"
    for step in steps:
        if step.startswith("["):
            text += step
        elif step.isidentifier() or step == "*" or (step.startswith("/") and step.endswith("/")):
            text += "." + step
        else:
            text += "[" + json.dumps(step) + "]"
    return text
