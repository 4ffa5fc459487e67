"""The fast YAML path gives exactly what yaml.safe_load gives, or hands the file to the full loader.

Both paths also agree on where every node was written and on what they find wrong.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import yaml

from bc_events import TopicDefinitionError
from bc_events.topic_source import ParsedTopics
from bc_events.topic_yaml import _EventBuilder, _Unsupported, parse_topic_yaml
from bc_events.topic_yaml_nodes import parse_with_nodes as _parse_with_nodes

# Documents the event path builds itself: every implicit scalar type, quoting, anchors.
BUILT_BY_EVENTS = {
    "scalars": """
        plain: text
        ints: [1, -2, 0o17, 0x1F, 1_000, 0b101, 190:20:30]
        floats: [1.5, -.5, 1e3, .inf, -.Inf, .nan]
        bools: [yes, No, on, OFF, true, False]
        nulls: [~, null, ]
        dates: [2026-11-28, 2026-11-28T12:00:00Z]
        quoted: ["1", '2', "yes", "null", '+1']
        keys: {1: one, true: yes, null: nothing, +1: plus, -1: minus, from: keyword}
        multiline: |
          line one
          line two
        folded: >
          folded
          text
    """,
    "anchors": """
        base: &base {type: object, properties: {id: {type: string}}}
        copy: *base
        scalar: &word hello
        again: *word
        list: &items [a, b]
        items: *items
    """,
    "unicode": 'text: "Pr\\u00e4mie \\U0001F600"\nplain: 保険\n',
    "nested flow and block": "a:\n  - {b: [1, {c: d}]}\n  - - e\n    - f\n",
}

# Documents only the full loader reads the way safe_load does.
HANDED_ON = {
    "merge key": "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
    "explicit str tag": "a: !!str 123\n",
    "explicit binary tag": "a: !!binary aGVsbG8=\n",
    "explicit set": "a: !!set {x, y}\n",
    "anchored null": "a: &n ~\nb: *n\n",
}


def events_path(text: str) -> object:
    return _EventBuilder(text).build().document


def node_lines(parsed: ParsedTopics) -> list[tuple[tuple[object, ...], int | None]]:
    """The line of every node of the document, by its path from the root."""
    found: list[tuple[tuple[object, ...], int | None]] = []
    stack: list[tuple[object, ...]] = [()]
    while stack:
        path = stack.pop()
        found.append((path, parsed.source_map.line_of(parsed.document, list(path))))
        node = parsed.document
        for step in path:
            node = node[step]
        if isinstance(node, dict):
            stack.extend((*path, key) for key in node)
        elif isinstance(node, list):
            stack.extend((*path, index) for index in range(len(node)))
    return found


def same_parse(fast: ParsedTopics, full: ParsedTopics) -> None:
    assert fast.document == full.document
    assert fast.topic_lines == full.topic_lines
    assert node_lines(fast) == node_lines(full)
    assert fast.problems == full.problems
    assert fast.warnings == full.warnings


@pytest.mark.parametrize("name", sorted(BUILT_BY_EVENTS))
def test_event_path_matches_safe_load(name: str) -> None:
    text = BUILT_BY_EVENTS[name].replace("\n        ", "\n").strip() + "\n"
    assert events_path(text) == yaml.safe_load(text)


def test_anchored_collections_are_shared_as_safe_load_shares_them() -> None:
    document = events_path("base: &b {x: 1}\ncopy: *b\n")
    assert isinstance(document, dict)
    assert document["copy"] is document["base"]


@pytest.mark.parametrize("name", sorted(HANDED_ON))
def test_what_the_event_path_does_not_handle_goes_to_the_full_loader(name: str) -> None:
    text = HANDED_ON[name]
    with pytest.raises(_Unsupported):
        _EventBuilder(text).build()
    parsed = parse_topic_yaml(text, "t.yaml")
    assert parsed.document == yaml.safe_load(text)
    assert not parsed.problems


def test_a_complex_key_is_reported_by_the_full_loader() -> None:
    text = "? [a, b]\n: 1\n"
    with pytest.raises(_Unsupported):
        _EventBuilder(text).build()
    with pytest.raises(TopicDefinitionError, match=r"t\.yaml:1: invalid YAML: .*unhashable key"):
        parse_topic_yaml(text, "t.yaml")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "a: 1\n---\nb: 2\n", "a: [1, 2\n"])
def test_empty_multi_document_and_broken_files_get_the_full_loaders_verdict(text: str) -> None:
    with pytest.raises(TopicDefinitionError) as fast:
        parse_topic_yaml(text, "t.yaml")
    with pytest.raises(TopicDefinitionError) as full:
        _parse_with_nodes(text, "t.yaml")
    assert str(fast.value) == str(full.value)
    assert "t.yaml" in str(fast.value)


TOPICS = """\
DefaultCategory: testing
Topics:
  # a comment line
  - Action: Created
    Entity: Test
    Schema:
      type: object
  - {Action: Deleted, Entity: Test, Schema: {}}
  -
    Entity: Other
    Action: Moved

    Schema: &s {type: object}
  - Action: Copied
    Entity: Other
    Schema: *s
"""


def test_both_paths_give_the_same_topic_and_key_lines() -> None:
    fast = _EventBuilder(TOPICS).build()
    same_parse(fast, _parse_with_nodes(TOPICS, "t.yaml"))
    assert fast.topic_lines == [
        {"": 4, "Action": 4, "Entity": 5, "Schema": 6},
        {"": 8, "Action": 8, "Entity": 8, "Schema": 8},
        {"": 10, "Entity": 10, "Action": 11, "Schema": 13},
        {"": 14, "Action": 14, "Entity": 15, "Schema": 16},
    ]


def _corpus() -> Path:
    root = Path(os.environ.get("BC_EVENTS_CORPUS", Path(__file__).parents[3] / "shared" / "corpus"))
    return root / "github-webhooks" / "github-webhooks-small.yaml"


@pytest.mark.skipif(not _corpus().exists(), reason="the shared corpus (../shared/corpus) is not here")
def test_real_topic_file_loads_identically_on_both_paths() -> None:
    text = _corpus().read_text(encoding="utf-8")
    same_parse(_EventBuilder(text).build(), _parse_with_nodes(text, "corpus.yaml"))


class _RandomDocument:
    """Small block-style documents with the constructs both paths must agree on.

    Repeated keys, anchors, aliases to finished and to still-open collections,
    and plain scalars YAML reads as booleans or numbers inside ``enum``/``const``.
    """

    KEYS = ("a", "b", "type", "enum", "const", "1", "yes")
    SCALARS = ("string", "NO", "on", "1.10", "7", "~", "'quoted'")

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.open: list[str] = []
        self.closed: list[str] = []
        self.lines: list[str] = []

    def text(self) -> str:
        self.mapping(0, 4)
        return "\n".join(self.lines) + "\n"

    def mapping(self, indent: int, depth: int) -> None:
        for _ in range(self.random.randint(1, 4)):
            key = self.random.choice(self.KEYS)
            prefix = " " * indent + f"{key}:"
            choice = self.random.random()
            if depth and choice < 0.3:
                anchor = f"n{len(self.lines)}"
                self.lines.append(f"{prefix} &{anchor}")
                self.open.append(anchor)
                self.mapping(indent + 2, depth - 1)
                self.open.remove(anchor)
                self.closed.append(anchor)
            elif choice < 0.45 and (self.closed or self.open):
                pool = self.closed + self.open * (self.random.random() < 0.2)
                if pool:
                    self.lines.append(f"{prefix} *{self.random.choice(pool)}")
                else:
                    self.lines.append(f"{prefix} x")
            elif choice < 0.7:
                items = ", ".join(self.random.choice(self.SCALARS) for _ in range(self.random.randint(1, 4)))
                self.lines.append(f"{prefix} [{items}]")
            else:
                self.lines.append(f"{prefix} {self.random.choice(self.SCALARS)}")


@pytest.mark.parametrize("seed", range(300))
def test_both_paths_agree_on_random_documents(seed: int) -> None:
    text = _RandomDocument(seed).text()
    try:
        fast = _EventBuilder(text).build()
    except _Unsupported:
        return  # (an alias to an anchored null) only the full loader reads it
    full = _parse_with_nodes(text, "t.yaml")
    assert fast.problems == full.problems, text
    assert fast.warnings == full.warnings, text
    if not fast.problems:
        same_parse(fast, full)
