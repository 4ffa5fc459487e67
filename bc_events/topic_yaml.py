"""Safe YAML parsing of topic files, keeping the line of every topic and of its keys.

PyYAML's composer builds a node, with two position marks, for every value and
only then constructs Python objects: on a 5 MB topic file that is about 3.3 s
with libyaml.  ``parse_topic_yaml`` builds the values straight from libyaml's
event stream instead (about 0.9 s), with PyYAML's own resolver and safe
constructors deciding what each plain scalar is.  Whatever that fast path does
not handle exactly as ``yaml.safe_load`` would (explicit tags, merge keys,
complex keys, aliases to unfinished collections, several documents, syntax
errors) sends the whole file through the full safe loader instead, so the result
is always ``yaml.safe_load``'s.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from bc_events.errors import TopicDefinitionError

KeyLines = dict[str, int]
"""Line (1-based) of each key of one topic mapping, plus ``""`` for the topic itself."""

_LIBYAML = hasattr(yaml, "CSafeLoader")
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = (None, "!")
_UNSUPPORTED_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_NO_KEY = object()


def parse_topic_yaml(text: str, source: str) -> tuple[Any, list[KeyLines]]:
    """The document (as ``yaml.safe_load`` gives it) and the key lines of each item of ``Topics``."""
    if _LIBYAML:
        try:
            return _EventBuilder(text).build()
        except _Unsupported:
            pass
        except yaml.YAMLError:
            pass  # the full loader reports it, with its position
    return _parse_with_nodes(text, source)


# --- fast path: values from libyaml's events ----------------------------------------------


class _Unsupported(Exception):
    """The file uses something only the full loader handles the way safe_load does."""


class _EventBuilder:
    def __init__(self, text: str) -> None:
        self._text = text
        self._loader = _SafeLoader("")  # its resolver and constructors only
        self._tags: dict[str, str] = {}
        self._scalars: dict[tuple[str, str], Any] = {}
        self._anchors: dict[str, Any] = {}
        self._stack: list[list[Any]] = []  # [container, pending key or _NO_KEY, key in its parent]
        self._root: Any = None
        self._documents = 0
        self.topic_lines: list[KeyLines] = []

    def build(self) -> tuple[Any, list[KeyLines]]:
        try:
            for event in yaml.parse(self._text, Loader=_SafeLoader):
                self._handle(event)
        finally:
            self._loader.dispose()
        if self._documents != 1:
            raise _Unsupported  # empty file or several documents: the full loader's message
        return self._root, self.topic_lines

    def _handle(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is ScalarEvent:
            self._scalar(event)  # type: ignore[arg-type]
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            self._open(event)  # type: ignore[arg-type]
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            self._stack.pop()
        elif kind is AliasEvent:
            value = self._anchors.get(event.anchor)  # type: ignore[attr-defined]
            if value is None or any(value is frame[0] for frame in self._stack):
                raise _Unsupported
            self._add(value, event)
        elif kind is DocumentStartEvent:
            self._documents += 1

    def _scalar(self, event: ScalarEvent) -> None:
        if event.tag not in _PLAIN_TAGS:
            raise _Unsupported
        value: Any = event.value
        if event.implicit[0]:  # plain scalar: null, bool, int, float, timestamp or str
            tag = self._tags.get(value)
            if tag is None:
                tag = self._tags[value] = self._loader.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
            if tag != _STR_TAG:
                value = self._construct(tag, value)
        if event.anchor:
            self._anchors[event.anchor] = value
        self._add(value, event)

    def _construct(self, tag: str, text: str) -> Any:
        if tag in _UNSUPPORTED_TAGS:
            raise _Unsupported
        key = (tag, text)
        if key in self._scalars:
            return self._scalars[key]
        value = self._loader.yaml_constructors[tag](self._loader, yaml.ScalarNode(tag, text))
        if isinstance(value, (bool, int, float, type(None))):  # immutable: share
            self._scalars[key] = value
        return value

    def _open(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        if event.tag not in _PLAIN_TAGS and not event.implicit:
            raise _Unsupported
        container: dict[Any, Any] | list[Any] = {} if isinstance(event, MappingStartEvent) else []
        if isinstance(container, dict) and self._depth_in_topics() == 0:
            self.topic_lines.append({"": _line(event)})
        if event.anchor:
            self._anchors[event.anchor] = container
        key = self._stack[-1][1] if self._stack else None
        self._add(container, event)
        self._stack.append([container, _NO_KEY, key])

    def _depth_in_topics(self) -> int | None:
        """0 directly in the root's ``Topics`` list, 1 inside one of its items, else None."""
        stack = self._stack
        if len(stack) < 2 or stack[1][2] != "Topics" or not isinstance(stack[1][0], list):
            return None
        return len(stack) - 2

    def _add(self, value: Any, event: yaml.Event) -> None:
        if not self._stack:
            self._root = value
            return
        frame = self._stack[-1]
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
        elif frame[1] is _NO_KEY:
            if isinstance(value, (dict, list)):
                raise _Unsupported  # a complex key
            frame[1] = value
            if isinstance(value, str) and self._depth_in_topics() == 1:
                self.topic_lines[-1][value] = _line(event)
        else:
            container[frame[1]] = value
            frame[1] = _NO_KEY


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return 0 if mark is None else mark.line + 1


# --- full path: PyYAML's composer and constructor ------------------------------------------


def _parse_with_nodes(text: str, source: str) -> tuple[Any, list[KeyLines]]:
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise TopicDefinitionError("the file is empty", source=source)
        topic_lines = _topic_key_lines(node)
        document = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(part for part in (error.context, error.problem) if part)
        line = None if mark is None else mark.line + 1
        raise TopicDefinitionError(f"invalid YAML: {problem}", source=source, line=line) from None
    except yaml.YAMLError as error:
        raise TopicDefinitionError(f"invalid YAML: {error}", source=source) from None
    finally:
        loader.dispose()
    return document, topic_lines


def _topic_key_lines(root: yaml.Node) -> list[KeyLines]:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "Topics" and isinstance(value, yaml.SequenceNode):
            return [_key_lines(item) for item in value.value]
    return []


def _key_lines(node: yaml.Node) -> KeyLines:
    lines = {"": node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[key.value] = key.start_mark.line + 1
    return lines
