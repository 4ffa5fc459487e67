"""Safe YAML parsing of topic files, keeping the line of every node.

PyYAML's composer builds a node, with two position marks, for every value and
only then constructs Python objects: on a 5 MB topic file that is about 3.3 s
with libyaml.  ``parse_topic_yaml`` builds the values straight from libyaml's
event stream instead (well under a second), with PyYAML's own resolver and safe
constructors deciding what each plain scalar is.  Whatever that fast path does
not handle exactly as ``yaml.safe_load`` would (explicit tags, merge keys,
complex keys, several documents, syntax errors) sends the whole file through
the full safe loader instead (``topic_yaml_nodes``), so the values are always
``yaml.safe_load``'s.

Both paths find the same problems, which YAML itself allows but a topic file
must not contain: duplicate keys, recursive aliases, and aliases expanding the
definitions by more than ``MAX_ALIAS_EXPANSION`` nodes (an "alias bomb": a few
hundred bytes that expand to billions of nodes when the schemas are compiled).
Expanded sizes are counted as the file is read, never by expanding anything.
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

from bc_events.topic_source import (
    MAX_ALIAS_EXPANSION,
    KeyLines,
    ParsedTopics,
    Recorder,
    SourceMap,
)
from bc_events.topic_yaml_nodes import parse_with_nodes

__all__ = ["MAX_ALIAS_EXPANSION", "KeyLines", "ParsedTopics", "SourceMap", "parse_topic_yaml"]

_LIBYAML = hasattr(yaml, "CSafeLoader")
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = (None, "!")
_UNSUPPORTED_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_NO_KEY = object()

# A frame of the event path's stack of open collections, as a list for speed.
_CONTAINER, _KEY, _KEY_IN_PARENT, _SIZE, _ENTRY, _ANCHOR = range(6)


def parse_topic_yaml(text: str, source: str) -> ParsedTopics:
    """The document (as ``yaml.safe_load`` gives it), where each node was written, and its problems."""
    if _LIBYAML:
        try:
            return _EventBuilder(text).build()
        except _Unsupported:
            pass
        except yaml.YAMLError:
            pass  # the full loader reports it, with its position
    return parse_with_nodes(text, source)


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
        self._sizes: dict[str, int] = {}  # expanded node count of each anchor
        self._stack: list[list[Any]] = []  # see _CONTAINER ... _ANCHOR
        self._root: Any = None
        self._documents = 0
        self._topics: list[Any] | None = None  # the root's Topics list, once open
        self._recorder = Recorder()

    def build(self) -> ParsedTopics:
        try:
            for event in yaml.parse(self._text, Loader=_SafeLoader):
                self._handle(event)
        finally:
            self._loader.dispose()
        if self._documents != 1:
            raise _Unsupported  # empty file or several documents: the full loader's message
        return self._recorder.finish(self._root)

    def _handle(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is ScalarEvent:
            self._scalar(event)  # type: ignore[arg-type]
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            self._open(event)  # type: ignore[arg-type]
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            self._close()
        elif kind is AliasEvent:
            self._alias(event)  # type: ignore[arg-type]
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
                if value is not None and self._stack:
                    self._note_plain_value(value, event)
        if event.anchor:
            self._anchors[event.anchor] = value
            self._sizes[event.anchor] = 1
        self._add(value, event, 1)

    def _note_plain_value(self, value: Any, event: ScalarEvent) -> None:
        """A plain scalar read as a bool or number: remember it if it is an ``enum``/``const`` value."""
        frame = self._stack[-1]
        container = frame[_CONTAINER]
        if isinstance(container, list):
            if frame[_KEY_IN_PARENT] == "enum" and len(self._stack) > 1:
                holder = self._stack[-2][_CONTAINER]
                self._recorder.plain_value(holder, "enum", event.value, value, _line(event), self._topic())
        elif frame[_KEY] == "const":
            self._recorder.plain_value(container, "const", event.value, value, _line(event), self._topic())

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

    def _alias(self, event: AliasEvent) -> None:
        anchor = event.anchor
        value = self._anchors.get(anchor)  # type: ignore[arg-type]
        if value is None:
            raise _Unsupported  # undefined (the full loader's message) or an anchored null
        line = _line(event)
        for frame in self._stack:
            if frame[_CONTAINER] is value:
                self._recorder.recursive_alias(line, frame[_ENTRY][0] + 1, self._topic())
                self._add(None, event, 1)
                return
        size = self._sizes[anchor]  # type: ignore[index]
        self._recorder.expanded(size - 1, line, self._topic())
        self._add(value, event, size)

    def _open(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        if event.tag not in _PLAIN_TAGS and not event.implicit:
            raise _Unsupported
        container: dict[Any, Any] | list[Any] = {} if isinstance(event, MappingStartEvent) else []
        if event.anchor:
            self._anchors[event.anchor] = container
        stack = self._stack
        key = stack[-1][_KEY] if stack else None
        if key == "Topics" and len(stack) == 1 and isinstance(container, list):
            self._topics = container
        self._add(container, event, 0)  # its size is added when it closes
        entry = self._recorder.source_map.enter(container, event.start_mark.line)  # type: ignore[union-attr]
        stack.append([container, _NO_KEY, key, 1, entry, event.anchor])

    def _close(self) -> None:
        frame = self._stack.pop()
        size = frame[_SIZE]
        if frame[_ANCHOR]:
            self._sizes[frame[_ANCHOR]] = size
        if self._stack:
            self._stack[-1][_SIZE] += size

    def _topic(self) -> int | None:
        """Index of the topic being read, None outside ``Topics``."""
        stack = self._stack
        if len(stack) < 3 or stack[1][_CONTAINER] is not self._topics:
            return None
        return len(stack[1][_CONTAINER]) - 1

    def _add(self, value: Any, event: yaml.Event, size: int) -> None:
        if not self._stack:
            self._root = value
            return
        frame = self._stack[-1]
        frame[_SIZE] += size
        container = frame[_CONTAINER]
        key = frame[_KEY]
        if key is not _NO_KEY:  # a mapping's value: the most common case first
            container[key] = value
            frame[_KEY] = _NO_KEY
        elif isinstance(container, list):
            line = event.start_mark.line  # type: ignore[union-attr]
            container.append(value)
            frame[_ENTRY].append(line)
            if container is self._topics:
                self._recorder.topic_lines.append({"": line + 1})
        elif isinstance(value, (dict, list)):
            raise _Unsupported  # a complex key
        elif value in container or not isinstance(value, str):
            self._unusual_key(frame, value, event)
        else:
            frame[_KEY] = value
            line = event.start_mark.line  # type: ignore[union-attr]
            frame[_ENTRY].append(line)
            if len(self._stack) == 3 and self._stack[1][_CONTAINER] is self._topics:
                self._recorder.topic_lines[-1][value] = line + 1

    def _unusual_key(self, frame: list[Any], key: Any, event: yaml.Event) -> None:
        """A key already in its mapping, or not a string."""
        container = frame[_CONTAINER]
        line = event.start_mark.line  # type: ignore[union-attr]
        written = getattr(event, "value", None) or str(key)
        if key in container:
            first = self._recorder.source_map.line_of(container, [key])
            self._recorder.duplicate_key(written, first, line + 1, self._topic())
        else:
            frame[_ENTRY].append(line)
        frame[_KEY] = key
        if not isinstance(key, str):
            self._recorder.source_map.written_key(container, key, written)
            self._recorder.non_string_key(written, key, line + 1, self._topic())
        if isinstance(key, str) and len(self._stack) == 3 and self._stack[1][_CONTAINER] is self._topics:
            self._recorder.topic_lines[-1][key] = line + 1


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return 0 if mark is None else mark.line + 1
