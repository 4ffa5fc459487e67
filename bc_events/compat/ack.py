"""Breaking changes shipped on purpose: the acknowledgement file beside a topic file.

``topics.yaml`` has ``topics.compat-ack.yaml`` beside it (or ``--ack FILE``)::

    Acknowledged:
      - Topic: billing.InvoicePaid
        Path: $.note                      # as the finding prints it
        Breaks: backward                  # optional: backward or forward (default: either)
        Change: added to an open object   # optional: text the finding's change contains
        Reason: no publisher sends note yet; consumers updated first (PR 123)

A finding an entry matches is reported as acknowledged and does not fail the
run.  The file is reviewed with the topic change it ships; an entry that
matches nothing (the change is already at the revision compared with, or was
undone) is reported as stale, so it can be removed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from bc_events.compat.compare import Finding
from bc_events.compat.wording import BACKWARD, FORWARD

SUFFIX = ".compat-ack.yaml"
PLACEHOLDER = "<why shipping this break is safe>"
_KEYS = {"Topic", "Path", "Breaks", "Change", "Reason"}


class AckError(ValueError):
    """An acknowledgement file that cannot be read: ``file:line: problem``."""


@dataclass(frozen=True)
class Acknowledgement:
    """One entry: which findings it covers, and why the break is deliberate."""

    source: str
    line: int
    topic: str
    path: str
    breaks: str | None
    change: str | None
    reason: str

    def matches(self, finding: Finding) -> bool:
        """Whether this entry acknowledges ``finding``."""
        return (
            finding.topic == self.topic
            and finding.path == self.path
            and self.breaks in (None, finding.breaks)
            and (self.change is None or self.change in finding.change)
        )

    def __str__(self) -> str:
        breaks = f" (breaks {self.breaks})" if self.breaks else ""
        return f"{self.source}:{self.line}: topic {self.topic}: {self.path}{breaks}"


def beside(topic_file: str) -> str:
    """The acknowledgement file of a topic file: ``a/topics.yaml`` -> ``a/topics.compat-ack.yaml``."""
    stem, _ = os.path.splitext(topic_file)
    return stem + SUFFIX


def load(path: str, required: bool = False) -> list[Acknowledgement]:
    """The entries of ``path``; none if it does not exist (unless ``required``)."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        if required:
            raise AckError(f"{path}: no such file") from None
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise AckError(f"{path}: cannot read: {error}") from None
    try:
        document, node = yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        raise AckError(f"{where}: invalid YAML: {getattr(error, 'problem', error)}") from None
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) != {"Acknowledged"}:
        raise AckError(f"{path}:1: expected one key, Acknowledged: a list of entries")
    entries = document["Acknowledged"] or []
    if not isinstance(entries, list):
        raise AckError(f"{path}:1: Acknowledged must be a list of entries")
    return [_entry(path, line, entry) for line, entry in zip(_lines(node), entries, strict=False)]


def _lines(node: Any) -> Iterable[int]:
    """The line of each entry of the ``Acknowledged`` list, from the composed YAML node."""
    for key, value in node.value:
        if key.value == "Acknowledged" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _entry(path: str, line: int, entry: Any) -> Acknowledgement:
    def fail(problem: str) -> AckError:
        return AckError(f"{path}:{line}: {problem}")

    if not isinstance(entry, dict):
        raise fail("an entry is a mapping with Topic, Path and Reason (Breaks and Change optional)")
    unknown = sorted(map(str, set(entry) - _KEYS))
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}; known: Topic, Path, Breaks, Change, Reason")
    for key in ("Topic", "Path", "Reason"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(f"{key} is required: a non-empty string")
    if entry["Reason"].strip() == PLACEHOLDER:
        raise fail("write the Reason: why shipping this break is safe")
    breaks = entry.get("Breaks")
    if breaks not in (None, BACKWARD, FORWARD):
        raise fail(f"Breaks must be {BACKWARD} or {FORWARD}, got {breaks!r}")
    change = entry.get("Change")
    if change is not None and not isinstance(change, str):
        raise fail("Change must be a string")
    return Acknowledgement(path, line, entry["Topic"], entry["Path"], breaks, change, entry["Reason"].strip())


def template(findings: Iterable[Finding]) -> str:
    """Entries acknowledging ``findings``, to paste under ``Acknowledged:`` and complete."""
    keys = dict.fromkeys((f.topic, f.path, f.breaks) for f in findings)
    entries = [
        {"Topic": topic, "Path": path, "Breaks": breaks, "Reason": PLACEHOLDER}
        for topic, path, breaks in keys
    ]
    return yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=1000)
